package dnstrap

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/netip"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/miekg/dns"

	"github.com/mailtrip/mailtrip/tripwire"
)

// Defaults for zero values in [Config].
const (
	DefaultTTL           = 60 * time.Second
	DefaultDedupWindow   = 5 * time.Minute
	DefaultRecordTimeout = 5 * time.Second
	DefaultMaxInFlight   = 4096
	DefaultUDPSize       = 1232 // the DNS flag day 2020 EDNS buffer size
	DefaultReadTimeout   = 2 * time.Second
	DefaultWriteTimeout  = 2 * time.Second
	DefaultIdleTimeout   = 8 * time.Second
	DefaultMaxTCPQueries = 128
)

// Config is what the DNS trap needs; the caller opens the sockets.
type Config struct {
	// Zone is the canary zone the trap is authoritative for
	// (canary.example.com; case and the final dot do not matter).
	Zone string
	// A and AAAA answer address queries for every name in the zone: the
	// HTTP trap's addresses.
	A, AAAA []netip.Addr
	// MX is the mail exchanger for every name in the zone (the SMTP
	// trap's host); default mx.<zone>. Preference 10.
	MX string
	// TXT is answered for every name in the zone; strings longer than 255
	// bytes are split into character-strings.
	TXT []string
	// NS are the zone's name servers, answered at the apex; default
	// ns1.<zone>. In-zone ones get A/AAAA glue.
	NS []string
	// TTL of every record; default 60s.
	TTL time.Duration
	// SOA fields. Mbox defaults to hostmaster.<zone>, Serial to 1,
	// Refresh/Retry/Expire to 1h/15m/1w, MinTTL (negative caching) to TTL.
	SOAMbox                                 string
	SOASerial                               uint32
	SOARefresh, SOARetry, SOAExpire, MinTTL time.Duration

	// DedupWindow: lookups of one name (any type, any resolver) within
	// this long after its first are repeats of that touch; default 5m,
	// negative disables.
	DedupWindow time.Duration
	// Limiter refuses sources (resolvers) that ask too often: REFUSED,
	// counted, not recorded.
	Limiter *tripwire.Limiter

	RecordTimeout time.Duration // how long Record may take before SERVFAIL
	MaxInFlight   int           // queries being answered at once; past it UDP is dropped, TCP gets SERVFAIL
	UDPSize       int           // largest UDP answer offered with EDNS (RFC 6891); without EDNS 512
	ReadTimeout   time.Duration // TCP: first query on a connection
	WriteTimeout  time.Duration
	IdleTimeout   time.Duration // TCP: between queries
	MaxTCPQueries int           // per TCP connection
}

// Stats are the trap's counters since New.
type Stats struct {
	Queries   int64 // well-formed queries handled
	Hits      int64 // recorded (repeats included)
	Repeats   int64 // recorded hits marked as repeats of a touch
	Noise     int64 // in the zone, no candidate: answered, not recorded
	OutOfZone int64 // REFUSED: not our zone, or not class IN
	Refused   int64 // turned away by the Limiter
	Busy      int64 // over MaxInFlight
	Malformed int64 // packets that did not parse or were not queries
	Errors    int64 // Record failed (SERVFAIL)
}

// Server is the DNS trap. Make it with [New].
type Server struct {
	cfg      Config
	rec      tripwire.Recorder
	log      *slog.Logger
	cfgErr   error
	zone     string   // lower case, final dot
	zoneLbls []string // lower case
	soa      *dns.SOA // owner is the zone
	dedup    *dedup
	inflight chan struct{}

	queries, hits, repeats, noise, outOfZone, refused, busy, malformed, errs atomic.Int64

	mu      sync.Mutex
	closed  bool
	running map[*dns.Server]*run
}

type run struct {
	started, done chan struct{}
}

// New returns a trap recording to rec and logging to log (nil: discard).
// A configuration error (a zone that is not a domain name) is returned by
// Serve and ServeUDP.
func New(cfg Config, rec tripwire.Recorder, log *slog.Logger) *Server {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	s := &Server{rec: rec, log: log, running: map[*dns.Server]*run{}}
	zone := strings.ToLower(dns.Fqdn(strings.TrimSpace(cfg.Zone)))
	if _, ok := dns.IsDomainName(zone); !ok || zone == "." {
		s.cfgErr = fmt.Errorf("dnstrap: zone %q is not a domain name", cfg.Zone)
	}
	s.zone = zone
	s.zoneLbls = zoneLabels(zone)
	cfg.TTL = cmp.Or(cfg.TTL, DefaultTTL)
	cfg.MX = dns.Fqdn(cmp.Or(cfg.MX, "mx."+zone))
	if len(cfg.NS) == 0 {
		cfg.NS = []string{"ns1." + zone}
	}
	for i, ns := range cfg.NS {
		cfg.NS[i] = dns.Fqdn(ns)
	}
	cfg.SOAMbox = dns.Fqdn(cmp.Or(cfg.SOAMbox, "hostmaster."+zone))
	cfg.SOASerial = cmp.Or(cfg.SOASerial, 1)
	cfg.SOARefresh = cmp.Or(cfg.SOARefresh, time.Hour)
	cfg.SOARetry = cmp.Or(cfg.SOARetry, 15*time.Minute)
	cfg.SOAExpire = cmp.Or(cfg.SOAExpire, 7*24*time.Hour)
	cfg.MinTTL = cmp.Or(cfg.MinTTL, cfg.TTL)
	cfg.DedupWindow = cmp.Or(cfg.DedupWindow, DefaultDedupWindow)
	cfg.RecordTimeout = cmp.Or(cfg.RecordTimeout, DefaultRecordTimeout)
	cfg.MaxInFlight = cmp.Or(cfg.MaxInFlight, DefaultMaxInFlight)
	cfg.UDPSize = min(max(cmp.Or(cfg.UDPSize, DefaultUDPSize), dns.MinMsgSize), dns.MaxMsgSize)
	cfg.ReadTimeout = cmp.Or(cfg.ReadTimeout, DefaultReadTimeout)
	cfg.WriteTimeout = cmp.Or(cfg.WriteTimeout, DefaultWriteTimeout)
	cfg.IdleTimeout = cmp.Or(cfg.IdleTimeout, DefaultIdleTimeout)
	cfg.MaxTCPQueries = cmp.Or(cfg.MaxTCPQueries, DefaultMaxTCPQueries)
	s.cfg = cfg
	s.soa = &dns.SOA{
		Hdr:     dns.RR_Header{Name: zone, Rrtype: dns.TypeSOA, Class: dns.ClassINET, Ttl: secs(cfg.TTL)},
		Ns:      cfg.NS[0],
		Mbox:    cfg.SOAMbox,
		Serial:  cfg.SOASerial,
		Refresh: secs(cfg.SOARefresh),
		Retry:   secs(cfg.SOARetry),
		Expire:  secs(cfg.SOAExpire),
		Minttl:  secs(cfg.MinTTL),
	}
	if cfg.DedupWindow > 0 {
		s.dedup = newDedup(cfg.DedupWindow, maxDedupNames)
	}
	s.inflight = make(chan struct{}, cfg.MaxInFlight)
	return s
}

