package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/netip"
	"os"
	"os/signal"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/spf13/cobra"

	"github.com/mailtrip/mailtrip/alert"
	"github.com/mailtrip/mailtrip/config"
	"github.com/mailtrip/mailtrip/internal/gcpolicy"
	"github.com/mailtrip/mailtrip/store"
	"github.com/mailtrip/mailtrip/store/sqlite"
	"github.com/mailtrip/mailtrip/tripwire"
	"github.com/mailtrip/mailtrip/tripwire/dnstrap"
	"github.com/mailtrip/mailtrip/tripwire/httptrap"
	"github.com/mailtrip/mailtrip/tripwire/smtptrap"
)

type serveFlags struct {
	http, dns, smtp, imap, admin string
	logFormat                    string
	printScanners                bool
}

func (a *app) serveCmd() *cobra.Command {
	var f serveFlags
	cmd := &cobra.Command{
		Use:   "serve",
		Short: "Run the tripwires (HTTP, DNS, SMTP, decoy logins, decoy files) and alert delivery",
		Long: `serve runs the tripwire listeners decoy breadcrumbs point at, and delivers the
alerts they raise. Every touch is stored before it is answered, attributed
to its decoy, mailbox and folder, grouped into an incident per decoy and
source (the first touch alerts at once, later ones update the incident),
and delivered to the configured sinks through the store's outbox, so a
crash or a receiver that is down loses nothing.

Listeners (loopback defaults; "off" disables one):
  HTTP   ` + config.DefaultHTTPListen + `  decoy links, remote images, the decoy sign-in page
  DNS    ` + config.DefaultDNSListen + `  authoritative for canary.dns_zone (UDP and TCP)
  SMTP   ` + config.DefaultSMTPListen + `  mail to canary addresses, forwarded decoys
  IMAP   ` + config.DefaultIMAPListen + `  logins with decoy credentials
  admin  ` + config.DefaultAdminListen + `  /healthz and Prometheus /metrics
and, on Linux, a watch on every planted decoy file (fanotify as root,
inotify otherwise).

Link scanners and image proxies (Safe Links, Proofpoint, Mimecast, the
Gmail and Yahoo proxies, prefetches, touches right after planting) are
kept but alerted at low severity; --print-scanners prints the list, and
serve.scanners_file replaces it. serve.allow_file marks expected traffic.
Logs are JSON lines on stderr (--log-format text for a terminal). SIGHUP
reopens JSONL sink files after log rotation.`,
		Example: `  mailtrip serve                      # everything on loopback, embedded SQLite
  mailtrip serve --http 0.0.0.0:80 --dns 0.0.0.0:53 --config /etc/mailtrip/config.yaml`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if fl := cmd.Flag("log-level"); fl == nil || !fl.Changed {
				a.logLevel = "info" // a daemon says what it does
			}
			return a.serve(cmd.Context(), &f)
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&f.http, "http", "", "HTTP trap listen address (default serve.http.listen, "+config.DefaultHTTPListen+")")
	fl.StringVar(&f.dns, "dns", "", "DNS trap listen address, UDP and TCP (default "+config.DefaultDNSListen+")")
	fl.StringVar(&f.smtp, "smtp", "", "SMTP trap listen address (default "+config.DefaultSMTPListen+")")
	fl.StringVar(&f.imap, "imap", "", "decoy-login IMAP listen address (default "+config.DefaultIMAPListen+")")
	fl.StringVar(&f.admin, "admin", "", "/healthz and /metrics listen address (default "+config.DefaultAdminListen+")")
	fl.StringVar(&f.logFormat, "log-format", "json", "log format: json or text")
	fl.BoolVar(&f.printScanners, "print-scanners", false, "print the built-in scanner list (YAML) and exit")
	cmd.Flags().StringVar(&a.dbFlag, "db", "", "store file (default $MAILTRIP_DB, store: in the config, or $XDG_STATE_HOME/mailtrip/mailtrip.db)")
	return cmd
}

// listener is one running trap.
type listener struct {
	name     string
	addr     string
	serve    func(ctx context.Context) error
	shutdown func(ctx context.Context) error
}

