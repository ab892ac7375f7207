package httptrap

import (
	"bufio"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"io"
	"math/big"
	"net"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/mailtrip/mailtrip/tripwire"
)

// selfSigned writes a fresh self-signed certificate for *.canary.test and
// 127.0.0.1 to dir and returns the file names and a pool trusting it.
func selfSigned(t *testing.T, dir string) (certFile, keyFile string, pool *x509.CertPool) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(1),
		Subject:               pkix.Name{CommonName: "files.canary.test"},
		NotBefore:             time.Now().Add(-time.Hour),
		NotAfter:              time.Now().Add(time.Hour),
		KeyUsage:              x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		BasicConstraintsValid: true,
		IsCA:                  true,
		DNSNames:              []string{"*.canary.test", "*.files.canary.test"},
		IPAddresses:           []net.IP{net.IPv4(127, 0, 0, 1)},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	kder, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	certFile, keyFile = filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem")
	if err := os.WriteFile(certFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(keyFile, pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: kder}), 0o600); err != nil {
		t.Fatal(err)
	}
	cert, _ := x509.ParseCertificate(der)
	pool = x509.NewCertPool()
	pool.AddCert(cert)
	return certFile, keyFile, pool
}

func TestTLS(t *testing.T) {
	certFile, keyFile, pool := selfSigned(t, t.TempDir())
	rec := &recorder{}
	s := New(Config{CertFile: certFile, KeyFile: keyFile}, rec, nil)
	base := start(t, s)
	sub := testSub(t, 7)
	sni := string(sub) + ".files.canary.test"
	c := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool, ServerName: sni}}}
	// The path carries no token: the SNI (and Host) does.
	resp, _ := get(t, c, "GET", base+"/static/header.png", map[string]string{"Host": sni})
	if resp.StatusCode != 200 || resp.TLS == nil {
		t.Fatalf("status %d tls %v", resp.StatusCode, resp.TLS)
	}
	h := rec.last(t)
	if h.Detail["tls_server_name"] != sni || !hasSub(h.Subs, sub) {
		t.Errorf("tls_server_name %v subs %v, want %s", h.Detail["tls_server_name"], h.Subs, sni)
	}
	// An SNI token with an innocent Host is still found.
	sub2 := testSub(t, 8)
	c2 := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool, ServerName: "dl-" + string(sub2) + ".canary.test"}}}
	get(t, c2, "GET", base+"/", nil)
	if h := rec.last(t); !hasSub(h.Subs, sub2) {
		t.Errorf("SNI-borne token not found: %v", h.Subs)
	}
}

func TestTLSBadCert(t *testing.T) {
	s := New(Config{CertFile: "/nonexistent/cert.pem", KeyFile: "/nonexistent/key.pem"}, &recorder{}, nil)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Serve(context.Background(), ln); err == nil || !strings.Contains(err.Error(), "certificate") {
		t.Errorf("Serve with missing cert: %v", err)
	}
}

