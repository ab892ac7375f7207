package httptrap

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/mailtrip/mailtrip/token"
	"github.com/mailtrip/mailtrip/tripwire"
)

// FuzzCandidates: whatever the host, server name and request target, the
// extraction never panics, returns at most MaxSubs distinct valid sub-ids,
// and finds every candidate token.Find sees in the raw text (up to the cap).
func FuzzCandidates(f *testing.F) {
	f.Add("files.example.com", "", "/s/abcdefghijklmnop/Q3-payroll.pdf")
	f.Add("127.0.0.1:8025", "", "/login?sid=abcdefghijklmnop")
	f.Add("vpn-ABCDEFGHIJKLMNOP.canary.localhost", "vpn-abcdefghijklmnop.canary.localhost", "/")
	f.Add("x", "", "/view?doc=%61bcdefghijklmnop&ref=mail")
	f.Add("x", "", "/r?u=https%3A%2F%2Fx%2Fs%2Fabcdefghijklmnop%2Fa.pdf")
	f.Add("x", "", "http://h/img/abcdefghijklmnop/logo.png?x=%zz")
	f.Add("", "", "*")
	f.Fuzz(func(t *testing.T, host, sni, uri string) {
		got := Candidates(host, sni, uri)
		if len(got) > MaxSubs {
			t.Fatalf("%d candidates, cap %d", len(got), MaxSubs)
		}
		seen := map[token.SubID]bool{}
		for _, c := range got {
			if _, err := token.ParseSubID(string(c)); err != nil {
				t.Fatalf("invalid candidate %q: %v", c, err)
			}
			if seen[c] {
				t.Fatalf("duplicate candidate %q", c)
			}
			seen[c] = true
		}
		if len(got) < MaxSubs {
			for _, s := range []string{host, sni, uri} {
				for _, c := range token.Find(s) {
					if !seen[c] {
						t.Fatalf("Find(%q) has %q, Candidates lacks it", s, c)
					}
				}
			}
		}
	})
}

// FuzzHandler: no request the server's parser accepts panics the handler.
func FuzzHandler(f *testing.F) {
	f.Add("GET", "/s/abcdefghijklmnop/a.pdf", "", "")
	f.Add("POST", "/login?sid=abcdefghijklmnop", "username=a&password=b&sid=bbbbbbbbbbbbbbbb", "127.0.0.1")
	f.Add("HEAD", "/img/x.png", "", "for=\"[::1]:99\", for=unknown")
	f.Fuzz(func(t *testing.T, method, target, body, fwd string) {
		if method == "" || strings.ContainsAny(method, " \r\n\t()<>@,;:\\\"/[]?={}") || !strings.HasPrefix(target, "/") ||
			strings.ContainsAny(target, " \r\n\t\x00") {
			return
		}
		r, err := http.NewRequest(method, "http://x"+target, strings.NewReader(body))
		if err != nil {
			return
		}
		r.RequestURI = target
		r.RemoteAddr = "127.0.0.1:1"
		r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		r.Header.Set("Forwarded", fwd)
		r.Header.Set("X-Forwarded-For", fwd)
		s := New(Config{TrustedProxies: loopbackOnly}, tripwire.RecorderFunc(noop), nil)
		s.Handler().ServeHTTP(httptest.NewRecorder(), r)
	})
}
