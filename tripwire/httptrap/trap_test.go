package httptrap

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"math/rand/v2"
	"net"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/mailtrip/mailtrip/token"
	"github.com/mailtrip/mailtrip/tripwire"
)

// recorder is a Recorder that keeps what it is given.
type recorder struct {
	mu     sync.Mutex
	hits   []tripwire.Hit
	err    error
	result tripwire.Result
}

func (r *recorder) Record(ctx context.Context, h tripwire.Hit) (tripwire.Result, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.err != nil {
		return tripwire.Result{}, r.err
	}
	r.hits = append(r.hits, h)
	return r.result, nil
}

func (r *recorder) all() []tripwire.Hit {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]tripwire.Hit(nil), r.hits...)
}

func (r *recorder) last(t *testing.T) tripwire.Hit {
	t.Helper()
	h := r.all()
	if len(h) == 0 {
		t.Fatal("no hit recorded")
	}
	return h[len(h)-1]
}

var _ tripwire.Recorder = (*recorder)(nil)

// testSub returns a valid sub-id derived for n.
func testSub(t testing.TB, n int) token.SubID {
	t.Helper()
	var id token.ID
	id[0] = byte(n)
	return token.Derive([]byte("test secret for httptrap tests!!"), id, token.KindURL, n)
}

// start serves s on a real listener on 127.0.0.1:0 and returns its base
// URL; the server is shut down when the test ends.
func start(t *testing.T, s *Server) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- s.Serve(ctx, ln) }()
	t.Cleanup(func() {
		cancel()
		select {
		case err := <-done:
			if err != nil {
				t.Errorf("Serve returned %v", err)
			}
		case <-time.After(10 * time.Second):
			t.Error("Serve did not return after cancel")
		}
	})
	scheme := "http"
	if s.tlsEnabled() {
		scheme = "https"
	}
	return scheme + "://" + ln.Addr().String()
}

func get(t *testing.T, c *http.Client, method, u string, hdr map[string]string) (*http.Response, string) {
	t.Helper()
	req, err := http.NewRequest(method, u, nil)
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range hdr {
		if k == "Host" {
			req.Host = v
			continue
		}
		req.Header.Set(k, v)
	}
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp, string(b)
}

func hasSub(subs []token.SubID, s token.SubID) bool {
	for _, x := range subs {
		if x == s {
			return true
		}
	}
	return false
}

// TestURLShapes fetches every URL shape token.URL produces (links and
// images) over a real listener and checks the hit and the answer.
func TestURLShapes(t *testing.T) {
	rec := &recorder{}
	s := New(Config{}, rec, slog.New(slog.DiscardHandler))
	base := start(t, s)
	bu, _ := url.Parse(base)
	shapes := map[string]bool{}
	for seed := range 300 {
		for _, kind := range []token.Kind{token.KindURL, token.KindImage} {
			sub := testSub(t, seed)
			u := token.URL(bu, sub, kind, rand.New(rand.NewPCG(uint64(seed), 7)))
			pu, _ := url.Parse(u)
			shape := strings.SplitN(strings.TrimPrefix(pu.Path, "/"), "/", 2)[0] + "?" + strings.SplitN(pu.RawQuery, "=", 2)[0]
			if pu.Path == "/img/"+pathBase(pu.Path) {
				shape = "img-query"
			}
			if shapes[string(kind)+shape] {
				continue
			}
			shapes[string(kind)+shape] = true
			t.Run(string(kind)+"/"+shape, func(t *testing.T) {
				resp, body := get(t, http.DefaultClient, "GET", u, nil)
				h := rec.last(t)
				if !hasSub(h.Subs, sub) {
					t.Fatalf("%s: subs %v lack %s", u, h.Subs, sub)
				}
				if h.Trap != tripwire.TrapHTTP || !h.Source.Addr().IsLoopback() || h.Source.Port() == 0 {
					t.Errorf("hit trap %q source %v", h.Trap, h.Source)
				}
				// A request without a query has no "query" key.
				if q, _ := h.Detail["query"].(string); h.Detail["method"] != "GET" || h.Detail["path"] != pu.Path || q != pu.RawQuery {
					t.Errorf("detail %v", h.Detail)
				}
				if h.Prefetch {
					t.Error("plain GET judged a prefetch")
				}
				ct := resp.Header.Get("Content-Type")
				if kind == token.KindImage {
					want := map[string]string{".png": "image/png", ".gif": "image/gif", ".jpg": "image/jpeg"}[strings.ToLower(pathExt(pu.Path))]
					if resp.StatusCode != 200 || ct != want {
						t.Errorf("image %s: %d %q, want 200 %q", u, resp.StatusCode, ct, want)
					}
				} else if resp.StatusCode != 200 || !strings.HasPrefix(ct, "text/html") {
					t.Errorf("link %s: %d %q", u, resp.StatusCode, ct)
				}
				// The portal's sign-in link carries the document's path back
				// (as a real portal's would); nothing else may echo it.
				if i := strings.Index(body, `href="/login?next=`); i >= 0 {
					j := strings.IndexByte(body[i+6:], '"')
					body = body[:i] + body[i+7+j:]
				}
				for _, bad := range []string{string(sub), "mailtrip", "token", "canary", "decoy"} {
					if strings.Contains(strings.ToLower(body), bad) {
						t.Errorf("answer to %s mentions %q", u, bad)
					}
				}
			})
		}
	}
	if len(shapes) != 11 {
		t.Errorf("covered %d URL shapes, want 11: %v", len(shapes), shapes)
	}
}

