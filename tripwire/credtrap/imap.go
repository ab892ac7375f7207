package credtrap

import (
	"cmp"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/netip"
	"sync"
	"sync/atomic"
	"time"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapserver"

	"github.com/mailtrip/mailtrip/tripwire"
)

// Defaults for zero IMAPConfig fields.
const (
	DefaultFailDelay      = 500 * time.Millisecond
	DefaultSessionTimeout = 10 * time.Minute
	DefaultMaxConnections = 128
	DefaultMaxAttempts    = 5
	DefaultRecordTimeout  = 10 * time.Second
	// MaxFollowUps is the most commands after a decoy login one session
	// records.
	MaxFollowUps = 20
)

// IMAPConfig is what the IMAP decoy login needs; the caller opens the
// listener.
type IMAPConfig struct {
	// TLSConfig, when set, offers STARTTLS with it (or, with ImplicitTLS,
	// speaks TLS from the first byte, as on port 993).
	TLSConfig   *tls.Config
	ImplicitTLS bool
	// FailDelay is how long after an attempt began a failed one is
	// answered, whatever the recorder took; it slows guessing and keeps
	// the timing of a failure constant.
	FailDelay time.Duration
	// SessionTimeout bounds a whole connection. go-imap's own timeouts
	// apply within it (30 s per command, 35 min idle once logged in).
	SessionTimeout time.Duration
	MaxConnections int // at once; over it a new connection gets BYE
	MaxAttempts    int // failed logins per connection before BYE
	RecordTimeout  time.Duration
	// Limiter, when set, is asked once per connection (BYE when refused)
	// and for every further login attempt on it (a refused attempt is
	// answered as a failed one); refusals are counted, not recorded.
	Limiter *tripwire.Limiter
}

// IMAPStats are the IMAP trap's counters since NewIMAP.
type IMAPStats struct {
	Connections int64 // accepted and served
	Refused     int64 // connections and attempts the Limiter or MaxConnections turned away
	Attempts    int64 // login attempts recorded
	Accepted    int64 // attempts with a decoy credential: logged in
	Failed      int64 // attempts with anything else: authentication noise
	FollowUps   int64 // commands after a decoy login, recorded
	Errors      int64 // Record failed
}

// IMAPServer is the IMAP decoy login. Make it with [NewIMAP].
type IMAPServer struct {
	cfg IMAPConfig
	rec tripwire.Recorder
	log *slog.Logger
	srv *imapserver.Server

	base   context.Context // of Record calls and delays; cancelled by a forced shutdown
	cancel context.CancelFunc

	lns      tripwire.Listeners
	mu       sync.Mutex
	conns    int
	inflight atomic.Int64 // logins and follow-ups being recorded

	connections, refused, attempts, accepted, failed, followUps, errs atomic.Int64
}

// NewIMAP returns an IMAP trap recording to rec and logging to log (nil:
// discard).
func NewIMAP(cfg IMAPConfig, rec tripwire.Recorder, log *slog.Logger) *IMAPServer {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	cfg.FailDelay = cmp.Or(cfg.FailDelay, DefaultFailDelay)
	cfg.SessionTimeout = cmp.Or(cfg.SessionTimeout, DefaultSessionTimeout)
	cfg.MaxConnections = cmp.Or(cfg.MaxConnections, DefaultMaxConnections)
	cfg.MaxAttempts = cmp.Or(cfg.MaxAttempts, DefaultMaxAttempts)
	cfg.RecordTimeout = cmp.Or(cfg.RecordTimeout, DefaultRecordTimeout)
	s := &IMAPServer{cfg: cfg, rec: rec, log: log}
	s.base, s.cancel = context.WithCancel(context.Background())
	opts := &imapserver.Options{
		NewSession: s.newSession,
		Caps:       imap.CapSet{imap.CapIMAP4rev1: {}},
		Logger:     slog.NewLogLogger(log.Handler(), slog.LevelDebug),
		// Credentials in clear text are what the trap wants to see; a
		// client that insists on TLS can have STARTTLS first.
		InsecureAuth: true,
	}
	if !cfg.ImplicitTLS {
		opts.TLSConfig = cfg.TLSConfig
	}
	s.srv = imapserver.New(opts)
	return s
}