func secs(d time.Duration) uint32 { return uint32(max(d, 0) / time.Second) }

// Stats returns the counters.
func (s *Server) Stats() Stats {
	return Stats{
		Queries:   s.queries.Load(),
		Hits:      s.hits.Load(),
		Repeats:   s.repeats.Load(),
		Noise:     s.noise.Load(),
		OutOfZone: s.outOfZone.Load(),
		Refused:   s.refused.Load(),
		Busy:      s.busy.Load(),
		Malformed: s.malformed.Load(),
		Errors:    s.errs.Load(),
	}
}

// ServeUDP answers queries on pc until ctx is done or Shutdown is called,
// and returns nil then; it closes pc.
func (s *Server) ServeUDP(ctx context.Context, pc net.PacketConn) error {
	return s.serve(ctx, &dns.Server{PacketConn: pc, Net: "udp", UDPSize: maxQuerySize}, pc)
}

// Serve answers queries over TCP (RFC 7766) on ln until ctx is done or
// Shutdown is called, and returns nil then; it closes ln.
func (s *Server) Serve(ctx context.Context, ln net.Listener) error {
	return s.serve(ctx, &dns.Server{Listener: ln, Net: "tcp"}, ln)
}

func (s *Server) serve(ctx context.Context, ds *dns.Server, c interface{ Close() error }) error {
	if s.cfgErr != nil {
		c.Close()
		return s.cfgErr
	}
	r := &run{started: make(chan struct{}), done: make(chan struct{})}
	ds.Handler = s
	ds.ReadTimeout = s.cfg.ReadTimeout
	ds.WriteTimeout = s.cfg.WriteTimeout
	idle := s.cfg.IdleTimeout
	ds.IdleTimeout = func() time.Duration { return idle }
	ds.MaxTCPQueries = s.cfg.MaxTCPQueries
	ds.NotifyStartedFunc = func() { close(r.started) }
	ds.MsgAcceptFunc = s.accept
	ds.MsgInvalidFunc = func([]byte, error) { s.malformed.Add(1) }
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		c.Close()
		return nil
	}
	s.running[ds] = r
	s.mu.Unlock()

	errc := make(chan error, 1)
	go func() {
		errc <- ds.ActivateAndServe()
		close(r.done)
	}()
	var err error
	select {
	case err = <-errc:
	case <-ctx.Done():
		sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		s.stop(sctx, ds, r)
		cancel()
		err = <-errc
	}
	s.mu.Lock()
	delete(s.running, ds)
	closed := s.closed
	s.mu.Unlock()
	if closed || ctx.Err() != nil {
		return nil
	}
	if err != nil {
		return fmt.Errorf("dnstrap: serve %s: %w", ds.Net, err)
	}
	return nil
}

// stop shuts ds down once it has started; miekg/dns waits for the queries
// in flight (and so their Record calls) until ctx expires.
func (s *Server) stop(ctx context.Context, ds *dns.Server, r *run) error {
	select {
	case <-r.started:
	case <-r.done:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
	err := ds.ShutdownContext(ctx)
	if err != nil && ctx.Err() == nil {
		// "server not started": it stopped by itself meanwhile.
		return nil
	}
	return err
}

// Shutdown stops every Serve and ServeUDP: no new queries are read, those
// in flight are answered until ctx expires.
func (s *Server) Shutdown(ctx context.Context) error {
	s.mu.Lock()
	s.closed = true
	running := make(map[*dns.Server]*run, len(s.running))
	for ds, r := range s.running {
		running[ds] = r
	}
	s.mu.Unlock()
	var errs []error
	for ds, r := range running {
		if err := s.stop(ctx, ds, r); err != nil {
			errs = append(errs, err)
		}
	}
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("dnstrap: shutdown: %w", err)
	}
	return nil
}

// accept is miekg/dns's default filter (queries with one question, no
// updates), counting what it turns away.
func (s *Server) accept(h dns.Header) dns.MsgAcceptAction {
	a := dns.DefaultMsgAcceptFunc(h)
	if a != dns.MsgAccept {
		s.malformed.Add(1)
	}
	return a
}