// TestSlowloris: a client that never finishes its headers is cut off after
// ReadHeaderTimeout.
func TestSlowloris(t *testing.T) {
	s := New(Config{ReadHeaderTimeout: 200 * time.Millisecond}, &recorder{}, nil)
	base := start(t, s)
	conn, err := net.Dial("tcp", strings.TrimPrefix(base, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if _, err := io.WriteString(conn, "GET /s/aaaaaaaaaaaaaaaa/x.pdf HTTP/1.1\r\nHost: x\r\nX-A: "); err != nil {
		t.Fatal(err)
	}
	began := time.Now()
	conn.SetReadDeadline(time.Now().Add(5 * time.Second))
	for {
		if _, err := io.WriteString(conn, "a"); err != nil {
			break // cut off
		}
		if _, err := conn.Read(make([]byte, 1024)); err != nil {
			var ne net.Error
			if ok := asNetErr(err, &ne); ok && ne.Timeout() {
				t.Fatal("connection still open after 5 s")
			}
			break
		}
	}
	if d := time.Since(began); d > 3*time.Second {
		t.Errorf("cut off after %v, want about 200ms", d)
	}
	if s.Stats().Requests != 0 {
		t.Error("a request that never finished its headers reached the handler")
	}
}

func asNetErr(err error, ne *net.Error) bool {
	e, ok := err.(net.Error)
	if ok {
		*ne = e
	}
	return ok
}

// TestHeaderLimit: headers past MaxHeaderBytes are refused (431).
func TestHeaderLimit(t *testing.T) {
	rec := &recorder{}
	s := New(Config{MaxHeaderBytes: 1024}, rec, nil)
	base := start(t, s)
	resp, _ := get(t, http.DefaultClient, "GET", base+"/s/"+string(testSub(t, 9))+"/a.pdf", map[string]string{"X-Big": strings.Repeat("a", 8192)})
	if resp.StatusCode != http.StatusRequestHeaderFieldsTooLarge {
		t.Errorf("status %d, want 431", resp.StatusCode)
	}
	if len(rec.all()) != 0 {
		t.Error("oversized request recorded")
	}
}

func TestOwnLoginForm(t *testing.T) {
	rec := &recorder{}
	s := New(Config{}, rec, nil)
	base := start(t, s)
	sub := testSub(t, 10)
	resp, body := get(t, http.DefaultClient, "GET", base+"/login?sid="+string(sub), nil)
	if resp.StatusCode != 200 || !strings.Contains(body, `type="password"`) {
		t.Fatalf("login page: %d", resp.StatusCode)
	}
	form := url.Values{"username": {"svc-backup"}, "password": {"Winter2025!"}, "csrf": {"x"}}
	resp, err := http.PostForm(base+"/login?sid="+string(sub), form)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || !strings.Contains(string(b), "incorrect") {
		t.Errorf("login POST: %d %q", resp.StatusCode, b)
	}
	h := rec.last(t)
	if h.User != "svc-backup" || h.Password != "Winter2025!" || !hasSub(h.Subs, sub) || h.Detail["login"] != true {
		t.Errorf("hit user %q password %q subs %v detail %v", h.User, h.Password, h.Subs, h.Detail)
	}
	for k, v := range h.Detail {
		if strings.Contains(strings.ToLower(stringOf(v)), "winter2025") {
			t.Errorf("password leaked into Detail[%s]", k)
		}
	}
	// A credential without any token is still a hit: decoy credentials
	// need not carry one.
	resp, err = http.PostForm(base+"/signin", url.Values{"email": {"admin@corp.example"}, "passwd": {"x"}})
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if h := rec.last(t); h.User != "admin@corp.example" || h.Password != "x" || len(h.Subs) != 0 {
		t.Errorf("token-less login: %+v", h)
	}
	// The password-reset page.
	resp, body = get(t, http.DefaultClient, "GET", base+"/account/reset?code="+string(sub)+"&utm_source=email", nil)
	if resp.StatusCode != 200 || !strings.Contains(body, "Reset your password") {
		t.Errorf("reset page: %d", resp.StatusCode)
	}
}

func stringOf(v any) string {
	switch v := v.(type) {
	case string:
		return v
	case []string:
		return strings.Join(v, " ")
	case map[string][]string:
		var b strings.Builder
		for k, vs := range v {
			b.WriteString(k + ":" + strings.Join(vs, ",") + " ")
		}
		return b.String()
	}
	return ""
}

func TestDelegatedLogin(t *testing.T) {
	rec := &recorder{}
	var got netip.AddrPort
	var called int
	login := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		called++
		got, _ = ClientFrom(r.Context())
		io.WriteString(w, "credtrap page")
	})
	s := New(Config{Login: login, TrustedProxies: []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8")}}, rec, nil)
	sub := testSub(t, 11)
	r := httptest.NewRequest("GET", "/login?sid="+string(sub), nil)
	r.RemoteAddr = "127.0.0.1:1234"
	r.Header.Set("X-Forwarded-For", "203.0.113.50")
	w := httptest.NewRecorder()
	s.Handler().ServeHTTP(w, r)
	if called != 1 || w.Body.String() != "credtrap page" || got.String() != "203.0.113.50:0" {
		t.Errorf("login handler called %d, body %q, client %v", called, w.Body, got)
	}
	if h := rec.last(t); !hasSub(h.Subs, sub) {
		t.Errorf("URL hit not recorded before delegating: %v", h.Subs)
	}
	// The POST is the login handler's: the trap does not read the body.
	r = httptest.NewRequest("POST", "/signin", strings.NewReader("username=a&password=b"))
	r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	s.Handler().ServeHTTP(httptest.NewRecorder(), r)
	if called != 2 || len(rec.all()) != 1 {
		t.Errorf("POST: login handler called %d, hits %d", called, len(rec.all()))
	}
}

func TestHeadersRedacted(t *testing.T) {
	rec := &recorder{}
	s := New(Config{}, rec, nil)
	r := httptest.NewRequest("GET", "/img/"+string(testSub(t, 12))+"/logo.png", nil)
	r.Header.Set("Cookie", "session=topsecret")
	r.Header.Set("Authorization", "Bearer topsecret")
	r.Header.Set("Referer", "https://mail.example.com/owa/")
	r.Header.Set("X-Long", strings.Repeat("é", 1000))
	for i := range 100 {
		r.Header.Set("X-Many-"+string(rune('a'+i%26))+string(rune('a'+i/26)), "v")
	}
	s.Handler().ServeHTTP(httptest.NewRecorder(), r)
	h := rec.last(t)
	hdr := h.Detail["headers"].(map[string][]string)
	if strings.Contains(stringOf(hdr), "topsecret") {
		t.Errorf("secret in headers: %v", hdr["Cookie"])
	}
	if a := hdr["Authorization"]; len(a) > 0 && a[0] != "Bearer [redacted]" {
		t.Errorf("Authorization kept as %q", a)
	}
	if len(hdr) > maxHeaderNames || h.Detail["headers_truncated"] != true {
		t.Errorf("%d header names kept, truncated=%v", len(hdr), h.Detail["headers_truncated"])
	}
	if h.Detail["referer"] != "https://mail.example.com/owa/" {
		t.Errorf("referer %v", h.Detail["referer"])
	}
}

func TestShutdown(t *testing.T) {
	release := make(chan struct{})
	recorded := make(chan struct{}, 1)
	rec := tripwire.RecorderFunc(func(ctx context.Context, h tripwire.Hit) (tripwire.Result, error) {
		recorded <- struct{}{}
		<-release
		return tripwire.Result{}, nil
	})
	s := New(Config{}, rec, nil)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	served := make(chan error, 1)
	go func() { served <- s.Serve(context.Background(), ln) }()
	got := make(chan int, 1)
	go func() {
		resp, err := http.Get("http://" + ln.Addr().String() + "/s/" + string(testSub(t, 13)) + "/a.pdf")
		if err != nil {
			got <- -1
			return
		}
		resp.Body.Close()
		got <- resp.StatusCode
	}()
	<-recorded
	shut := make(chan error, 1)
	go func() { shut <- s.Shutdown(context.Background()) }()
	time.Sleep(50 * time.Millisecond)
	if _, err := net.DialTimeout("tcp", ln.Addr().String(), time.Second); err == nil {
		t.Error("still accepting after Shutdown")
	}
	close(release) // the request in flight completes
	if code := <-got; code != 200 {
		t.Errorf("in-flight request got %d", code)
	}
	if err := <-shut; err != nil {
		t.Errorf("Shutdown: %v", err)
	}
	if err := <-served; err != nil {
		t.Errorf("Serve: %v", err)
	}
}

// TestKeepAlive: several hits on one connection.
func TestKeepAlive(t *testing.T) {
	rec := &recorder{}
	s := New(Config{}, rec, nil)
	base := start(t, s)
	conn, err := net.Dial("tcp", strings.TrimPrefix(base, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	br := bufio.NewReader(conn)
	for i := range 3 {
		io.WriteString(conn, "GET /img/"+string(testSub(t, 20+i))+"/spacer.gif HTTP/1.1\r\nHost: x\r\n\r\n")
		resp, err := http.ReadResponse(br, nil)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		if resp.StatusCode != 200 || string(b) != string(pixelGIF) {
			t.Errorf("%d: status %d, %d bytes", i, resp.StatusCode, len(b))
		}
	}
	if len(rec.all()) != 3 {
		t.Errorf("%d hits, want 3", len(rec.all()))
	}
}
