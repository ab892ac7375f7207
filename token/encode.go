package token

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"net/url"
	"strconv"
	"strings"
)

// The encoders below put a sub-id into the form a breadcrumb takes, made to
// look like what a real site or mail system would produce. Each picks among
// several shapes with r, so a decoy regenerated from the same seed carries
// the same breadcrumbs. Each places the sub-id between characters that are
// not letters or digits, which is what [Find] needs to see it again.
// r must not be nil.

// ErrInvalidDomain is wrapped by the errors the encoders return for a zone
// or mail domain that is not a host name.
var ErrInvalidDomain = errors.New("invalid domain")

// Document names for link paths. None holds a run a [Find] would take for
// a sub-id.
var docNames = []string{
	"Q3-payroll.pdf",
	"wire-instructions.docx",
	"salary-review-2025.xlsx",
	"vendor-bank-details.pdf",
	"board-minutes-draft.docx",
	"bonus-allocation.xlsx",
	"merger-term-sheet.pdf",
	"employee-ssn-export.csv",
	"remittance-advice.pdf",
	"VPN-setup-guide.pdf",
	"invoice-INV-20931.pdf",
	"passwords-backup.xlsx",
}

// Image names for remote images.
var imageNames = []string{"logo.png", "banner.jpg", "signature.png", "header.png", "spacer.gif", "badge.png"}

// URL returns a link (or, for [KindImage], a remote image address) under
// base carrying sub, such as
//
//	https://files.example.com/s/<sub>/Q3-payroll.pdf
//	https://files.example.com/login?sid=<sub>
//	https://files.example.com/img/<sub>/logo.png
//
// base's path is kept as a prefix; its query and fragment are dropped. A nil
// base gives a path-only reference.
func URL(base *url.URL, sub SubID, kind Kind, r *rand.Rand) string {
	return URLNamed(base, sub, kind, "", r)
}

// URLNamed is [URL] with the document's file name chosen by the caller (a
// decoy about payments links to wire-instructions.pdf, not to a payroll
// file); "" picks one as URL does. The name becomes one path segment.
func URLNamed(base *url.URL, sub SubID, kind Kind, name string, r *rand.Rand) string {
	var u url.URL
	if base != nil {
		u = *base
	}
	s := url.PathEscape(string(sub))
	q := url.QueryEscape(string(sub))
	var p, query string
	if kind == KindImage {
		name := imageNames[r.IntN(len(imageNames))]
		switch r.IntN(4) {
		case 0:
			p = "/img/" + s + "/" + name
		case 1:
			p = "/static/" + s + "/" + name
		case 2:
			p = "/assets/email/" + s + "/" + name
		default:
			p, query = "/img/"+name, "u="+q
		}
	} else {
		doc := docNames[r.IntN(len(docNames))]
		if name != "" {
			doc = strings.ReplaceAll(name, "/", "-") // one path segment; String() escapes the rest
		}
		switch r.IntN(7) {
		case 0:
			p = "/s/" + s + "/" + doc
		case 1:
			p = "/d/" + s + "/" + doc
		case 2:
			p, query = "/login", "sid="+q
		case 3:
			p, query = "/view", "doc="+q+"&ref=mail"
		case 4:
			p, query = "/share/"+s, "dl=1"
		case 5:
			p, query = "/files/"+s+"/"+doc, "preview=1"
		default:
			p, query = "/account/reset", "code="+q+"&utm_source=email"
		}
	}
	u.Path = strings.TrimSuffix(u.Path, "/") + p
	u.RawPath = ""
	u.RawQuery = query
	u.Fragment, u.RawFragment = "", ""
	return u.String()
}

// Host-name parts that make a canary host look like a real service.
var (
	hostPrefixes = []string{"vpn", "sso", "mail", "owa", "files", "dl", "portal", "intranet", "remote", "sharepoint"}
	hostParents  = []string{"files", "cdn", "share", "docs", "static", "assets", "sync"}
)

// maxHostExtra is the most DNSName puts in front of the zone, in bytes:
// "sharepoint-<sub>." (28).
var maxHostExtra = func() int {
	n := 0
	for _, p := range hostPrefixes {
		n = max(n, len(p)+1+SubIDLen+1)
	}
	for _, p := range hostParents {
		n = max(n, SubIDLen+1+len(p)+1)
	}
	return n
}()