func pathBase(p string) string { return p[strings.LastIndexByte(p, '/')+1:] }
func pathExt(p string) string {
	b := pathBase(p)
	if i := strings.LastIndexByte(b, '.'); i >= 0 {
		return b[i:]
	}
	return ""
}

func TestHostToken(t *testing.T) {
	rec := &recorder{}
	s := New(Config{}, rec, nil)
	base := start(t, s)
	sub := testSub(t, 1)
	for _, host := range []string{"vpn-" + string(sub) + ".canary.test", strings.ToUpper(string(sub)) + ".files.canary.test:8080"} {
		resp, _ := get(t, http.DefaultClient, "GET", base+"/", map[string]string{"Host": host})
		h := rec.last(t)
		if !hasSub(h.Subs, sub) || h.Detail["host"] != host {
			t.Errorf("host %s: subs %v detail host %v", host, h.Subs, h.Detail["host"])
		}
		if resp.StatusCode != 200 {
			t.Errorf("host %s: status %d", host, resp.StatusCode)
		}
	}
}

func TestNoise(t *testing.T) {
	rec := &recorder{}
	s := New(Config{}, rec, nil)
	base := start(t, s)
	for _, p := range []string{"/", "/wp-admin/setup.php", "/s/notatoken/x.pdf", "/favicon.ico"} {
		get(t, http.DefaultClient, "GET", base+p, nil)
	}
	resp, _ := get(t, http.DefaultClient, "GET", base+"/robots.txt", nil)
	if resp.StatusCode != 404 {
		t.Errorf("/robots.txt: %d, want 404", resp.StatusCode)
	}
	if n := len(rec.all()); n != 0 {
		t.Errorf("recorded %d hits for requests without a candidate", n)
	}
	if st := s.Stats(); st.Noise != 5 || st.Hits != 0 || st.Requests != 5 {
		t.Errorf("stats %+v", st)
	}
}

// TestSource covers the trusted-proxy logic on the handler.
func TestSource(t *testing.T) {
	sub := testSub(t, 2)
	loop := []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8"), netip.MustParsePrefix("10.0.0.0/8")}
	tests := []struct {
		name    string
		trusted []netip.Prefix
		remote  string
		hdr     map[string]string
		want    string
	}{
		{"no proxy", nil, "198.51.100.4:5555", nil, "198.51.100.4:5555"},
		{"xff from untrusted ignored", nil, "198.51.100.4:5555", map[string]string{"X-Forwarded-For": "203.0.113.7"}, "198.51.100.4:5555"},
		{"xff from trusted", loop, "127.0.0.1:40000", map[string]string{"X-Forwarded-For": "203.0.113.7"}, "203.0.113.7:0"},
		{"xff chain through trusted hops", loop, "127.0.0.1:40000", map[string]string{"X-Forwarded-For": "192.0.2.1, 203.0.113.7, 10.1.2.3"}, "203.0.113.7:0"},
		{"xff spoofed left part ignored", loop, "127.0.0.1:40000", map[string]string{"X-Forwarded-For": "10.9.9.9, 203.0.113.7"}, "203.0.113.7:0"},
		{"xff garbage ends walk", loop, "127.0.0.1:40000", map[string]string{"X-Forwarded-For": "203.0.113.7, garbage"}, "127.0.0.1:40000"},
		{"xff all trusted", loop, "127.0.0.1:40000", map[string]string{"X-Forwarded-For": "10.0.0.5"}, "10.0.0.5:0"},
		{"forwarded v6 with port", loop, "127.0.0.1:40000", map[string]string{"Forwarded": `for="[2001:db8:cafe::17]:4711";proto=https, for=10.0.0.2`}, "[2001:db8:cafe::17]:4711"},
		{"forwarded wins over xff", loop, "127.0.0.1:40000", map[string]string{"Forwarded": "for=192.0.2.60;by=10.0.0.1", "X-Forwarded-For": "203.0.113.7"}, "192.0.2.60:0"},
		{"forwarded unknown", loop, "127.0.0.1:40000", map[string]string{"Forwarded": "for=unknown"}, "127.0.0.1:40000"},
		{"v4-mapped peer", nil, "[::ffff:198.51.100.4]:80", nil, "198.51.100.4:80"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec := &recorder{}
			s := New(Config{TrustedProxies: tt.trusted}, rec, nil)
			r := httptest.NewRequest("GET", "/s/"+string(sub)+"/a.pdf", nil)
			r.RemoteAddr = tt.remote
			for k, v := range tt.hdr {
				r.Header.Set(k, v)
			}
			s.Handler().ServeHTTP(httptest.NewRecorder(), r)
			h := rec.last(t)
			if h.Source.String() != tt.want {
				t.Errorf("source %v, want %s", h.Source, tt.want)
			}
			peer, _ := h.Detail["peer"].(string)
			if (h.Source.String() != tt.remote) != (peer != "") && !strings.Contains(tt.remote, "ffff") {
				t.Errorf("peer %q for source %v remote %s", peer, h.Source, tt.remote)
			}
		})
	}
}

