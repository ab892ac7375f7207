package credtrap

import (
	"bufio"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"errors"
	"math/big"
	"net"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapclient"
	"github.com/emersion/go-sasl"

	"github.com/mailtrip/mailtrip/tripwire"
)

// The decoy credential the fake registry knows.
const (
	decoyUser = "svc-backup01"
	decoyPass = "Winter-Harbor-2025!"
)

// recorder is a fake registry: it knows one decoy credential and keeps
// every hit.
type recorder struct {
	mu   sync.Mutex
	hits []tripwire.Hit
	fail bool
}

func (r *recorder) Record(_ context.Context, h tripwire.Hit) (tripwire.Result, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.fail {
		return tripwire.Result{}, errors.New("store is down")
	}
	r.hits = append(r.hits, h)
	res := tripwire.Result{HitID: int64(len(r.hits))}
	if h.User == decoyUser && h.Password == decoyPass {
		res.Credential, res.Decoy = true, "decoy-1"
	}
	return res, nil
}

func (r *recorder) all() []tripwire.Hit {
	r.mu.Lock()
	defer r.mu.Unlock()
	return slices.Clone(r.hits)
}

func startIMAP(t testing.TB, cfg IMAPConfig, rec tripwire.Recorder) (*IMAPServer, string) {
	t.Helper()
	if cfg.FailDelay == 0 {
		cfg.FailDelay = 20 * time.Millisecond
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s := NewIMAP(cfg, rec, nil)
	done := make(chan error, 1)
	go func() { done <- s.Serve(context.Background(), ln) }()
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if err := s.Shutdown(ctx); err != nil {
			t.Errorf("Shutdown: %v", err)
		}
		if err := <-done; err != nil {
			t.Errorf("Serve: %v", err)
		}
	})
	return s, ln.Addr().String()
}