func (a *app) serve(ctx context.Context, f *serveFlags) error {
	if f.printScanners {
		_, err := a.stdout.Write(tripwire.BuiltinScanners())
		return err
	}
	defer gcpolicy.Serve()()
	sc := a.cfg.Serve
	for _, o := range []struct {
		flag string
		dst  *string
	}{{f.http, &sc.HTTP.Listen}, {f.dns, &sc.DNS.Listen}, {f.smtp, &sc.SMTP.Listen}, {f.imap, &sc.IMAP.Listen}, {f.admin, &sc.Admin.Listen}} {
		if o.flag != "" {
			*o.dst = o.flag
		}
	}
	var log *slog.Logger
	switch f.logFormat {
	case "json":
		log = slog.New(slog.NewJSONHandler(a.stderr, &slog.HandlerOptions{Level: a.slogLevel()}))
	case "text":
		log = slog.New(slog.NewTextHandler(a.stderr, &slog.HandlerOptions{Level: a.slogLevel()}))
	default:
		return usageError("--log-format: %q, want json or text", f.logFormat)
	}
	scanners, err := tripwire.LoadScannersFile(sc.ScannersFile)
	if err != nil {
		return usageError("serve.scanners_file: %v", err)
	}
	if sc.ScannerGrace != nil {
		scanners.Grace = time.Duration(*sc.ScannerGrace)
	}
	allow, err := tripwire.LoadAllowListFile(sc.AllowFile)
	if err != nil {
		return usageError("serve.allow_file: %v", err)
	}
	a.warnCanary(log)

	st, path, err := a.openStore(ctx)
	if err != nil {
		return err
	}
	defer st.Close()
	a.running = true

	group, levels, err := buildSinks(sc.Sinks, st, log)
	if err != nil {
		return &exitError{code: exitUsage, err: err}
	}
	var sinkNames []string
	for _, k := range sc.Sinks {
		sinkNames = append(sinkNames, k.Name)
	}
	svc, err := tripwire.NewService(tripwire.Options{
		Store: st, Scanners: scanners, Allow: allow,
		IncidentWindow: time.Duration(sc.IncidentWindow),
		Sinks:          sinkNames, SinkLevel: levels,
		OnAlert: func(al alert.Alert, isNew bool) {
			if !isNew {
				return
			}
			attrs := []any{"alert", al.ID, "rule", al.Rule.ID, "level", al.Rule.Level.String(), "summary", al.Summary}
			if al.Decoy != nil {
				attrs = append(attrs, "decoy", al.Decoy.ID, "mailbox", al.Decoy.Mailbox, "folder", al.Decoy.Folder, "trigger", al.Decoy.Trigger)
			}
			if al.Actor != nil {
				attrs = append(attrs, "source", al.Actor.IP)
			}
			log.Warn("decoy touched", attrs...)
			group.Notify()
		},
		Log: log,
		// Touches are answered once in the hit journal next to a file
		// store; the store catches up behind it.
		Journal:      journalDir(path),
		JournalFsync: sc.JournalFsync,
	})
	if err != nil {
		return err
	}
	// Hits answered before a crash are stored before anything new is.
	if err := svc.Replay(ctx); err != nil {
		return err
	}
	limiter := func() *tripwire.Limiter {
		if sc.Limit.PerSecond <= 0 {
			return nil
		}
		return tripwire.NewLimiter(sc.Limit.PerSecond, sc.Limit.Burst)
	}

	traps, stats, err := a.openTraps(ctx, sc, st, svc, limiter, log)
	if err != nil {
		for _, l := range traps {
			_ = l.shutdown(context.Background())
		}
		return err
	}
	admin, err := a.openAdmin(sc.Admin.Listen, svc, stats, st)
	if err != nil {
		for _, l := range traps {
			_ = l.shutdown(context.Background())
		}
		return err
	}
	if admin != nil {
		traps = append(traps, *admin)
	}

	// Start: the service first (traps record through it), delivery, then
	// the listeners.
	svcCtx, stopSvc := context.WithCancel(context.WithoutCancel(ctx))
	svcDone := make(chan struct{})
	go func() { _ = svc.Run(svcCtx); close(svcDone) }()
	deliverCtx, stopDeliver := context.WithCancel(context.WithoutCancel(ctx))
	deliverDone := make(chan struct{})
	go func() { _ = group.Run(deliverCtx); close(deliverDone) }()
	// Alerts other commands store (decoy verify's tamper alerts) are
	// delivered too: sweep for alerts of the last day no sink has queued.
	go func() {
		tick := time.NewTicker(30 * time.Second)
		defer tick.Stop()
		for {
			var queued int64
			for _, k := range sinkNames {
				n, err := st.EnqueueMissing(deliverCtx, k, levels[k], time.Now().Add(-24*time.Hour))
				if err != nil && deliverCtx.Err() == nil {
					log.Error("queue alerts for delivery", "sink", k, "err", err)
				}
				queued += n
			}
			if queued > 0 {
				group.Notify()
			}
			select {
			case <-deliverCtx.Done():
				return
			case <-tick.C:
			}
		}
	}()

	trapCtx, stopTraps := context.WithCancel(ctx)
	defer stopTraps()
	var wg sync.WaitGroup
	errc := make(chan error, len(traps))
	for _, l := range traps {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := l.serve(trapCtx); err != nil && !errors.Is(err, context.Canceled) && !errors.Is(err, http.ErrServerClosed) && !errors.Is(err, net.ErrClosed) {
				errc <- fmt.Errorf("%s trap on %s: %w", l.name, l.addr, err)
			}
		}()
	}
	var names []string
	for _, l := range traps {
		names = append(names, l.name+"="+l.addr)
	}
	log.Info("mailtrip serve started", "listeners", strings.Join(names, " "), "store", path, "sinks", len(sinkNames),
		"zone", a.cfg.Canary.DNSZone, "base_url", a.cfg.Canary.BaseURL)

	hup := make(chan os.Signal, 1)
	signal.Notify(hup, syscall.SIGHUP)
	defer signal.Stop(hup)
	var runErr error
