package header

import (
	"strings"

	"github.com/mailtrip/mailtrip/mailfmt"
	mhdr "github.com/mailtrip/mailtrip/mailfmt/header"
)

// addresses returns the addr-specs in a header value (mailfmt/header's
// lenient, lower-cased extraction), keeping only those with a dotted
// domain, without duplicates, in order of appearance. Display names,
// comments and tenant ids ("alice@contoso.com;f7a1...") fall away, and so
// do host-local names ("root@localhost") that never leave a server.
func addresses(v string) []string {
	var out []string
	for _, a := range mhdr.Addresses(v) {
		domain := a[strings.LastIndexByte(a, '@')+1:]
		if !strings.Contains(domain, ".") || strings.HasPrefix(domain, ".") || strings.HasSuffix(domain, ".") {
			continue
		}
		out = appendNew(out, a)
	}
	return out
}

// domainOf returns the lower-cased domain of an addr-spec (after its last
// '@'), or "".
func domainOf(addr string) string {
	i := strings.LastIndexByte(addr, '@')
	if i < 0 {
		return ""
	}
	return strings.TrimSuffix(strings.ToLower(addr[i+1:]), ".")
}

// secondLevels are the second-level labels under a two-letter country code
// that registries hand out as public suffixes (co.uk, com.au, ne.jp, ...).
var secondLevels = map[string]bool{
	"co": true, "com": true, "net": true, "org": true, "gov": true, "edu": true,
	"ac": true, "ne": true, "or": true, "go": true, "gv": true, "mil": true,
	"ltd": true, "plc": true,
}

// registrable approximates the registrable domain (the organisation) of a
// host name without a Public Suffix List: the last two labels, or the last
// three when the second-to-last label is a known second-level label under a
// two-letter country code ("example.co.uk"). See
// docs/forwarding-artifacts.md for what this gets wrong and why it errs
// toward "same organisation".
func registrable(domain string) string {
	domain = strings.TrimSuffix(strings.ToLower(domain), ".")
	labels := strings.Split(domain, ".")
	n := len(labels)
	if n <= 2 {
		return domain
	}
	keep := 2
	if len(labels[n-1]) == 2 && secondLevels[labels[n-2]] {
		keep = 3
	}
	return strings.Join(labels[n-keep:], ".")
}

// internalMatcher returns a function reporting whether a domain is one of
// domains or a subdomain of one. With no domains nothing is internal.
func internalMatcher(domains []string) func(string) bool {
	var ds []string
	for _, d := range domains {
		d = strings.Trim(strings.ToLower(strings.TrimSpace(d)), ".")
		d = strings.TrimPrefix(d, "@")
		if d != "" {
			ds = append(ds, d)
		}
	}
	return func(domain string) bool {
		domain = strings.TrimSuffix(strings.ToLower(domain), ".")
		for _, d := range ds {
			if domain == d || strings.HasSuffix(domain, "."+d) {
				return true
			}
		}
		return false
	}
}

// fields returns the header fields named name in wire order, keeping the
// spelling of the name as found.
func fieldsNamed(h mailfmt.Header, name string) []mailfmt.Field {
	var fs []mailfmt.Field
	for _, f := range h {
		if mailfmt.NameIs(f.Name, name) {
			fs = append(fs, f)
		}
	}
	return fs
}

// headerEvidence renders fields as evidence, values trimmed and decoded.
func headerEvidence(fs []mailfmt.Field) []Evidence {
	ev := make([]Evidence, 0, len(fs))
	for _, f := range fs {
		ev = append(ev, Evidence{Where: "header", Name: f.Name, Value: decodeHeaderText(strings.TrimSpace(f.Value))})
	}
	return ev
}

// envelopeSender returns the sender of an mbox "From " line ("MAILER-DAEMON"
// or an address), or "".
func envelopeSender(envelope string) string {
	s, _, _ := strings.Cut(strings.TrimSpace(envelope), " ")
	return s
}
