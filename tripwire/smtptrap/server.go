package smtptrap

import (
	"cmp"
	"context"
	"crypto/tls"
	"fmt"
	"log/slog"
	"net"
	"net/netip"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/emersion/go-smtp"

	"github.com/mailtrip/mailtrip/tripwire"
)

// Defaults for zero Config fields.
const (
	DefaultMaxMessageBytes = 10 << 20
	DefaultMaxRecipients   = 50
	DefaultMaxConnections  = 256
	DefaultReadTimeout     = time.Minute
	DefaultWriteTimeout    = time.Minute
	DefaultSessionTimeout  = 10 * time.Minute
	DefaultRecordTimeout   = 30 * time.Second
)

// Config is what the SMTP trap needs; the caller opens the listener.
type Config struct {
	// Domains are the canary mail domains. Mail to any local part at one
	// of them is accepted; a recipient elsewhere gets 550 (relay denied).
	// With none, every recipient is refused.
	Domains []string
	// Hostname names the server in its greeting; default the first
	// domain's "mx." host, or "localhost".
	Hostname string

	MaxMessageBytes int64 // DATA bytes; over it the message gets 552
	MaxRecipients   int   // per message; over it RCPT gets 452
	MaxConnections  int   // at once; over it a new connection gets 421
	// ReadTimeout bounds the wait for each command and each pause inside
	// DATA; WriteTimeout each reply.
	ReadTimeout, WriteTimeout time.Duration
	// SessionTimeout bounds a whole connection, however busy.
	SessionTimeout time.Duration
	// RecordTimeout bounds one Record call; past it the client gets 451.
	RecordTimeout time.Duration

	// Limiter, when set, is asked once per connection and once per
	// further message on it; a refused connection gets 421 and a refused
	// message 450, and both are counted, not recorded.
	Limiter *tripwire.Limiter
	// TLSConfig, when set, offers STARTTLS with it.
	TLSConfig *tls.Config
}

// Stats are the trap's counters since New.
type Stats struct {
	Connections int64 // accepted and served
	Refused     int64 // connections and messages the Limiter or MaxConnections turned away
	Messages    int64 // messages recorded (answered 250)
	Partial     int64 // over-size or cut-off messages recorded from what was seen
	Oversize    int64 // messages answered 552
	Relay       int64 // recipients refused for a domain that is not a canary domain
	Errors      int64 // Record failed (451)
}

// Server is the SMTP trap. Make it with [New].
type Server struct {
	cfg     Config
	rec     tripwire.Recorder
	log     *slog.Logger
	domains map[string]bool
	srv     *smtp.Server

	// base is the context of Record calls; cancelled when Shutdown gives
	// up on draining.
	base   context.Context
	cancel context.CancelFunc

	mu    sync.Mutex
	lns   tripwire.Listeners
	conns map[*trackedConn]struct{}

	served, refused, messages, partial, oversize, relay, errs atomic.Int64
}

// New returns a trap recording to rec and logging to log (nil: discard).
func New(cfg Config, rec tripwire.Recorder, log *slog.Logger) *Server {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	cfg.MaxMessageBytes = cmp.Or(cfg.MaxMessageBytes, DefaultMaxMessageBytes)
	cfg.MaxRecipients = cmp.Or(cfg.MaxRecipients, DefaultMaxRecipients)
	cfg.MaxConnections = cmp.Or(cfg.MaxConnections, DefaultMaxConnections)
	cfg.ReadTimeout = cmp.Or(cfg.ReadTimeout, DefaultReadTimeout)
	cfg.WriteTimeout = cmp.Or(cfg.WriteTimeout, DefaultWriteTimeout)
	cfg.SessionTimeout = cmp.Or(cfg.SessionTimeout, DefaultSessionTimeout)
	cfg.RecordTimeout = cmp.Or(cfg.RecordTimeout, DefaultRecordTimeout)
	s := &Server{
		cfg: cfg, rec: rec, log: log,
		domains: make(map[string]bool),
		conns:   make(map[*trackedConn]struct{}),
	}
	for _, d := range cfg.Domains {
		if d = normDomain(d); d != "" {
			s.domains[d] = true
		}
	}
	if cfg.Hostname == "" {
		cfg.Hostname = "localhost"
		if len(cfg.Domains) > 0 && normDomain(cfg.Domains[0]) != "" {
			cfg.Hostname = "mx." + normDomain(cfg.Domains[0])
		}
		s.cfg.Hostname = cfg.Hostname
	}
	s.base, s.cancel = context.WithCancel(context.Background())

	srv := smtp.NewServer(smtp.BackendFunc(s.newSession))
	srv.Domain = cfg.Hostname
	srv.MaxMessageBytes = cfg.MaxMessageBytes
	srv.MaxRecipients = cfg.MaxRecipients
	srv.ReadTimeout = cfg.ReadTimeout
	srv.WriteTimeout = cfg.WriteTimeout
	srv.TLSConfig = cfg.TLSConfig
	// Broken connections and handshake failures from scanners are routine.
	srv.ErrorLog = slog.NewLogLogger(log.Handler(), slog.LevelDebug)
	s.srv = srv
	return s
}

func normDomain(d string) string {
	return strings.ToLower(strings.TrimSuffix(strings.TrimSpace(d), "."))
}

