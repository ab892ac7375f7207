package sink

import (
	"bytes"
	"context"
	"crypto/tls"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"os"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/mailtrip/mailtrip/alert"
)

// Syslog transports and bodies.
const (
	SyslogUDP = "udp" // RFC 5426: one message per datagram
	SyslogTCP = "tcp" // RFC 6587 octet counting: "LEN SP MSG"
	SyslogTLS = "tls" // RFC 5425: octet counting inside TLS

	SyslogJSON = "json" // the alert JSON (docs/alerts.md) as MSG
	SyslogCEF  = "cef"  // an ArcSight CEF:0 record as MSG
)

// SyslogConfig configures a syslog sink.
type SyslogConfig struct {
	Name    string
	Network string // SyslogUDP, SyslogTCP (default) or SyslogTLS
	Address string // host:port (514 udp/tcp, 6514 tls by convention)
	// TLS configures SyslogTLS (nil: system roots, server name from
	// Address). RFC 5425 wants the server certificate verified.
	TLS *tls.Config
	// Format of the message body: SyslogJSON (default) or SyslogCEF.
	Format string
	// Facility name (RFC 5424 table 1: kern, user, mail, daemon, auth,
	// syslog, ..., authpriv, ..., local0–local7); default auth
	// ("security/authorization messages").
	Facility string
	// Hostname and AppName fill the header (default: os.Hostname and
	// "mailtrip").
	Hostname string
	AppName  string
	// Version is the device version in CEF records.
	Version string
	// Timeout bounds dialing and writing one batch (default 10 s).
	Timeout time.Duration
	// MaxMessage caps a UDP datagram (default 8192 bytes, what rsyslog
	// accepts by default). A larger alert is sent without its evidence,
	// members and reasons, then cut.
	MaxMessage int
}

var facilities = map[string]int{
	"kern": 0, "user": 1, "mail": 2, "daemon": 3, "auth": 4, "syslog": 5, "lpr": 6, "news": 7,
	"uucp": 8, "cron": 9, "authpriv": 10, "ftp": 11, "ntp": 12, "audit": 13, "alert": 14, "clock": 15,
	"local0": 16, "local1": 17, "local2": 18, "local3": 19, "local4": 20, "local5": 21, "local6": 22, "local7": 23,
}

// syslogSeverity maps a Sigma level onto RFC 5424 severities.
func syslogSeverity(l alert.Level) int {
	switch l {
	case alert.Critical:
		return 2 // critical
	case alert.High:
		return 3 // error
	case alert.Medium:
		return 4 // warning
	case alert.Low:
		return 5 // notice
	}
	return 6 // informational
}

// Syslog sends each alert as one RFC 5424 message over a connection it
// keeps open and re-dials after a failure. A message counts as delivered
// when it was written: syslog has no acknowledgement (RFC 5424 6.5, RFC
// 5426 and 6587 are one-way). Over TCP and TLS a connection the receiver
// closed is noticed before the next batch and re-dialed, so a receiver
// restart loses nothing written after it; one that dies while a batch is in
// flight can lose that batch. Over UDP a receiver that is down loses what
// is sent (unless the host answers ICMP port unreachable, which surfaces as
// an error on the next write).
type Syslog struct {
	cfg      SyslogConfig
	pri      int
	hostname string
	procid   string

	mu   sync.Mutex
	conn net.Conn
	buf  bytes.Buffer
}

var (
	_ Sink    = (*Syslog)(nil)
	_ Batcher = (*Syslog)(nil)
)

