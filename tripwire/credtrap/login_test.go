package credtrap

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/mailtrip/mailtrip/token"
	"github.com/mailtrip/mailtrip/tripwire"
)

func newLogin(cfg LoginConfig, rec tripwire.Recorder) *LoginHandler {
	if cfg.PostDelay == 0 {
		cfg.PostDelay = time.Millisecond
	}
	return NewLoginHandler(cfg, rec, nil)
}

func post(h http.Handler, target string, form url.Values, ctx context.Context) *httptest.ResponseRecorder {
	r := httptest.NewRequest(http.MethodPost, target, strings.NewReader(form.Encode()))
	r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	r.Header.Set("User-Agent", "python-requests/2.31")
	if ctx != nil {
		r = r.WithContext(ctx)
	}
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	return w
}

func TestLoginPage(t *testing.T) {
	h := newLogin(LoginConfig{Title: "Contoso VPN — Sign in", Brand: "Contoso"}, &recorder{})
	w := httptest.NewRecorder()
	h.ServeHTTP(w, httptest.NewRequest(http.MethodGet, "/login?sid=x", nil))
	body := w.Body.String()
	if w.Code != 200 || !strings.Contains(body, "<title>Contoso VPN — Sign in</title>") || !strings.Contains(body, `name="password"`) {
		t.Fatalf("GET: %d\n%s", w.Code, body)
	}
	if strings.Contains(strings.ToLower(body), "mailtrip") || strings.Contains(strings.ToLower(body), "decoy") {
		t.Error("the page gives the trap away")
	}
	if w.Header().Get("Cache-Control") != "no-store" {
		t.Error("page may be cached")
	}
	w = httptest.NewRecorder()
	h.ServeHTTP(w, httptest.NewRequest(http.MethodDelete, "/login", nil))
	if w.Code != http.StatusMethodNotAllowed {
		t.Errorf("DELETE: %d", w.Code)
	}
}

// The answer to a POST is the same whether or not the credential is a
// decoy one; both are recorded.
func TestLoginPost(t *testing.T) {
	for _, answer := range []string{AnswerInvalid, AnswerMFA} {
		t.Run(answer, func(t *testing.T) {
			rec := &recorder{}
			h := newLogin(LoginConfig{Answer: answer}, rec)
			sid := "uhrm25j432hsudnm"
			client := netip.MustParseAddrPort("198.51.100.7:40000")
			ctx := WithClient(context.Background(), client)
			good := post(h, "/login?sid="+sid, url.Values{"username": {decoyUser}, "password": {decoyPass}}, ctx)
			bad := post(h, "/login?sid="+sid, url.Values{"username": {decoyUser}, "password": {"guess"}}, ctx)
			if good.Code != 200 || bad.Code != 200 {
				t.Fatalf("codes %d, %d", good.Code, bad.Code)
			}
			if gb, bb := good.Body.String(), bad.Body.String(); gb != bb {
				t.Errorf("answers differ:\n%s\n---\n%s", gb, bb)
			}
			want := "incorrect"
			if answer == AnswerMFA {
				want = "Approve"
			}
			if !strings.Contains(good.Body.String(), want) {
				t.Errorf("answer lacks %q", want)
			}
			hits := rec.all()
			if len(hits) != 2 {
				t.Fatalf("%d hits", len(hits))
			}
			g := hits[0]
			if g.Trap != tripwire.TrapCred || g.User != decoyUser || g.Password != decoyPass || g.Source != client ||
				g.UserAgent != "python-requests/2.31" || g.Detail["protocol"] != "http" || g.Detail["path"] != "/login" ||
				g.Detail["sid"] != sid || !slices.Equal(g.Subs, []token.SubID{token.SubID(sid)}) {
				t.Errorf("hit = %+v", g)
			}
			if st := h.Stats(); st.Attempts != 2 || st.Accepted != 1 {
				t.Errorf("stats = %+v", st)
			}
		})
	}
}

func TestLoginSource(t *testing.T) {
	rec := &recorder{}
	h := newLogin(LoginConfig{}, rec)
	post(h, "/login", url.Values{"user": {"a"}, "pass": {"b"}}, nil)
	hits := rec.all()
	if len(hits) != 1 || hits[0].Source.Addr().String() != "192.0.2.1" || hits[0].User != "a" || hits[0].Password != "b" {
		t.Fatalf("hits = %+v, want RemoteAddr as source and the alternative fields read", hits)
	}
}

func TestLoginLimits(t *testing.T) {
	rec := &recorder{}
	h := newLogin(LoginConfig{MaxBodyBytes: 100, Limiter: tripwire.NewLimiter(0.001, 2)}, rec)
	if w := post(h, "/login", url.Values{"username": {strings.Repeat("x", 200)}, "password": {"p"}}, nil); w.Code != http.StatusRequestEntityTooLarge {
		t.Errorf("big body: %d", w.Code)
	}
	if w := post(h, "/login", url.Values{}, nil); w.Code != 200 || len(rec.all()) != 0 {
		t.Errorf("empty form: %d, %d hits", w.Code, len(rec.all()))
	}
	if w := post(h, "/login", url.Values{"username": {"a"}, "password": {"b"}}, nil); w.Code != http.StatusTooManyRequests {
		t.Errorf("third POST: %d, want 429", w.Code)
	}
	if st := h.Stats(); st.Refused != 1 || st.Attempts != 0 {
		t.Errorf("stats = %+v", st)
	}
}

func TestLoginRecordFailure(t *testing.T) {
	h := newLogin(LoginConfig{}, &recorder{fail: true})
	w := post(h, "/login", url.Values{"username": {"a"}, "password": {"b"}}, nil)
	if w.Code != http.StatusServiceUnavailable {
		t.Fatalf("code %d, want 503", w.Code)
	}
	if h.Stats().Errors != 1 {
		t.Error("error not counted")
	}
}

// The handler behind a real server, as httptrap mounts it.
func TestLoginOverHTTP(t *testing.T) {
	rec := &recorder{}
	srv := httptest.NewServer(newLogin(LoginConfig{Title: "Fabrikam Portal"}, rec))
	defer srv.Close()
	resp, err := http.PostForm(srv.URL+"/login?sid=abcdefghijklmnop", url.Values{"username": {decoyUser}, "password": {decoyPass}})
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || !strings.Contains(string(body), "Fabrikam Portal") {
		t.Fatalf("%d %s", resp.StatusCode, body)
	}
	if h := rec.all(); len(h) != 1 || h[0].Source.Addr().String() != "127.0.0.1" {
		t.Fatalf("hits = %+v", h)
	}
}