func dial(t testing.TB, addr string) *imapclient.Client {
	t.Helper()
	c, err := imapclient.DialInsecure(addr, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

func TestIMAPDecoyLogin(t *testing.T) {
	rec := &recorder{}
	s, addr := startIMAP(t, IMAPConfig{}, rec)
	c := dial(t, addr)
	if err := c.Login(decoyUser, decoyPass).Wait(); err != nil {
		t.Fatalf("Login with the decoy credential: %v", err)
	}
	boxes, err := c.List("", "*", nil).Collect()
	if err != nil {
		t.Fatalf("LIST: %v", err)
	}
	var names []string
	for _, b := range boxes {
		names = append(names, b.Mailbox)
	}
	if !slices.Equal(names, []string{"INBOX", "Sent", "Archive"}) {
		t.Errorf("LIST = %v", names)
	}
	sel, err := c.Select("INBOX", nil).Wait()
	if err != nil || sel.NumMessages != 0 {
		t.Fatalf("SELECT: %+v, %v", sel, err)
	}
	st, err := c.Status("Sent", &imap.StatusOptions{NumMessages: true, UIDNext: true, NumUnseen: true}).Wait()
	if err != nil || *st.NumMessages != 0 {
		t.Fatalf("STATUS: %+v, %v", st, err)
	}
	msgs, err := c.Fetch(imap.SeqSetNum(1), &imap.FetchOptions{Envelope: true}).Collect()
	if err != nil || len(msgs) != 0 {
		t.Fatalf("FETCH: %d messages, %v", len(msgs), err)
	}
	if _, err := c.Select("Nope", nil).Wait(); err == nil {
		t.Error("SELECT of a missing mailbox succeeded")
	}
	if err := c.Logout().Wait(); err != nil {
		t.Fatalf("LOGOUT: %v", err)
	}
	hits := rec.all()
	if len(hits) < 3 {
		t.Fatalf("%d hits, want the login and follow-ups", len(hits))
	}
	h := hits[0]
	if h.Trap != tripwire.TrapCred || h.User != decoyUser || h.Password != decoyPass || h.Source.Addr().String() != "127.0.0.1" ||
		h.Detail["protocol"] != "imap" || h.Detail["mechanism"] != "login" || h.Detail["tls"] != false {
		t.Errorf("login hit = %+v", h)
	}
	if f := hits[1]; f.Detail["command"] != "SELECT" || f.Detail["mailbox"] != "INBOX" || f.User != decoyUser || f.Detail["login_hit"] != int64(1) {
		t.Errorf("follow-up hit = %+v", f)
	}
	if st := s.Stats(); st.Attempts != 1 || st.Accepted != 1 || st.Failed != 0 || st.FollowUps < 2 {
		t.Errorf("stats = %+v", st)
	}
}

func TestIMAPWrongCredential(t *testing.T) {
	rec := &recorder{}
	s, addr := startIMAP(t, IMAPConfig{FailDelay: 150 * time.Millisecond}, rec)
	c := dial(t, addr)
	began := time.Now()
	err := c.Login(decoyUser, "wrong").Wait()
	var ie *imap.Error
	if !errors.As(err, &ie) || ie.Code != imap.ResponseCodeAuthenticationFailed {
		t.Fatalf("Login with a wrong password: %v, want NO [AUTHENTICATIONFAILED]", err)
	}
	if d := time.Since(began); d < 150*time.Millisecond {
		t.Errorf("failure answered after %v, before the fail delay", d)
	}
	hits := rec.all()
	if len(hits) != 1 || hits[0].User != decoyUser || hits[0].Password != "wrong" {
		t.Fatalf("hits = %+v: a failed attempt is recorded too", hits)
	}
	if st := s.Stats(); st.Attempts != 1 || st.Failed != 1 || st.Accepted != 0 {
		t.Errorf("stats = %+v", st)
	}
	if _, err := c.List("", "*", nil).Collect(); err == nil {
		t.Error("LIST allowed without a login")
	}
}

func TestIMAPAuthenticatePlain(t *testing.T) {
	rec := &recorder{}
	_, addr := startIMAP(t, IMAPConfig{}, rec)
	c := dial(t, addr)
	if !c.Caps().Has(imap.AuthCap("PLAIN")) {
		t.Fatalf("caps %v lack AUTH=PLAIN", c.Caps())
	}
	if err := c.Authenticate(sasl.NewPlainClient("", decoyUser, "nope")); err == nil {
		t.Fatal("AUTHENTICATE PLAIN with a wrong password succeeded")
	}
	if err := c.Authenticate(sasl.NewPlainClient("", decoyUser, decoyPass)); err != nil {
		t.Fatalf("AUTHENTICATE PLAIN: %v", err)
	}
	if _, err := c.List("", "%", nil).Collect(); err != nil {
		t.Fatalf("LIST: %v", err)
	}
	hits := rec.all()
	if len(hits) != 2 || hits[0].Detail["mechanism"] != "plain" || hits[1].Password != decoyPass {
		t.Fatalf("hits = %+v", hits)
	}
}

func TestIMAPTooManyFailures(t *testing.T) {
	rec := &recorder{}
	_, addr := startIMAP(t, IMAPConfig{MaxAttempts: 2}, rec)
	c := dial(t, addr)
	c.Login("a", "b").Wait()
	c.Login("a", "c").Wait()
	select {
	case <-c.Closed():
	case <-time.After(5 * time.Second):
		t.Fatal("connection still open after MaxAttempts failures")
	}
}

func TestIMAPRecordFailure(t *testing.T) {
	rec := &recorder{fail: true}
	s, addr := startIMAP(t, IMAPConfig{}, rec)
	c := dial(t, addr)
	err := c.Login(decoyUser, decoyPass).Wait()
	var ie *imap.Error
	if !errors.As(err, &ie) || ie.Code != imap.ResponseCodeUnavailable {
		t.Fatalf("Login with a failing recorder: %v, want NO [UNAVAILABLE]", err)
	}
	if st := s.Stats(); st.Errors != 1 {
		t.Errorf("stats = %+v", st)
	}
}

func TestIMAPLimiter(t *testing.T) {
	rec := &recorder{}
	s, addr := startIMAP(t, IMAPConfig{Limiter: tripwire.NewLimiter(0.001, 2)}, rec)
	c := dial(t, addr) // takes a token
	c.Login("a", "b").Wait()
	c.Login("a", "c").Wait() // takes the last one
	c.Login("a", "d").Wait() // refused: answered as a failure, not recorded
	if n := len(rec.all()); n != 2 {
		t.Fatalf("%d hits, want 2", n)
	}
	nc, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	nc.SetReadDeadline(time.Now().Add(5 * time.Second))
	line, _ := bufio.NewReader(nc).ReadString('\n')
	if !strings.HasPrefix(line, "* BYE") {
		t.Fatalf("greeting = %q, want BYE", line)
	}
	if st := s.Stats(); st.Refused != 2 {
		t.Errorf("stats = %+v", st)
	}
}

func TestIMAPSessionTimeout(t *testing.T) {
	_, addr := startIMAP(t, IMAPConfig{SessionTimeout: 300 * time.Millisecond}, &recorder{})
	c := dial(t, addr)
	if err := c.Login(decoyUser, decoyPass).Wait(); err != nil {
		t.Fatal(err)
	}
	for range 100 {
		if err := c.Noop().Wait(); err != nil {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	select {
	case <-c.Closed():
	case <-time.After(5 * time.Second):
		t.Fatal("busy session outlived its time limit")
	}
}

func TestIMAPStartTLS(t *testing.T) {
	rec := &recorder{}
	cert, pool := selfSigned(t)
	_, addr := startIMAP(t, IMAPConfig{TLSConfig: &tls.Config{Certificates: []tls.Certificate{cert}}}, rec)
	c, err := imapclient.DialStartTLS(addr, &imapclient.Options{TLSConfig: &tls.Config{ServerName: "imap.example", RootCAs: pool}})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if err := c.Login(decoyUser, decoyPass).Wait(); err != nil {
		t.Fatal(err)
	}
	if h := rec.all(); len(h) != 1 || h[0].Detail["tls"] != true {
		t.Fatalf("hits = %+v, want one over TLS", h)
	}
}

func TestIMAPImplicitTLS(t *testing.T) {
	rec := &recorder{}
	cert, pool := selfSigned(t)
	_, addr := startIMAP(t, IMAPConfig{ImplicitTLS: true, TLSConfig: &tls.Config{Certificates: []tls.Certificate{cert}}}, rec)
	c, err := imapclient.DialTLS(addr, &imapclient.Options{TLSConfig: &tls.Config{ServerName: "imap.example", RootCAs: pool}})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if err := c.Login(decoyUser, "wrong").Wait(); err == nil {
		t.Fatal("wrong password accepted")
	}
	if h := rec.all(); len(h) != 1 || h[0].Detail["tls"] != true {
		t.Fatalf("hits = %+v, want one over TLS", h)
	}
}

func TestIMAPShutdown(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s := NewIMAP(IMAPConfig{}, &recorder{}, nil)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- s.Serve(ctx, ln) }()
	c := dial(t, ln.Addr().String())
	if err := c.Login(decoyUser, decoyPass).Wait(); err != nil {
		t.Fatal(err)
	}
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Serve did not return")
	}
	select {
	case <-c.Closed():
	case <-time.After(5 * time.Second):
		t.Fatal("idle client not disconnected")
	}
	if err := s.Serve(context.Background(), ln); err != nil {
		t.Fatalf("Serve after shutdown: %v", err)
	}
}

func selfSigned(t testing.TB) (tls.Certificate, *x509.CertPool) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1),
		Subject:      pkix.Name{CommonName: "imap.example"},
		DNSNames:     []string{"imap.example"},
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().Add(time.Hour),
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	leaf, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	pool.AddCert(leaf)
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key, Leaf: leaf}, pool
}