loop:
	for {
		select {
		case <-ctx.Done():
			break loop
		case err := <-errc:
			runErr = err
			break loop
		case <-hup:
			if err := group.Reopen(); err != nil {
				log.Error("reopen sink files", "err", err)
			} else {
				log.Info("reopened sink files")
			}
		}
	}

	// Stop: listeners first, draining what is in flight (each in-flight
	// touch is stored before its answer), then the service (it stores
	// what is queued), then delivery.
	log.Info("mailtrip serve stopping")
	stopTraps()
	shutCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
	for _, l := range traps {
		if err := l.shutdown(shutCtx); err != nil {
			log.Warn("shutdown", "trap", l.name, "err", err)
		}
	}
	cancel()
	wg.Wait()
	stopSvc()
	<-svcDone
	stopDeliver()
	<-deliverDone
	log.Info("mailtrip serve stopped", "hits", svc.Stats().Recorded.Load(), "alerts", svc.Stats().Alerts.Load())
	if runErr != nil {
		return runErr
	}
	return nil
}

func (a *app) slogLevel() slog.Level {
	switch strings.ToLower(a.logLevel) {
	case "debug":
		return slog.LevelDebug
	case "warn":
		return slog.LevelWarn
	case "error":
		return slog.LevelError
	}
	return slog.LevelInfo
}

// warnCanary says loudly when breadcrumbs point at this machine's loopback
// or at the built-in zone: decoys planted so are traps nobody outside can
// trip.
func (a *app) warnCanary(log *slog.Logger) {
	for _, why := range loopbackCanary(a.cfg.Canary) {
		log.Warn("WARNING: "+why+": decoys planted with this configuration can only be tripped from this machine",
			"hint", "set canary.base_url, canary.dns_zone and canary.mail_domain to names that reach this server")
	}
}

