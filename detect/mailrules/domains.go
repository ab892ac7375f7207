package mailrules

import (
	"sort"
	"strings"
)

// place is where a destination address is, relative to the organisation.
type place int

const (
	internal   place = iota
	external         // outside the internal (or the user's own) domains
	unresolved       // no address, or nothing to compare the domain with
)

// judge decides which destinations are external. With internal domains
// configured they alone decide; otherwise the domains the record shows
// as the organisation's own (the acting user's, the mailbox's, the
// tenant's) do, and basis says so for the alert's reasons.
type judge struct {
	domains []string // lower-case, without leading/trailing dots
	own     bool     // domains are the record's own, not configured
}

func newJudge(configured []string, own ...string) judge {
	if len(configured) > 0 {
		return judge{domains: configured}
	}
	var ds []string
	for _, o := range own {
		d := strings.Trim(strings.ToLower(o), ". ")
		if i := strings.LastIndexByte(d, '@'); i >= 0 {
			d = d[i+1:]
			if j := strings.IndexAny(d, "\\/; >"); j >= 0 {
				d = d[:j] // "user@corp.example\Rule name"
			}
		}
		if d == "" || !strings.Contains(d, ".") || strings.ContainsAny(d, " /\\") {
			continue
		}
		ds = appendNew(ds, d)
	}
	return judge{domains: ds, own: true}
}

// where classifies an address (or "" for a recipient without one).
func (j judge) where(addr string) place {
	at := strings.LastIndexByte(addr, '@')
	if at < 0 {
		return unresolved
	}
	if len(j.domains) == 0 {
		return unresolved
	}
	d := strings.Trim(strings.ToLower(addr[at+1:]), ". >")
	for _, in := range j.domains {
		if d == in || strings.HasSuffix(d, "."+in) {
			return internal
		}
	}
	return external
}

// basis explains what "external" was judged against.
func (j judge) basis() string {
	switch {
	case len(j.domains) == 0:
		return "no internal domains are configured and the record names no domain of the user's to compare with"
	case j.own:
		return "no internal domains are configured, so external means outside the user's own domain(s) " + strings.Join(j.domains, ", ") + " and their subdomains"
	}
	return "external means outside the configured internal domains " + strings.Join(j.domains, ", ") + " and their subdomains"
}

// normalizeDomains lower-cases and trims configured domains.
func normalizeDomains(ds []string) []string {
	var out []string
	for _, d := range ds {
		d = strings.Trim(strings.ToLower(strings.TrimSpace(d)), ".")
		d = strings.TrimPrefix(d, "@")
		if d != "" {
			out = appendNew(out, d)
		}
	}
	sort.Strings(out)
	return out
}

func appendNew(l []string, s string) []string {
	for _, x := range l {
		if x == s {
			return l
		}
	}
	return append(l, s)
}

// addrsInText returns the addr-specs found in free text (a Workspace
// setting's NEW_VALUE, a transport rule's description): runs of
// address characters around an '@' with a dotted domain.
func addrsInText(s string) []string {
	var out []string
	for i := 0; i < len(s); i++ {
		if s[i] != '@' {
			continue
		}
		a, b := i, i+1
		for a > 0 && isAddrByte(s[a-1]) {
			a--
		}
		for b < len(s) && isAddrByte(s[b]) {
			b++
		}
		local, domain := s[a:i], strings.Trim(s[i+1:b], ".")
		if local != "" && strings.Contains(domain, ".") {
			out = appendNew(out, strings.ToLower(local+"@"+domain))
		}
		i = b - 1
	}
	return out
}

func isAddrByte(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || strings.IndexByte(".-_+=", c) >= 0
}