// Stats returns the counters.
func (s *IMAPServer) Stats() IMAPStats {
	return IMAPStats{
		Connections: s.connections.Load(),
		Refused:     s.refused.Load(),
		Attempts:    s.attempts.Load(),
		Accepted:    s.accepted.Load(),
		Failed:      s.failed.Load(),
		FollowUps:   s.followUps.Load(),
		Errors:      s.errs.Load(),
	}
}

// Serve answers connections on ln until ctx is done or Shutdown is called,
// and returns nil then; it closes ln. It may be called for several
// listeners at once.
func (s *IMAPServer) Serve(ctx context.Context, ln net.Listener) error {
	if s.cfg.ImplicitTLS && s.cfg.TLSConfig == nil {
		ln.Close()
		return errors.New("credtrap: implicit TLS without a TLS configuration")
	}
	l := &imapListener{Listener: ln, s: s}
	if !s.lns.Add(l) {
		return nil
	}
	defer tripwire.ShutdownWhenDone(ctx, s.Shutdown, s.log, "credtrap: imap")()
	err := s.srv.Serve(l)
	closed := s.lns.Remove(l)
	ln.Close()
	if closed || err == nil {
		return nil
	}
	return fmt.Errorf("credtrap: serve imap: %w", err)
}

// Shutdown stops accepting, waits for the login attempts and follow-up
// commands being recorded until ctx expires, then closes every connection
// (an IMAP client idles for many minutes; there is nothing to drain from
// it). It returns the cause when ctx expired first.
func (s *IMAPServer) Shutdown(ctx context.Context) error {
	first := s.lns.Close()
	var err error
	tick := time.NewTicker(10 * time.Millisecond)
	defer tick.Stop()
	for err == nil && s.inflight.Load() > 0 {
		select {
		case <-ctx.Done():
			err = fmt.Errorf("credtrap: imap shutdown: %w", context.Cause(ctx))
		case <-tick.C:
		}
	}
	s.cancel()
	if first {
		s.srv.Close() // closes the connections
	}
	return err
}

// imapListener applies the connection limits and the session deadline, and
// the TLS handshake for implicit TLS.
type imapListener struct {
	net.Listener
	s *IMAPServer
}

func (l *imapListener) Accept() (net.Conn, error) {
	s := l.s
	for {
		c, err := l.Listener.Accept()
		if err != nil {
			return nil, err
		}
		src := addrPort(c.RemoteAddr())
		closed := s.lns.Closed()
		s.mu.Lock()
		full := s.conns >= s.cfg.MaxConnections
		s.mu.Unlock()
		switch {
		case closed:
			c.Close()
			continue
		case full || !s.cfg.Limiter.Allow(src.Addr()):
			s.refused.Add(1)
			s.log.Debug("credtrap: imap connection refused", "source", src, "full", full)
			if !s.cfg.ImplicitTLS {
				c.SetWriteDeadline(time.Now().Add(time.Second))
				fmt.Fprint(c, "* BYE Too many connections, try again later\r\n")
			}
			c.Close()
			continue
		}
		s.mu.Lock()
		s.conns++
		s.mu.Unlock()
		s.connections.Add(1)
		tc := &deadlineConn{Conn: c, end: time.Now().Add(s.cfg.SessionTimeout), onClose: func() {
			s.mu.Lock()
			s.conns--
			s.mu.Unlock()
		}}
		tc.Conn.SetDeadline(tc.end)
		if s.cfg.ImplicitTLS {
			return tls.Server(tc, s.cfg.TLSConfig), nil
		}
		return tc, nil
	}
}

// deadlineConn keeps every read deadline within the session's end.
type deadlineConn struct {
	net.Conn
	end     time.Time
	once    sync.Once
	onClose func()
}

func (c *deadlineConn) clamp(t time.Time) time.Time {
	if t.IsZero() || t.After(c.end) {
		return c.end
	}
	return t
}

func (c *deadlineConn) SetReadDeadline(t time.Time) error { return c.Conn.SetReadDeadline(c.clamp(t)) }

func (c *deadlineConn) SetDeadline(t time.Time) error {
	if err := c.Conn.SetReadDeadline(c.clamp(t)); err != nil {
		return err
	}
	return c.Conn.SetWriteDeadline(t)
}

func (c *deadlineConn) Close() error {
	c.once.Do(c.onClose)
	return c.Conn.Close()
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