// openTraps opens every enabled listener. On error, the traps opened so
// far are returned for the caller to close.
func (a *app) openTraps(ctx context.Context, sc config.Serve, st *store.Store, rec tripwire.Recorder, limiter func() *tripwire.Limiter, log *slog.Logger) ([]listener, *trapStats, error) {
	var out []listener
	stats := &trapStats{}
	on := func(addr string) bool { return addr != "" && addr != config.Off }

	if on(sc.HTTP.Listen) {
		var trusted []netip.Prefix
		for _, p := range sc.HTTP.TrustedProxies {
			pp, err := tripwire.ParsePrefix(p)
			if err != nil {
				return out, nil, usageError("serve.http.trusted_proxies: %v", err)
			}
			trusted = append(trusted, pp)
		}
		ln, err := net.Listen("tcp", sc.HTTP.Listen)
		if err != nil {
			return out, nil, fmt.Errorf("http trap: %w", err)
		}
		cfg := httptrap.Config{TrustedProxies: trusted, CertFile: sc.HTTP.TLSCert, KeyFile: sc.HTTP.TLSKey, Limiter: limiter()}
		cfg.Login = a.loginHandler(sc, rec, log, stats)
		srv := httptrap.New(cfg, rec, log.With("trap", "http"))
		stats.http = srv
		out = append(out, listener{name: "http", addr: ln.Addr().String(),
			serve: func(ctx context.Context) error { return srv.Serve(ctx, ln) }, shutdown: srv.Shutdown})
	}
	if on(sc.DNS.Listen) {
		cfg := dnstrap.Config{Zone: a.cfg.Canary.DNSZone, MX: sc.DNS.MX, TXT: sc.DNS.TXT, NS: sc.DNS.NS,
			DedupWindow: time.Duration(sc.DNS.DedupWindow), Limiter: limiter()}
		for _, s := range sc.DNS.A {
			cfg.A = append(cfg.A, netip.MustParseAddr(s))
		}
		for _, s := range sc.DNS.AAAA {
			cfg.AAAA = append(cfg.AAAA, netip.MustParseAddr(s))
		}
		if len(cfg.A)+len(cfg.AAAA) == 0 {
			cfg.A, cfg.AAAA = httpTrapAddrs(a.cfg.Canary.BaseURL, sc.HTTP.Listen)
		}
		pc, err := net.ListenPacket("udp", sc.DNS.Listen)
		if err != nil {
			return out, nil, fmt.Errorf("dns trap (udp): %w", err)
		}
		ln, err := net.Listen("tcp", pc.LocalAddr().String())
		if err != nil {
			pc.Close()
			return out, nil, fmt.Errorf("dns trap (tcp): %w", err)
		}
		srv := dnstrap.New(cfg, rec, log.With("trap", "dns"))
		stats.dns = srv
		out = append(out, listener{name: "dns", addr: pc.LocalAddr().String(),
			serve: func(ctx context.Context) error {
				errc := make(chan error, 2)
				go func() { errc <- srv.ServeUDP(ctx, pc) }()
				go func() { errc <- srv.Serve(ctx, ln) }()
				return errors.Join(<-errc, <-errc)
			}, shutdown: srv.Shutdown})
	}
	if on(sc.SMTP.Listen) {
		cfg := smtptrap.Config{Domains: []string{a.cfg.Canary.MailDomain}, Hostname: sc.SMTP.Hostname,
			MaxMessageBytes: sc.SMTP.MaxMessageBytes, MaxRecipients: sc.SMTP.MaxRecipients, Limiter: limiter()}
		if sc.SMTP.TLSCert != "" {
			tc, err := loadTLS(sc.SMTP.TLSCert, sc.SMTP.TLSKey)
			if err != nil {
				return out, nil, fmt.Errorf("smtp trap: %w", err)
			}
			cfg.TLSConfig = tc
		}
		ln, err := net.Listen("tcp", sc.SMTP.Listen)
		if err != nil {
			return out, nil, fmt.Errorf("smtp trap: %w", err)
		}
		srv := smtptrap.New(cfg, rec, log.With("trap", "smtp"))
		stats.smtp = srv
		out = append(out, listener{name: "smtp", addr: ln.Addr().String(),
			serve: func(ctx context.Context) error { return srv.Serve(ctx, ln) }, shutdown: srv.Shutdown})
	}
	more, err := a.openMoreTraps(ctx, sc, st, rec, limiter, log, stats)
	out = append(out, more...)
	return out, stats, err
}

// httpTrapAddrs is what the DNS trap answers for names in the zone when
// serve.dns.a/aaaa are not set: the canary base URL's host when it is an
// address, else the HTTP trap's listen address, else loopback.
func httpTrapAddrs(baseURL, listen string) (a, aaaa []netip.Addr) {
	pick := func(host string) bool {
		ad, err := netip.ParseAddr(strings.Trim(host, "[]"))
		if err != nil || ad.IsUnspecified() {
			return false
		}
		if ad.Is4() || ad.Is4In6() {
			a = append(a, ad.Unmap())
		} else {
			aaaa = append(aaaa, ad)
		}
		return true
	}
	if u, err := urlHost(baseURL); err == nil && pick(u) {
		return
	}
	if h, _, err := net.SplitHostPort(listen); err == nil && pick(h) {
		return
	}
	return []netip.Addr{netip.MustParseAddr("127.0.0.1")}, nil
}

// journalDir is the hit journal of the store at path: path + ".journal",
// or "" (no journal) for an in-memory store.
func journalDir(path string) string {
	if path == "" || path == sqlite.Memory || strings.HasPrefix(path, "file:") {
		return ""
	}
	return path + ".journal"
}
