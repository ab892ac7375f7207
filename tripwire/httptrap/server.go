package httptrap

import (
	"cmp"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/netip"
	"sync"
	"sync/atomic"
	"time"

	"github.com/mailtrip/mailtrip/tripwire"
)

// Defaults for the zero values of [Config]'s limits.
const (
	DefaultMaxHeaderBytes    = 16 << 10
	DefaultReadHeaderTimeout = 5 * time.Second
	DefaultReadTimeout       = 10 * time.Second
	DefaultWriteTimeout      = 10 * time.Second
	DefaultIdleTimeout       = 60 * time.Second
	DefaultRecordTimeout     = 10 * time.Second
	DefaultMaxFormBytes      = 16 << 10
)

// Config is what the HTTP trap needs; the caller opens the listener. Zero
// limits take the Default values above.
type Config struct {
	// TrustedProxies are the peers whose X-Forwarded-For and Forwarded
	// headers are believed. From any other peer those headers are kept as
	// evidence but the peer itself is the source.
	TrustedProxies []netip.Prefix

	// CertFile and KeyFile, when set, make Serve speak HTTPS with that
	// PEM certificate and key (read once per Serve). TLS, when set, is
	// used as the base TLS configuration (its certificates or
	// GetCertificate, or CertFile/KeyFile added to it). With neither, the
	// trap speaks plain HTTP.
	CertFile, KeyFile string
	TLS               *tls.Config

	MaxHeaderBytes    int           // request line and headers
	ReadHeaderTimeout time.Duration // against slowloris
	ReadTimeout       time.Duration // whole request, body included
	WriteTimeout      time.Duration
	IdleTimeout       time.Duration // keep-alive
	RecordTimeout     time.Duration // how long Record may take before the answer is 503
	MaxFormBytes      int64         // login form bodies

	// Limiter, when set, refuses sources that come too often: they get
	// 429 and are counted, not recorded.
	Limiter *tripwire.Limiter

	// Login, when set, renders the login paths (/login, /signin,
	// /account/reset, …) and handles their POSTs (tripwire/credtrap). The
	// trap still records the request's token candidates first; the
	// handler finds the client in its request's context ([ClientFrom]).
	// When nil the trap renders its own login page and records a POST as
	// a hit with User and Password set.
	Login http.Handler
}

// Stats are the trap's counters since New, for /metrics.
type Stats struct {
	Requests int64 // every request that reached the handler
	Hits     int64 // recorded (Record returned nil)
	Noise    int64 // no token candidate and no login: answered, not recorded
	Refused  int64 // turned away by the Limiter (429), not recorded
	Errors   int64 // Record failed (503)
}

// Server is the HTTP trap. Make it with [New].
type Server struct {
	cfg     Config
	rec     tripwire.Recorder
	log     *slog.Logger
	trusted []netip.Prefix
	handler http.Handler
	srv     *http.Server

	cert atomic.Pointer[tls.Certificate] // from CertFile/KeyFile

	requests, hits, noise, refused, errs atomic.Int64

	recCtx atomic.Pointer[sharedDeadline] // see recordCtx

	mu      sync.Mutex
	closed  bool
	drained chan struct{} // closed when a Shutdown has returned
	once    sync.Once
}

// New returns a trap recording to rec and logging to log (nil: discard).
func New(cfg Config, rec tripwire.Recorder, log *slog.Logger) *Server {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	cfg.MaxHeaderBytes = cmp.Or(cfg.MaxHeaderBytes, DefaultMaxHeaderBytes)
	cfg.ReadHeaderTimeout = cmp.Or(cfg.ReadHeaderTimeout, DefaultReadHeaderTimeout)
	cfg.ReadTimeout = cmp.Or(cfg.ReadTimeout, DefaultReadTimeout)
	cfg.WriteTimeout = cmp.Or(cfg.WriteTimeout, DefaultWriteTimeout)
	cfg.IdleTimeout = cmp.Or(cfg.IdleTimeout, DefaultIdleTimeout)
	cfg.RecordTimeout = cmp.Or(cfg.RecordTimeout, DefaultRecordTimeout)
	cfg.MaxFormBytes = cmp.Or(cfg.MaxFormBytes, DefaultMaxFormBytes)
	s := &Server{cfg: cfg, rec: rec, log: log, drained: make(chan struct{})}
	for _, p := range cfg.TrustedProxies {
		if p.IsValid() {
			s.trusted = append(s.trusted, p.Masked())
		}
	}
	s.handler = http.HandlerFunc(s.serveHTTP)
	s.srv = &http.Server{
		Handler:           s.handler,
		MaxHeaderBytes:    cfg.MaxHeaderBytes,
		ReadHeaderTimeout: cfg.ReadHeaderTimeout,
		ReadTimeout:       cfg.ReadTimeout,
		WriteTimeout:      cfg.WriteTimeout,
		IdleTimeout:       cfg.IdleTimeout,
		// Handshake failures and bad requests from scanners are routine.
		ErrorLog: slog.NewLogLogger(log.Handler(), slog.LevelDebug),
	}
	if s.tlsEnabled() {
		var tc *tls.Config
		if cfg.TLS != nil {
			tc = cfg.TLS.Clone()
		} else {
			tc = &tls.Config{MinVersion: tls.VersionTLS12}
		}
		if cfg.CertFile != "" {
			base := tc.GetCertificate
			tc.GetCertificate = func(hello *tls.ClientHelloInfo) (*tls.Certificate, error) {
				if c := s.cert.Load(); c != nil {
					return c, nil
				}
				if base != nil {
					return base(hello)
				}
				return nil, errors.New("httptrap: no certificate loaded")
			}
		}
		s.srv.TLSConfig = tc
	}
	return s
}