// NewSyslog checks cfg and returns the sink; it connects on first use.
func NewSyslog(cfg SyslogConfig) (*Syslog, error) {
	if cfg.Name == "" {
		return nil, errors.New("syslog sink: no name")
	}
	switch cfg.Network {
	case "":
		cfg.Network = SyslogTCP
	case SyslogUDP, SyslogTCP, SyslogTLS:
	default:
		return nil, fmt.Errorf("syslog sink %s: unknown network %q (want udp, tcp or tls)", cfg.Name, cfg.Network)
	}
	if _, _, err := net.SplitHostPort(cfg.Address); err != nil {
		return nil, fmt.Errorf("syslog sink %s: address: %w", cfg.Name, err)
	}
	switch cfg.Format {
	case "":
		cfg.Format = SyslogJSON
	case SyslogJSON, SyslogCEF:
	default:
		return nil, fmt.Errorf("syslog sink %s: unknown format %q (want json or cef)", cfg.Name, cfg.Format)
	}
	if cfg.Facility == "" {
		cfg.Facility = "auth"
	}
	fac, ok := facilities[strings.ToLower(cfg.Facility)]
	if !ok {
		return nil, fmt.Errorf("syslog sink %s: unknown facility %q", cfg.Name, cfg.Facility)
	}
	if cfg.Timeout <= 0 {
		cfg.Timeout = 10 * time.Second
	}
	if cfg.MaxMessage <= 0 {
		cfg.MaxMessage = 8192
	}
	if cfg.AppName == "" {
		cfg.AppName = "mailtrip"
	}
	if cfg.Version == "" {
		cfg.Version = "dev"
	}
	host := cfg.Hostname
	if host == "" {
		host, _ = os.Hostname()
	}
	return &Syslog{
		cfg:      cfg,
		pri:      fac * 8,
		hostname: headerField(host, 255),
		procid:   strconv.Itoa(os.Getpid()),
	}, nil
}

// headerField makes s a valid RFC 5424 header field: printable US-ASCII
// without spaces (33–126), at most n characters, "-" (NILVALUE) when empty.
func headerField(s string, n int) string {
	b := make([]byte, 0, len(s))
	for i := 0; i < len(s) && len(b) < n; i++ {
		if c := s[i]; c >= 33 && c <= 126 {
			b = append(b, c)
		}
	}
	if len(b) == 0 {
		return "-"
	}
	return string(b)
}

// Name implements Sink.
func (s *Syslog) Name() string { return s.cfg.Name }

// MaxBatch implements Batcher.
func (s *Syslog) MaxBatch() int { return 100 }

// Message renders one alert as an RFC 5424 message (without transport
// framing):
//
//	<PRI>1 TIMESTAMP HOSTNAME APP-NAME PROCID MSGID - MSG
//
// TIMESTAMP is when mailtrip detected the alert, in UTC with microseconds;
// MSGID is "alert"; there is no structured data ("-"); MSG is the body in
// the configured format, UTF-8 without a BOM.
func (s *Syslog) Message(a *alert.Alert) ([]byte, error) {
	return s.message(a, false)
}

func (s *Syslog) message(a *alert.Alert, trimmed bool) ([]byte, error) {
	t := a.DetectedAt
	if t.IsZero() {
		t = time.Now()
	}
	var b bytes.Buffer
	fmt.Fprintf(&b, "<%d>1 %s %s %s %s alert - ", s.pri+syslogSeverity(a.Rule.Level),
		t.UTC().Format("2006-01-02T15:04:05.000000Z"), s.hostname, headerField(s.cfg.AppName, 48), s.procid)
	if s.cfg.Format == SyslogCEF {
		b.WriteString(CEF(a, "mailtrip", "mailtrip", s.cfg.Version))
		return b.Bytes(), nil
	}
	c := *a
	if trimmed {
		c.Evidence, c.Members, c.Reasons = nil, nil, nil
	}
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(&c); err != nil {
		return nil, err
	}
	b.Truncate(b.Len() - 1) // the encoder's newline
	return b.Bytes(), nil
}

