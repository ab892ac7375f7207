package sink_test

import (
	"bufio"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/big"
	"net"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/mailtrip/mailtrip/alert"
	"github.com/mailtrip/mailtrip/sink"
)

// syslogMsg is an RFC 5424 message as the test receiver parsed it.
type syslogMsg struct {
	pri                                   int
	version                               string
	timestamp                             time.Time
	hostname, app, procid, msgid, sd, msg string
}

// parse5424 parses SYSLOG-MSG (RFC 5424 section 6) for messages without
// structured data:
//
//	<PRI>VERSION SP TIMESTAMP SP HOSTNAME SP APP-NAME SP PROCID SP MSGID SP "-" [SP MSG]
func parse5424(b []byte) (syslogMsg, error) {
	var m syslogMsg
	s := string(b)
	if !strings.HasPrefix(s, "<") {
		return m, errors.New("no PRI")
	}
	end := strings.IndexByte(s, '>')
	if end < 2 || end > 4 {
		return m, errors.New("bad PRI")
	}
	pri, err := strconv.Atoi(s[1:end])
	if err != nil || pri > 191 {
		return m, fmt.Errorf("bad PRI %q", s[1:end])
	}
	m.pri = pri
	f := strings.SplitN(s[end+1:], " ", 8)
	if len(f) < 7 {
		return m, fmt.Errorf("%d header fields", len(f))
	}
	m.version, m.hostname, m.app, m.procid, m.msgid, m.sd = f[0], f[2], f[3], f[4], f[5], f[6]
	if m.timestamp, err = time.Parse(time.RFC3339Nano, f[1]); err != nil {
		return m, err
	}
	if len(f) == 8 {
		m.msg = f[7]
	}
	for _, h := range []string{m.hostname, m.app, m.procid, m.msgid} {
		if h == "" {
			return m, errors.New("empty header field")
		}
		for _, c := range []byte(h) {
			if c < 33 || c > 126 {
				return m, fmt.Errorf("header field %q is not PRINTUSASCII", h)
			}
		}
	}
	return m, nil
}

// syslogReceiver listens on 127.0.0.1 (udp, tcp or tls) and parses what
// arrives; stream connections are read with RFC 6587 octet counting.
type syslogReceiver struct {
	t     testing.TB
	mu    sync.Mutex
	msgs  []syslogMsg
	conns []net.Conn
	addr  string
	ln    net.Listener
	pc    net.PacketConn
	got   chan struct{}
}

func newSyslogReceiver(t testing.TB, network, addr string, tlsConf *tls.Config) *syslogReceiver {
	t.Helper()
	if addr == "" {
		addr = "127.0.0.1:0"
	}
	r := &syslogReceiver{t: t, got: make(chan struct{}, 10000)}
	var err error
	switch network {
	case "udp":
		r.pc, err = net.ListenPacket("udp", addr)
		if err != nil {
			t.Fatal(err)
		}
		r.addr = r.pc.LocalAddr().String()
		go r.readPackets()
	default:
		r.ln, err = net.Listen("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		if network == "tls" {
			r.ln = tls.NewListener(r.ln, tlsConf)
		}
		r.addr = r.ln.Addr().String()
		go r.accept()
	}
	t.Cleanup(r.close)
	return r
}

func (r *syslogReceiver) close() {
	if r.pc != nil {
		r.pc.Close()
	}
	if r.ln != nil {
		r.ln.Close()
	}
	r.mu.Lock()
	for _, c := range r.conns {
		c.Close()
	}
	r.mu.Unlock()
}

func (r *syslogReceiver) add(b []byte) {
	m, err := parse5424(b)
	if err != nil {
		r.t.Errorf("receiver: %v in %q", err, b)
		return
	}
	r.mu.Lock()
	r.msgs = append(r.msgs, m)
	r.mu.Unlock()
	r.got <- struct{}{}
}

func (r *syslogReceiver) readPackets() {
	buf := make([]byte, 65536)
	for {
		n, _, err := r.pc.ReadFrom(buf)
		if err != nil {
			return
		}
		r.add(append([]byte(nil), buf[:n]...))
	}
}

func (r *syslogReceiver) accept() {
	for {
		c, err := r.ln.Accept()
		if err != nil {
			return
		}
		r.mu.Lock()
		r.conns = append(r.conns, c)
		r.mu.Unlock()
		go r.readFrames(c)
	}
}