// Stats returns the counters.
func (s *Server) Stats() Stats {
	return Stats{
		Connections: s.served.Load(),
		Refused:     s.refused.Load(),
		Messages:    s.messages.Load(),
		Partial:     s.partial.Load(),
		Oversize:    s.oversize.Load(),
		Relay:       s.relay.Load(),
		Errors:      s.errs.Load(),
	}
}

// Serve answers connections on ln until ctx is done or Shutdown is called,
// and returns nil then; it closes ln. When ctx ends, connections get a few
// seconds to finish what they are doing. It may be called for several
// listeners at once.
func (s *Server) Serve(ctx context.Context, ln net.Listener) error {
	l := &listener{Listener: ln, s: s}
	if !s.lns.Add(l) {
		return nil
	}
	defer tripwire.ShutdownWhenDone(ctx, s.Shutdown, s.log, "smtptrap")()
	err := s.srv.Serve(l)
	closed := s.lns.Remove(l)
	ln.Close()
	if closed || err == nil {
		return nil
	}
	return fmt.Errorf("smtptrap: serve: %w", err)
}

// Shutdown stops accepting, closes connections that are between messages,
// and waits for those in the middle of one (its DATA and its Record call)
// until ctx expires; then it closes the rest and returns the cause.
func (s *Server) Shutdown(ctx context.Context) error {
	s.lns.Close()
	tick := time.NewTicker(10 * time.Millisecond)
	defer tick.Stop()
	for {
		s.mu.Lock()
		n := len(s.conns)
		for c := range s.conns {
			if !c.busy.Load() {
				c.Conn.Close() // the session's goroutine untracks it
			}
		}
		s.mu.Unlock()
		if n == 0 {
			return nil
		}
		select {
		case <-ctx.Done():
			s.mu.Lock()
			for c := range s.conns {
				c.Conn.Close()
			}
			s.mu.Unlock()
			s.cancel()
			return fmt.Errorf("smtptrap: shutdown: %w", context.Cause(ctx))
		case <-tick.C:
		}
	}
}

// listener applies the connection limits before go-smtp sees a connection.
type listener struct {
	net.Listener
	s *Server
}

func (l *listener) Accept() (net.Conn, error) {
	s := l.s
	for {
		c, err := l.Listener.Accept()
		if err != nil {
			return nil, err
		}
		src := addrPort(c.RemoteAddr())
		closed := s.lns.Closed()
		s.mu.Lock()
		full := len(s.conns) >= s.cfg.MaxConnections
		s.mu.Unlock()
		switch {
		case closed:
			c.Close()
			continue
		case full || !s.cfg.Limiter.Allow(src.Addr()):
			s.refused.Add(1)
			s.log.Debug("smtptrap: connection refused", "source", src, "full", full)
			// A fresh connection's send buffer is empty: this cannot block.
			c.SetWriteDeadline(time.Now().Add(time.Second))
			fmt.Fprintf(c, "421 4.7.0 %s Too many connections, try again later\r\n", s.cfg.Hostname)
			c.Close()
			continue
		}
		tc := &trackedConn{Conn: c, s: s, end: time.Now().Add(s.cfg.SessionTimeout)}
		tc.Conn.SetReadDeadline(tc.end)
		s.mu.Lock()
		s.conns[tc] = struct{}{}
		s.mu.Unlock()
		s.served.Add(1)
		return tc, nil
	}
}

// trackedConn is a served connection: Shutdown finds it, and no read
// deadline go-smtp sets may pass the end of the session.
type trackedConn struct {
	net.Conn
	s    *Server
	end  time.Time
	busy atomic.Bool // inside a mail transaction: Shutdown waits for it
	once sync.Once
}

func (c *trackedConn) clamp(t time.Time) time.Time {
	if t.IsZero() || t.After(c.end) {
		return c.end
	}
	return t
}

func (c *trackedConn) SetReadDeadline(t time.Time) error { return c.Conn.SetReadDeadline(c.clamp(t)) }

func (c *trackedConn) SetDeadline(t time.Time) error {
	if err := c.Conn.SetReadDeadline(c.clamp(t)); err != nil {
		return err
	}
	return c.Conn.SetWriteDeadline(t)
}

func (c *trackedConn) Close() error {
	c.once.Do(func() {
		c.s.mu.Lock()
		delete(c.s.conns, c)
		c.s.mu.Unlock()
	})
	return c.Conn.Close()
}

// tracked finds the trackedConn under what go-smtp holds (itself, or a
// tls.Conn over it after STARTTLS).
func tracked(c net.Conn) *trackedConn {
	for range 4 {
		switch v := c.(type) {
		case *trackedConn:
			return v
		case *tls.Conn:
			c = v.NetConn()
		default:
			return nil
		}
	}
	return nil
}

func addrPort(a net.Addr) netip.AddrPort {
	if t, ok := a.(*net.TCPAddr); ok {
		ap := t.AddrPort()
		return netip.AddrPortFrom(ap.Addr().Unmap(), ap.Port())
	}
	if a == nil {
		return netip.AddrPort{}
	}
	ap, err := netip.ParseAddrPort(a.String())
	if err != nil {
		return netip.AddrPort{}
	}
	return netip.AddrPortFrom(ap.Addr().Unmap(), ap.Port())
}

// errShuttingDown answers a transaction begun while the trap shuts down.
var errShuttingDown = &smtp.SMTPError{Code: 421, EnhancedCode: smtp.EnhancedCode{4, 3, 2}, Message: "Service shutting down, try again later"}