// Deliver implements Sink.
func (s *Syslog) Deliver(ctx context.Context, alerts []alert.Alert) error {
	errs := make([]error, len(alerts))
	msgs := make([][]byte, len(alerts))
	for i := range alerts {
		m, err := s.message(&alerts[i], false)
		if err == nil && s.cfg.Network == SyslogUDP && len(m) > s.cfg.MaxMessage {
			m, err = s.message(&alerts[i], true)
			if len(m) > s.cfg.MaxMessage {
				m = m[:s.cfg.MaxMessage]
			}
		}
		if err != nil {
			errs[i] = Permanent(fmt.Errorf("encode alert %s: %w", alerts[i].ID, err))
		}
		msgs[i] = m
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.send(ctx, msgs, errs); err != nil {
		for i := range errs {
			if errs[i] == nil {
				errs[i] = err
			}
		}
	}
	for _, err := range errs {
		if err != nil {
			return &BatchError{Errs: errs}
		}
	}
	return nil
}

// send writes the messages not already failed in errs; an error it
// returns applies to all of them.
func (s *Syslog) send(ctx context.Context, msgs [][]byte, errs []error) error {
	deadline := time.Now().Add(s.cfg.Timeout)
	if d, ok := ctx.Deadline(); ok && d.Before(deadline) {
		deadline = d
	}
	conn, err := s.connect(ctx, deadline)
	if err != nil {
		return Temporary(err, 0)
	}
	if err := conn.SetWriteDeadline(deadline); err != nil {
		return s.broken(err)
	}
	if s.cfg.Network == SyslogUDP {
		for i, m := range msgs {
			if errs[i] != nil {
				continue
			}
			if _, err := conn.Write(m); err != nil {
				return s.broken(err)
			}
		}
		return nil
	}
	// RFC 6587 3.4.1 octet counting: MSG-LEN SP SYSLOG-MSG, all of the
	// batch in one write.
	s.buf.Reset()
	for i, m := range msgs {
		if errs[i] != nil {
			continue
		}
		s.buf.WriteString(strconv.Itoa(len(m)))
		s.buf.WriteByte(' ')
		s.buf.Write(m)
	}
	if _, err := conn.Write(s.buf.Bytes()); err != nil {
		return s.broken(err)
	}
	return nil
}

// broken drops the connection after a failed write; the next batch dials
// again.
func (s *Syslog) broken(err error) error {
	if s.conn != nil {
		s.conn.Close()
		s.conn = nil
	}
	return Temporary(fmt.Errorf("syslog %s %s: %w", s.cfg.Network, s.cfg.Address, err), 0)
}

// connect returns the open connection, or dials one. A stream connection
// kept from before is checked first: a syslog receiver never sends, so
// anything but a read timeout (EOF, a reset) means it closed its end.
func (s *Syslog) connect(ctx context.Context, deadline time.Time) (net.Conn, error) {
	if s.conn != nil && s.cfg.Network != SyslogUDP {
		if err := s.conn.SetReadDeadline(time.Now().Add(time.Millisecond)); err == nil {
			var one [1]byte
			_, err := s.conn.Read(one[:])
			var ne net.Error
			if err == nil || !errors.As(err, &ne) || !ne.Timeout() {
				s.conn.Close()
				s.conn = nil
			}
		}
	}
	if s.conn != nil {
		return s.conn, nil
	}
	dctx, cancel := context.WithDeadline(ctx, deadline)
	defer cancel()
	var (
		conn net.Conn
		err  error
	)
	switch s.cfg.Network {
	case SyslogTLS:
		conf := s.cfg.TLS
		if conf == nil {
			conf = &tls.Config{}
		}
		d := &tls.Dialer{Config: conf}
		conn, err = d.DialContext(dctx, "tcp", s.cfg.Address)
	default:
		var d net.Dialer
		conn, err = d.DialContext(dctx, s.cfg.Network, s.cfg.Address)
	}
	if err != nil {
		return nil, fmt.Errorf("syslog dial %s %s: %w", s.cfg.Network, s.cfg.Address, err)
	}
	s.conn = conn
	return conn, nil
}

// Close closes the connection.
func (s *Syslog) Close() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.conn == nil {
		return nil
	}
	err := s.conn.Close()
	s.conn = nil
	return err
}