func (s *Server) tlsEnabled() bool { return s.cfg.CertFile != "" || s.cfg.TLS != nil }

// Handler returns the trap's handler, for tests and for embedding it in
// another server (whose limits then apply instead of Config's).
func (s *Server) Handler() http.Handler { return s.handler }

// Stats returns the counters.
func (s *Server) Stats() Stats {
	return Stats{
		Requests: s.requests.Load(),
		Hits:     s.hits.Load(),
		Noise:    s.noise.Load(),
		Refused:  s.refused.Load(),
		Errors:   s.errs.Load(),
	}
}

// Serve answers connections on ln until ctx is done or Shutdown is called,
// and returns nil then; it closes ln. With CertFile/KeyFile or TLS set it
// speaks HTTPS. It may be called for several listeners at once.
func (s *Server) Serve(ctx context.Context, ln net.Listener) error {
	s.mu.Lock()
	closed := s.closed
	s.mu.Unlock()
	if closed {
		ln.Close()
		return nil
	}
	if s.cfg.CertFile != "" {
		c, err := tls.LoadX509KeyPair(s.cfg.CertFile, s.cfg.KeyFile)
		if err != nil {
			ln.Close()
			return fmt.Errorf("httptrap: load certificate: %w", err)
		}
		s.cert.Store(&c)
	}
	stop := context.AfterFunc(ctx, func() {
		// The caller gave up on us: drain briefly, then cut.
		sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if err := s.Shutdown(sctx); err != nil {
			s.srv.Close()
		}
	})
	defer stop()
	var err error
	if s.tlsEnabled() {
		err = s.srv.ServeTLS(ln, "", "")
	} else {
		err = s.srv.Serve(ln)
	}
	if errors.Is(err, http.ErrServerClosed) {
		// net/http returns at once; the requests in flight (and their
		// Record calls) finish while Shutdown waits for them.
		<-s.drained
		return nil
	}
	if err != nil {
		return fmt.Errorf("httptrap: serve: %w", err)
	}
	return nil
}

// Shutdown stops accepting, then waits for requests in flight (and their
// Record calls) until ctx expires.
func (s *Server) Shutdown(ctx context.Context) error {
	s.mu.Lock()
	s.closed = true
	s.mu.Unlock()
	err := s.srv.Shutdown(ctx)
	s.once.Do(func() { close(s.drained) })
	if err != nil {
		return fmt.Errorf("httptrap: shutdown: %w", err)
	}
	return nil
}

// sharedDeadline is a context with a deadline that the touches of a short
// stretch of time share.
type sharedDeadline struct {
	ctx     context.Context
	cancel  context.CancelFunc // released by the deadline itself
	refresh time.Time          // when the next touch makes a new one
}

// recordDeadlineStep is how long touches share one Record deadline: each
// gets between RecordTimeout-step and RecordTimeout.
const recordDeadlineStep = 50 * time.Millisecond

// recordCtx is the context a touch is recorded under: no cancellation by
// the client, a deadline RecordTimeout away (less up to
// recordDeadlineStep). Under a flood a context and timer of its own for
// every touch were a measurable share of the trap's work; touches arriving
// within recordDeadlineStep of each other share one.
func (s *Server) recordCtx() context.Context {
	now := time.Now()
	if d := s.recCtx.Load(); d != nil && now.Before(d.refresh) {
		return d.ctx
	}
	timeout := s.cfg.RecordTimeout
	step := min(recordDeadlineStep, timeout/4)
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	s.recCtx.Store(&sharedDeadline{ctx: ctx, cancel: cancel, refresh: now.Add(step)})
	return ctx
}