// DNSName returns a host name in zone whose first label carries sub, such as
// vpn-<sub>.<zone> or <sub>.files.<zone>. zone is a host name (letters,
// digits and hyphens, labels of at most 63 bytes; one trailing dot allowed
// and dropped) written in lower case in the result, and must leave room
// for the longest form within 253 bytes (a zone of up to 225 bytes does),
// so whether a zone is accepted does not depend on r.
func DNSName(sub SubID, zone string, r *rand.Rand) (string, error) {
	zone, err := hostName(zone)
	if err != nil {
		return "", fmt.Errorf("dns name: zone: %w", err)
	}
	if _, err := ParseSubID(string(sub)); err != nil {
		return "", fmt.Errorf("dns name: %w", err)
	}
	// Refuse a zone too long for the longest form, whichever r picks.
	if len(zone)+maxHostExtra > maxHostLen {
		return "", fmt.Errorf("dns name: %w: zone %q leaves no room for the token label", ErrInvalidDomain, zone)
	}
	var name string
	switch r.IntN(3) {
	case 0:
		name = hostPrefixes[r.IntN(len(hostPrefixes))] + "-" + string(sub) + "." + zone
	case 1:
		name = string(sub) + "." + hostParents[r.IntN(len(hostParents))] + "." + zone
	default:
		name = string(sub) + "." + zone
	}
	return name, nil
}

// Words that make a canary address look like a team mailbox.
var mailboxWords = []string{
	"billing", "ap-team", "payroll", "invoices", "accounts", "treasury",
	"finance-ops", "hr-benefits", "it-helpdesk", "procurement", "legal", "vendor-payments",
}

// Address returns a canary mail address at domain whose local part carries
// sub, such as billing.<sub>@<domain> or ap-team-<sub>@<domain>. The local
// part is an RFC 5321 dot-atom of at most 64 bytes and the whole address at
// most 254 bytes; domain follows [DNSName]'s rules for a zone.
func Address(sub SubID, domain string, r *rand.Rand) (string, error) {
	domain, err := hostName(domain)
	if err != nil {
		return "", fmt.Errorf("address: domain: %w", err)
	}
	if _, err := ParseSubID(string(sub)); err != nil {
		return "", fmt.Errorf("address: %w", err)
	}
	word := mailboxWords[r.IntN(len(mailboxWords))]
	sep := ".-_"[r.IntN(3)]
	local := word + string(sep) + string(sub)
	addr := local + "@" + domain
	if len(addr) > 254 {
		return "", fmt.Errorf("address: %w: domain %q is too long for an address", ErrInvalidDomain, domain)
	}
	return addr, nil
}

// MessageID returns a Message-ID (with its angle brackets) whose left part
// carries sub, in the forms common mail software writes, such as
// <<sub>.1718031234@<domain>> or <20250611093012.<sub>@<domain>>. A decoy
// that uses it can be recognised by its Message-ID alone: in mailbox-access
// audit records and in forwarded or exported copies.
func MessageID(sub SubID, domain string, r *rand.Rand) (string, error) {
	domain, err := hostName(domain)
	if err != nil {
		return "", fmt.Errorf("message-id: domain: %w", err)
	}
	if _, err := ParseSubID(string(sub)); err != nil {
		return "", fmt.Errorf("message-id: %w", err)
	}
	var left string
	switch r.IntN(3) {
	case 0:
		left = string(sub) + "." + strconv.FormatInt(1_600_000_000+r.Int64N(200_000_000), 10)
	case 1:
		// YYYYMMDDhhmmss as many MTAs write it.
		ts := fmt.Sprintf("%04d%02d%02d%02d%02d%02d", 2023+r.IntN(3), 1+r.IntN(12), 1+r.IntN(28), r.IntN(24), r.IntN(60), r.IntN(60))
		left = ts + "." + string(sub)
	default:
		left = "mail." + string(sub) + "-" + strconv.FormatUint(uint64(r.Uint32()), 16)
	}
	return "<" + left + "@" + domain + ">", nil
}

// maxHostLen is the longest host name in text form without the final dot.
const maxHostLen = 253

// hostName checks that s is a host name made of LDH labels (RFC 1035
// §2.3.1, RFC 1123 §2.1: letters, digits, hyphens, not beginning or ending
// with a hyphen, 1–63 bytes each) of at most 253 bytes, and returns it
// lower-cased without a trailing dot.
func hostName(s string) (string, error) {
	s = strings.TrimSuffix(s, ".")
	if s == "" {
		return "", fmt.Errorf("%w: empty", ErrInvalidDomain)
	}
	if len(s) > maxHostLen {
		return "", fmt.Errorf("%w: %d bytes, longer than %d", ErrInvalidDomain, len(s), maxHostLen)
	}
	for label := range strings.SplitSeq(s, ".") {
		if len(label) == 0 || len(label) > 63 {
			return "", fmt.Errorf("%w: %q: label of %d bytes", ErrInvalidDomain, s, len(label))
		}
		if label[0] == '-' || label[len(label)-1] == '-' {
			return "", fmt.Errorf("%w: %q: label %q begins or ends with a hyphen", ErrInvalidDomain, s, label)
		}
		for i := 0; i < len(label); i++ {
			c := label[i]
			if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '-') {
				return "", fmt.Errorf("%w: %q: %q is not a letter, digit or hyphen", ErrInvalidDomain, s, c)
			}
		}
	}
	return strings.ToLower(s), nil
}
