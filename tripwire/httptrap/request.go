package httptrap

import (
	"net/http"
	"net/url"
	"strings"

	"github.com/mailtrip/mailtrip/token"
)

// MaxSubs bounds the candidates taken from one request; a URL stuffed with
// 16-character runs costs the recorder no more than this many lookups.
const MaxSubs = 16

// Candidates returns the token candidates a request carries in its host
// name, TLS server name, path and query, as [token.Find] sees them in the
// raw text and, where it differs, in the percent-decoded text (a proxy or
// mail gateway may have encoded the link). At most [MaxSubs], in order of
// first appearance. host may carry a port; uri is the request target as
// sent (origin form "/p?q" or absolute form).
func Candidates(host, serverName, uri string) []token.SubID {
	var out []token.SubID
	add := func(s string) {
		if len(out) >= MaxSubs || s == "" {
			return
		}
	next:
		for _, c := range token.Find(s) {
			for _, o := range out {
				if o == c {
					continue next
				}
			}
			out = append(out, c)
			if len(out) >= MaxSubs {
				return
			}
		}
	}
	add(host)
	if serverName != host {
		add(serverName)
	}
	add(uri)
	if strings.IndexByte(uri, '%') >= 0 || strings.IndexByte(uri, '+') >= 0 {
		if d, err := url.QueryUnescape(uri); err == nil && d != uri {
			add(d)
		} else if d, err := url.PathUnescape(uri); err == nil && d != uri {
			add(d)
		}
	}
	return out
}

// Bounds of the header copy kept as evidence.
const (
	maxHeaderNames = 48
	maxHeaderValue = 512
	maxHeaderTotal = 8 << 10
)

// redacted are headers whose values are secrets of the client's, not
// evidence: their presence is kept, their value is not.
var redacted = map[string]bool{
	"Cookie":              true,
	"Authorization":       true,
	"Proxy-Authorization": true,
}

// headerCopy returns a bounded copy of h with secrets redacted, and whether
// it was cut.
func headerCopy(h http.Header) (map[string][]string, bool) {
	out := make(map[string][]string, min(len(h), maxHeaderNames))
	total, cut := 0, false
	for k, vs := range h {
		if len(out) >= maxHeaderNames || total >= maxHeaderTotal {
			cut = true
			break
		}
		// The common case, a header kept whole, shares the request's own
		// slice (values are strings, and the request is not reused).
		if !redacted[k] && fitsWhole(vs, total+len(k)*len(vs)) {
			for _, v := range vs {
				total += len(k) + len(v)
			}
			out[k] = vs
			continue
		}
		kept := make([]string, 0, len(vs))
		for _, v := range vs {
			switch {
			case redacted[k]:
				// Keep the scheme of Authorization: "Basic" vs "Bearer"
				// says what kind of client it was.
				scheme := ""
				if k != "Cookie" {
					if sp, _, ok := strings.Cut(v, " "); ok && len(sp) <= 16 {
						scheme = sp + " "
					}
				}
				v = scheme + "[redacted]"
			case len(v) > maxHeaderValue:
				v, cut = truncate(v, maxHeaderValue), true
			}
			if total+len(k)+len(v) > maxHeaderTotal {
				cut = true
				break
			}
			total += len(k) + len(v)
			kept = append(kept, v)
		}
		if len(kept) > 0 {
			out[k] = kept
		}
	}
	return out, cut
}

// fitsWhole reports whether values vs are non-empty, none longer than
// maxHeaderValue, and together with total within maxHeaderTotal.
func fitsWhole(vs []string, total int) bool {
	if len(vs) == 0 {
		return false
	}
	for _, v := range vs {
		if len(v) > maxHeaderValue {
			return false
		}
		total += len(v)
	}
	return total <= maxHeaderTotal
}

// truncate cuts s to at most n bytes without splitting a UTF-8 sequence.
func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && s[n]&0xC0 == 0x80 {
		n--
	}
	return s[:n]
}

// prefetch reports whether the request says it comes from software rather
// than a person: HEAD, or a browser's or mail client's prefetch/preview
// header.
func prefetch(r *http.Request) bool {
	if r.Method == http.MethodHead {
		return true
	}
	h := r.Header
	for _, k := range [...]string{"Purpose", "Sec-Purpose", "X-Moz"} {
		if v := h.Get(k); v != "" && containsFold(v, "prefetch") {
			return true
		}
	}
	if v := h.Get("X-Purpose"); v != "" && (containsFold(v, "preview") || containsFold(v, "prefetch")) {
		return true
	}
	return false
}

func containsFold(s, sub string) bool {
	return strings.Contains(strings.ToLower(s), sub)
}
