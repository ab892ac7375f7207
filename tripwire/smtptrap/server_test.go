package smtptrap

import (
	"bufio"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"errors"
	"fmt"
	"math/big"
	mathrand "math/rand/v2"
	"net"
	"net/netip"
	netsmtp "net/smtp"
	"net/textproto"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-smtp"

	"github.com/mailtrip/mailtrip/token"
	"github.com/mailtrip/mailtrip/tripwire"
)

const canary = "canary.test"

// recorder keeps the hits it is given; fail makes Record fail, block
// makes it wait.
type recorder struct {
	mu    sync.Mutex
	hits  []tripwire.Hit
	fail  bool
	block chan struct{}
}

func (r *recorder) Record(ctx context.Context, h tripwire.Hit) (tripwire.Result, error) {
	if r.block != nil {
		select {
		case <-r.block:
		case <-ctx.Done():
			return tripwire.Result{}, ctx.Err()
		}
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.fail {
		return tripwire.Result{}, errors.New("store is down")
	}
	r.hits = append(r.hits, h)
	return tripwire.Result{HitID: int64(len(r.hits))}, nil
}

func (r *recorder) all() []tripwire.Hit {
	r.mu.Lock()
	defer r.mu.Unlock()
	return slices.Clone(r.hits)
}

// start serves a trap on 127.0.0.1:0 and stops it when the test ends.
func start(t testing.TB, cfg Config, rec tripwire.Recorder) (*Server, string) {
	t.Helper()
	if cfg.Domains == nil {
		cfg.Domains = []string{canary}
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s := New(cfg, rec, nil)
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

func sub(t testing.TB, n int) token.SubID {
	t.Helper()
	id, err := token.NewFrom(strings.NewReader(strings.Repeat("k", 16)))
	if err != nil {
		t.Fatal(err)
	}
	return token.Derive([]byte(strings.Repeat("s", token.SecretLen)), id, token.KindEmail, n)
}

func address(t testing.TB, s token.SubID) string {
	t.Helper()
	a, err := token.Address(s, canary, mathrand.New(mathrand.NewPCG(1, 2)))
	if err != nil {
		t.Fatal(err)
	}
	return a
}

func crlf(s string) string { return strings.ReplaceAll(s, "\n", "\r\n") }

func TestCanaryRecipient(t *testing.T) {
	rec := &recorder{}
	s, addr := start(t, Config{}, rec)
	sb := sub(t, 1)
	to := address(t, sb)
	msg := crlf("From: Eve <eve@attacker.example>\nTo: " + to + "\nSubject: =?utf-8?q?R=C3=A9sum=C3=A9?=\n" +
		"Received: from a by b; Mon, 1 Jan 2024 00:00:00 +0000\nReceived: from c by a; Mon, 1 Jan 2024 00:00:00 +0000\n" +
		"Message-ID: <x@attacker.example>\n\nhello\n")
	if err := netsmtp.SendMail(addr, nil, "eve@attacker.example", []string{to}, []byte(msg)); err != nil {
		t.Fatalf("SendMail: %v", err)
	}
	hits := rec.all()
	if len(hits) != 1 {
		t.Fatalf("got %d hits, want 1", len(hits))
	}
	h := hits[0]
	if h.Trap != tripwire.TrapSMTP || !slices.Contains(h.Subs, sb) || h.Subs[0] != sb {
		t.Errorf("hit = %+v, want trap smtp with sub %s first", h, sb)
	}
	if h.Source.Addr() != netip.MustParseAddr("127.0.0.1") {
		t.Errorf("source = %v", h.Source)
	}
	d := h.Detail
	if d["mail_from"] != "eve@attacker.example" || !slices.Equal(d["rcpt_to"].([]string), []string{to}) || d["tls"] != false || d["helo"] != "localhost" {
		t.Errorf("detail = %v", d)
	}
	hd := d["headers"].(map[string]any)
	if hd["Subject"] != "Résumé" || hd["From"] != "Eve <eve@attacker.example>" || len(hd["Received"].([]string)) != 2 {
		t.Errorf("headers = %v", hd)
	}
	if got := s.Stats(); got.Messages != 1 || got.Connections != 1 {
		t.Errorf("stats = %+v", got)
	}
}

func TestRecipients(t *testing.T) {
	rec := &recorder{}
	s, addr := start(t, Config{MaxRecipients: 3}, rec)
	c, err := netsmtp.Dial(addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if err := c.Mail("a@example.org"); err != nil {
		t.Fatal(err)
	}
	err = c.Rcpt("someone@example.org")
	if code(err) != 550 {
		t.Fatalf("RCPT to another domain: %v, want 550", err)
	}
	// Any local part at a canary domain, in any case, is accepted.
	for _, to := range []string{"nobody@" + canary, "x@CANARY.test", "postmaster@canary.test"} {
		if err := c.Rcpt(to); err != nil {
			t.Fatalf("RCPT %s: %v", to, err)
		}
	}
	err = c.Rcpt("fourth@" + canary)
	if code(err) != 452 {
		t.Fatalf("RCPT past the limit: %v, want 452", err)
	}
	if st := s.Stats(); st.Relay != 1 {
		t.Errorf("stats = %+v", st)
	}
}

func TestSizeLimit(t *testing.T) {
	rec := &recorder{}
	s, addr := start(t, Config{MaxMessageBytes: 1024}, rec)
	sb := sub(t, 2)
	big := crlf("Subject: big\n\n" + strings.Repeat(strings.Repeat("x", 99)+"\n", 20))
	err := netsmtp.SendMail(addr, nil, "a@example.org", []string{address(t, sb)}, []byte(big))
	if code(err) != 552 {
		t.Fatalf("oversize message: %v, want 552", err)
	}
	hits := rec.all()
	if len(hits) != 1 || hits[0].Detail["cut_off"] != "oversize" || !slices.Contains(hits[0].Subs, sb) {
		t.Fatalf("hits = %+v, want one cut off with the envelope's sub", hits)
	}
	// Without a candidate an over-size message is not recorded.
	err = netsmtp.SendMail(addr, nil, "a@example.org", []string{"plain@" + canary}, []byte(big))
	if err == nil {
		t.Fatal("oversize message accepted")
	}
	if n := len(rec.all()); n != 1 {
		t.Fatalf("%d hits, want still 1", n)
	}
	// The connection goes on after a 552.
	if err := netsmtp.SendMail(addr, nil, "a@example.org", []string{"plain@" + canary}, []byte("Subject: s\r\n\r\nok\r\n")); err != nil {
		t.Fatal(err)
	}
	if st := s.Stats(); st.Oversize != 2 || st.Partial != 1 || st.Messages != 1 {
		t.Errorf("stats = %+v", st)
	}
}

// A decoy forwarded to a canary address that itself carries no token: the
// decoy's Message-ID, a quoted-printable link and a base64 body give it
// away.
func TestForwardedDecoy(t *testing.T) {
	rec := &recorder{}
	_, addr := start(t, Config{}, rec)
	msgSub, linkSub, b64Sub := sub(t, 3), sub(t, 4), sub(t, 5)
	mid, err := token.MessageID(msgSub, "corp.example", mathrand.New(mathrand.NewPCG(3, 4)))
	if err != nil {
		t.Fatal(err)
	}
	link := "https://files.corp.example/s/" + string(linkSub) + "/Q3-payroll.pdf"
	// A quoted-printable encoder cut the link inside the token.
	qp := link[:40] + "=\n" + link[40:]
	b64 := base64Lines("Please pay to the account in the vendor portal: https://x.example/view?doc=" + string(b64Sub) + "&ref=mail\n")
	msg := crlf(`From: Mallory <m@attacker.example>
To: drop@` + canary + `
Subject: Fwd: Wire instructions
Message-ID: <fwd1@attacker.example>
References: ` + mid + `
MIME-Version: 1.0
Content-Type: multipart/mixed; boundary="b"

--b
Content-Type: text/plain; charset=utf-8
Content-Transfer-Encoding: quoted-printable

---------- Forwarded message ---------
Message-ID: ` + mid + `
See ` + qp + `
--b
Content-Type: text/plain; charset=utf-8
Content-Transfer-Encoding: base64

` + b64 + `--b--
`)
	if err := netsmtp.SendMail(addr, nil, "m@attacker.example", []string{"drop@" + canary}, []byte(msg)); err != nil {
		t.Fatal(err)
	}
	hits := rec.all()
	if len(hits) != 1 {
		t.Fatalf("%d hits", len(hits))
	}
	for _, want := range []token.SubID{msgSub, linkSub, b64Sub} {
		if !slices.Contains(hits[0].Subs, want) {
			t.Errorf("subs %v lack %s", hits[0].Subs, want)
		}
	}
	if got := hits[0].Detail["headers"].(map[string]any)["References"]; got != mid {
		t.Errorf("References = %v, want %s", got, mid)
	}
}

// base64Lines encodes s as a MIME body does: lines of 76 characters.
func base64Lines(s string) string {
	enc := make([]byte, 0, len(s)*2)
	e := []byte(s)
	const per = 57
	for len(e) > 0 {
		n := min(per, len(e))
		buf := make([]byte, (n+2)/3*4)
		base64.StdEncoding.Encode(buf, e[:n])
		enc = append(enc, buf...)
		enc = append(enc, '\n')
		e = e[n:]
	}
	return string(enc)
}

// code is the reply code in a client's error, 0 for none.
func code(err error) int {
	var te *textproto.Error
	var se *smtp.SMTPError
	switch {
	case errors.As(err, &te):
		return te.Code
	case errors.As(err, &se):
		return se.Code
	}
	return 0
}

func TestRecordFailure(t *testing.T) {
	rec := &recorder{fail: true}
	s, addr := start(t, Config{}, rec)
	err := netsmtp.SendMail(addr, nil, "a@example.org", []string{"x@" + canary}, []byte("Subject: s\r\n\r\nbody\r\n"))
	if code(err) != 451 {
		t.Fatalf("SendMail with a failing recorder: %v, want 451", err)
	}
	if st := s.Stats(); st.Errors != 1 || st.Messages != 0 {
		t.Errorf("stats = %+v", st)
	}
}

func TestLimiter(t *testing.T) {
	rec := &recorder{}
	s, addr := start(t, Config{Limiter: tripwire.NewLimiter(0.001, 2)}, rec)
	c, err := smtp.Dial(addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	// First message: admitted with the connection; second: asks again and
	// takes the last token; third: refused.
	for i, want := range []int{0, 0, 450} {
		err := c.SendMail("a@example.org", []string{"x@" + canary}, strings.NewReader("Subject: s\r\n\r\nhi\r\n"))
		switch {
		case want == 0 && err != nil:
			t.Fatalf("message %d: %v", i, err)
		case want != 0 && code(err) != want:
			t.Fatalf("message %d: %v, want %d", i, err, want)
		}
	}
	// A new connection from the same source is turned away at once.
	nc, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	nc.SetReadDeadline(time.Now().Add(5 * time.Second))
	line, _ := bufio.NewReader(nc).ReadString('\n')
	if !strings.HasPrefix(line, "421 ") {
		t.Fatalf("greeting = %q, want 421", line)
	}
	if st := s.Stats(); st.Refused != 2 || st.Messages != 2 {
		t.Errorf("stats = %+v", st)
	}
}

func TestStartTLS(t *testing.T) {
	rec := &recorder{}
	cert, pool := selfSigned(t)
	_, addr := start(t, Config{TLSConfig: &tls.Config{Certificates: []tls.Certificate{cert}}}, rec)
	// net/smtp sees STARTTLS offered; go-smtp's client takes it.
	nc, err := netsmtp.Dial(addr)
	if err != nil {
		t.Fatal(err)
	}
	if err := nc.Hello("client.example"); err != nil {
		t.Fatal(err)
	}
	if ok, _ := nc.Extension("STARTTLS"); !ok {
		t.Fatal("STARTTLS not offered")
	}
	nc.Close()
	c, err := smtp.DialStartTLS(addr, &tls.Config{ServerName: "mx." + canary, RootCAs: pool})
	if err != nil {
		t.Fatalf("STARTTLS: %v", err)
	}
	defer c.Close()
	sb := sub(t, 6)
	if err := c.SendMail("a@example.org", []string{address(t, sb)}, strings.NewReader("Subject: s\r\n\r\nhi\r\n")); err != nil {
		t.Fatal(err)
	}
	c.Quit()
	hits := rec.all()
	if len(hits) != 1 || hits[0].Detail["tls"] != true || !slices.Contains(hits[0].Subs, sb) {
		t.Fatalf("hits = %+v, want one over TLS", hits)
	}
}

func TestSessionTimeout(t *testing.T) {
	_, addr := start(t, Config{SessionTimeout: 300 * time.Millisecond}, &recorder{})
	nc, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	br := bufio.NewReader(nc)
	br.ReadString('\n') // greeting
	// Busy but never finishing: NOOPs keep resetting go-smtp's own read
	// timeout, not the session's.
	start := time.Now()
	for time.Since(start) < 5*time.Second {
		if _, err := fmt.Fprintf(nc, "NOOP\r\n"); err != nil {
			break
		}
		nc.SetReadDeadline(time.Now().Add(5 * time.Second))
		line, err := br.ReadString('\n')
		if err != nil || strings.HasPrefix(line, "421") {
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	if d := time.Since(start); d > 3*time.Second {
		t.Fatalf("session lasted %v, want about 300ms", d)
	}
}

// Shutdown waits for a message whose hit is being recorded, then the
// client gets its 250.
func TestShutdownDrains(t *testing.T) {
	rec := &recorder{block: make(chan struct{})}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s := New(Config{Domains: []string{canary}}, rec, nil)
	served := make(chan error, 1)
	go func() { served <- s.Serve(context.Background(), ln) }()
	idle, err := net.Dial("tcp", ln.Addr().String()) // an idle client is cut
	if err != nil {
		t.Fatal(err)
	}
	defer idle.Close()
	sent := make(chan error, 1)
	go func() {
		// The message in flight must be accepted (250 after DATA); the
		// server may close the connection right after, so QUIT's answer is
		// not awaited.
		c, err := netsmtp.Dial(ln.Addr().String())
		if err != nil {
			sent <- err
			return
		}
		defer c.Close()
		if err := c.Mail("a@example.org"); err != nil {
			sent <- err
			return
		}
		if err := c.Rcpt("x@" + canary); err != nil {
			sent <- err
			return
		}
		w, err := c.Data()
		if err != nil {
			sent <- err
			return
		}
		if _, err := w.Write([]byte("Subject: s\r\n\r\nhi\r\n")); err != nil {
			sent <- err
			return
		}
		sent <- w.Close() // the server's 250 for the message
	}()
	for deadline := time.Now().Add(5 * time.Second); ; {
		s.mu.Lock()
		busy := 0
		for c := range s.conns {
			if c.busy.Load() {
				busy++
			}
		}
		s.mu.Unlock()
		if busy == 1 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("message never began")
		}
		time.Sleep(5 * time.Millisecond)
	}
	shut := make(chan error, 1)
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		shut <- s.Shutdown(ctx)
	}()
	time.Sleep(100 * time.Millisecond)
	close(rec.block)
	if err := <-sent; err != nil {
		t.Fatalf("client in flight: %v", err)
	}
	if err := <-shut; err != nil {
		t.Fatalf("Shutdown: %v", err)
	}
	if err := <-served; err != nil {
		t.Fatalf("Serve: %v", err)
	}
	if n := len(rec.all()); n != 1 {
		t.Fatalf("%d hits", n)
	}
	// A Serve after Shutdown returns at once.
	ln2, _ := net.Listen("tcp", "127.0.0.1:0")
	if err := s.Serve(context.Background(), ln2); err != nil {
		t.Fatal(err)
	}
}

func TestServeStopsWithContext(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s := New(Config{Domains: []string{canary}}, &recorder{}, nil)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- s.Serve(ctx, ln) }()
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Serve did not return")
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
		Subject:      pkix.Name{CommonName: "mx." + canary},
		DNSNames:     []string{"mx." + canary},
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