// readFrames reads RFC 6587 3.4.1 frames: MSG-LEN SP SYSLOG-MSG.
func (r *syslogReceiver) readFrames(c net.Conn) {
	br := bufio.NewReader(c)
	for {
		l, err := br.ReadString(' ')
		if err != nil {
			return
		}
		n, err := strconv.Atoi(strings.TrimSuffix(l, " "))
		if err != nil || n <= 0 || n > 1<<20 {
			r.t.Errorf("receiver: bad frame length %q", l)
			return
		}
		b := make([]byte, n)
		if _, err := io.ReadFull(br, b); err != nil {
			r.t.Errorf("receiver: short frame: %v", err)
			return
		}
		r.add(b)
	}
}

func (r *syslogReceiver) wait(n int) []syslogMsg {
	r.t.Helper()
	deadline := time.After(30 * time.Second)
	for {
		r.mu.Lock()
		if len(r.msgs) >= n {
			out := append([]syslogMsg(nil), r.msgs...)
			r.mu.Unlock()
			return out
		}
		r.mu.Unlock()
		select {
		case <-r.got:
		case <-deadline:
			r.t.Fatalf("%d of %d syslog messages arrived", len(r.msgs), n)
		}
	}
}

// selfSigned returns a server config with a certificate for 127.0.0.1
// and a client config trusting it.
func selfSigned(t testing.TB) (server, client *tls.Config) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1),
		Subject:      pkix.Name{CommonName: "syslog.test"},
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().Add(time.Hour),
		IPAddresses:  []net.IP{net.IPv4(127, 0, 0, 1)},
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	cert, _ := x509.ParseCertificate(der)
	pool := x509.NewCertPool()
	pool.AddCert(cert)
	return &tls.Config{Certificates: []tls.Certificate{{Certificate: [][]byte{der}, PrivateKey: key}}},
		&tls.Config{RootCAs: pool}
}

func TestSyslogTransports(t *testing.T) {
	serverTLS, clientTLS := selfSigned(t)
	for _, network := range []string{"udp", "tcp", "tls"} {
		for _, format := range []string{sink.SyslogJSON, sink.SyslogCEF} {
			t.Run(network+"/"+format, func(t *testing.T) {
				r := newSyslogReceiver(t, network, "", serverTLS)
				s, err := sink.NewSyslog(sink.SyslogConfig{Name: "siem", Network: network, Address: r.addr, TLS: clientTLS,
					Format: format, Hostname: "mail trip\x01host", Version: "1.2"})
				if err != nil {
					t.Fatal(err)
				}
				defer s.Close()
				alerts := []alert.Alert{testAlert(1), testAlert(2), testAlert(3)}
				alerts[2].Rule.Level = alert.Critical
				if err := s.Deliver(context.Background(), alerts); err != nil {
					t.Fatal(err)
				}
				msgs := r.wait(3)
				for i, m := range msgs {
					wantPri := 4*8 + 3 // auth, error (high)
					if i == 2 {
						wantPri = 4*8 + 2 // critical
					}
					if m.pri != wantPri || m.version != "1" || m.hostname != "mailtriphost" || m.app != "mailtrip" ||
						m.msgid != "alert" || m.sd != "-" || !m.timestamp.Equal(alerts[i].DetectedAt) {
						t.Errorf("message %d header %+v", i, m)
					}
					switch format {
					case sink.SyslogJSON:
						var a alert.Alert
						if err := json.Unmarshal([]byte(m.msg), &a); err != nil || a.ID != alerts[i].ID {
							t.Errorf("message %d body %q: %v", i, m.msg, err)
						}
					case sink.SyslogCEF:
						if !strings.HasPrefix(m.msg, "CEF:0|mailtrip|mailtrip|1.2|mailtrip-decoy-touched|Decoy link followed|") ||
							!strings.Contains(m.msg, "externalId="+alerts[i].ID) {
							t.Errorf("message %d CEF %q", i, m.msg)
						}
					}
				}
			})
		}
	}
}