func TestPrefetch(t *testing.T) {
	rec := &recorder{}
	s := New(Config{}, rec, nil)
	base := start(t, s)
	sub := testSub(t, 3)
	u := base + "/img/" + string(sub) + "/logo.png"
	tests := []struct {
		method string
		hdr    map[string]string
		want   bool
	}{
		{"GET", nil, false},
		{"HEAD", nil, true},
		{"GET", map[string]string{"Purpose": "prefetch"}, true},
		{"GET", map[string]string{"Sec-Purpose": "prefetch;prerender"}, true},
		{"GET", map[string]string{"X-Moz": "prefetch"}, true},
		{"GET", map[string]string{"X-Purpose": "preview"}, true},
		{"GET", map[string]string{"X-Purpose": "instant"}, false},
	}
	for _, tt := range tests {
		resp, body := get(t, http.DefaultClient, tt.method, u, tt.hdr)
		h := rec.last(t)
		if h.Prefetch != tt.want {
			t.Errorf("%s %v: Prefetch %v, want %v", tt.method, tt.hdr, h.Prefetch, tt.want)
		}
		if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "image/png" {
			t.Errorf("%s: %d %s", tt.method, resp.StatusCode, resp.Header.Get("Content-Type"))
		}
		if tt.method == "HEAD" && body != "" {
			t.Error("HEAD answered with a body")
		}
	}
}

func TestLimiter(t *testing.T) {
	rec := &recorder{}
	lim := tripwire.NewLimiter(0.001, 2)
	s := New(Config{Limiter: lim}, rec, nil)
	base := start(t, s)
	sub := testSub(t, 4)
	var codes []int
	for range 4 {
		resp, _ := get(t, http.DefaultClient, "GET", base+"/s/"+string(sub)+"/a.pdf", nil)
		codes = append(codes, resp.StatusCode)
	}
	if codes[0] != 200 || codes[1] != 200 || codes[2] != 429 || codes[3] != 429 {
		t.Errorf("status codes %v, want 200 200 429 429", codes)
	}
	if st := s.Stats(); st.Refused != 2 || st.Hits != 2 || len(rec.all()) != 2 || lim.Refused() != 2 {
		t.Errorf("stats %+v, recorded %d, limiter refused %d", st, len(rec.all()), lim.Refused())
	}
}

func TestRecordFails(t *testing.T) {
	rec := &recorder{err: errors.New("store down")}
	s := New(Config{}, rec, nil)
	base := start(t, s)
	resp, body := get(t, http.DefaultClient, "GET", base+"/img/"+string(testSub(t, 5))+"/logo.png", nil)
	if resp.StatusCode != 503 || strings.Contains(body, "store") {
		t.Errorf("status %d body %q, want 503 without detail", resp.StatusCode, body)
	}
	if st := s.Stats(); st.Errors != 1 || st.Hits != 0 {
		t.Errorf("stats %+v", st)
	}
}

// TestAnswerIndependentOfResult: a resolving and a non-resolving token get
// byte-identical answers.
func TestAnswerIndependentOfResult(t *testing.T) {
	sub := testSub(t, 6)
	var bodies []string
	for _, res := range []tripwire.Result{{}, {HitID: 9, Decoy: "d1"}} {
		s := New(Config{}, &recorder{result: res}, nil)
		for _, p := range []string{"/s/" + string(sub) + "/Q3-payroll.pdf", "/login?sid=" + string(sub), "/img/" + string(sub) + "/logo.png", "/view?doc=" + string(sub)} {
			w := httptest.NewRecorder()
			s.Handler().ServeHTTP(w, httptest.NewRequest("GET", p, nil))
			bodies = append(bodies, http.StatusText(w.Code)+w.Body.String())
		}
	}
	for i := range 4 {
		if bodies[i] != bodies[i+4] {
			t.Errorf("answer %d differs with the recorder's result", i)
		}
	}
}