// TestSyslogReconnect: a TCP receiver that restarts gets what is sent
// after it came back, on a new connection; while it is down, Deliver
// fails temporarily.
func TestSyslogReconnect(t *testing.T) {
	r := newSyslogReceiver(t, "tcp", "", nil)
	addr := r.addr
	s, err := sink.NewSyslog(sink.SyslogConfig{Name: "siem", Address: addr, Hostname: "h", Timeout: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	ctx := context.Background()
	if err := s.Deliver(ctx, []alert.Alert{testAlert(1)}); err != nil {
		t.Fatal(err)
	}
	r.wait(1)
	r.close() // the receiver goes away, closing our connection

	time.Sleep(50 * time.Millisecond)
	err = s.Deliver(ctx, []alert.Alert{testAlert(2)})
	if err == nil || sink.IsPermanent(err) {
		t.Fatalf("Deliver while down = %v, want a temporary error", err)
	}
	r2 := newSyslogReceiver(t, "tcp", addr, nil)
	if err := s.Deliver(ctx, []alert.Alert{testAlert(2), testAlert(3)}); err != nil {
		t.Fatal(err)
	}
	if msgs := r2.wait(2); len(msgs) != 2 {
		t.Errorf("after restart %d messages", len(msgs))
	}
}

// TestSyslogUDPLimit: an alert too big for a datagram loses evidence,
// members and reasons first, then is cut.
func TestSyslogUDPLimit(t *testing.T) {
	r := newSyslogReceiver(t, "udp", "", nil)
	s, err := sink.NewSyslog(sink.SyslogConfig{Name: "siem", Network: "udp", Address: r.addr, Hostname: "h", MaxMessage: 1200})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	a := testAlert(1)
	a.Evidence = map[string]any{"blob": strings.Repeat("e", 5000)}
	huge := testAlert(2)
	huge.Summary = strings.Repeat("s", 5000)
	if err := s.Deliver(context.Background(), []alert.Alert{a, huge}); err != nil {
		t.Fatal(err)
	}
	msgs := r.wait(2)
	var got alert.Alert
	if err := json.Unmarshal([]byte(msgs[0].msg), &got); err != nil || got.ID != a.ID || got.Evidence != nil {
		t.Errorf("trimmed alert %q: %v", msgs[0].msg, err)
	}
	for _, m := range msgs {
		if l := len(m.msg); l > 1200 {
			t.Errorf("message of %d bytes", l)
		}
	}
}

func TestCEF(t *testing.T) {
	a := testAlert(1)
	a.Rule.ID = `rule|with\pipe`
	a.Rule.Title = "line\nbreak|title"
	a.Summary = "a=b c\\d|e\r\nf"
	a.Actor.IP = "not-an-ip"
	a.DetectedAt = time.UnixMilli(1700000000123)
	got := sink.CEF(&a, "mailtrip", "mailtrip", "1.0")
	wantPrefix := `CEF:0|mailtrip|mailtrip|1.0|rule\|with\\pipe|line break\|title|8|`
	if !strings.HasPrefix(got, wantPrefix) {
		t.Fatalf("CEF header:\n got %s\nwant %s", got, wantPrefix)
	}
	for _, want := range []string{
		"rt=1700000000123 ",
		`msg=a\=b c\\d|e\nf `,
		"externalId=" + a.ID + " ",
		"suser=mallory ",
		"cs1Label=mailbox cs1=ceo@example.com ",
		"cs5Label=decoyId cs5=" + a.Decoy.ID + " ",
		"cs6Label=trigger cs6=http",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("CEF lacks %q:\n%s", want, got)
		}
	}
	if strings.Contains(got, "src=") {
		t.Errorf("src= with a value that is not an address: %s", got)
	}
	for _, l := range []struct {
		level alert.Level
		sev   string
	}{{alert.Informational, "|1|"}, {alert.Low, "|3|"}, {alert.Medium, "|5|"}, {alert.Critical, "|10|"}} {
		b := testAlert(2)
		b.Rule.Level = l.level
		if c := sink.CEF(&b, "v", "p", "1"); !strings.Contains(c, "Decoy link followed"+l.sev) {
			t.Errorf("level %s: %s", l.level, c)
		}
	}
}

func TestSyslogConfigErrors(t *testing.T) {
	for _, c := range []sink.SyslogConfig{
		{Address: "127.0.0.1:514"},
		{Name: "s", Network: "sctp", Address: "127.0.0.1:514"},
		{Name: "s", Address: "no-port"},
		{Name: "s", Address: "127.0.0.1:514", Format: "leef"},
		{Name: "s", Address: "127.0.0.1:514", Facility: "local9"},
	} {
		if _, err := sink.NewSyslog(c); err == nil {
			t.Errorf("NewSyslog(%+v) accepted", c)
		}
	}
}
