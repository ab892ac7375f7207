package main

import (
	"context"
	"crypto/tls"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"time"

	"github.com/mailtrip/mailtrip/store"
	"github.com/mailtrip/mailtrip/tripwire"
	"github.com/mailtrip/mailtrip/tripwire/dnstrap"
	"github.com/mailtrip/mailtrip/tripwire/httptrap"
	"github.com/mailtrip/mailtrip/tripwire/smtptrap"
)

// trapStats holds the running traps for /metrics.
type trapStats struct {
	http *httptrap.Server
	dns  *dnstrap.Server
	smtp *smtptrap.Server
	more []func(w io.Writer) // counters of the traps opened by openMoreTraps
}

func loadTLS(certFile, keyFile string) (*tls.Config, error) {
	cert, err := tls.LoadX509KeyPair(certFile, keyFile)
	if err != nil {
		return nil, err
	}
	return &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12}, nil
}

func urlHost(raw string) (string, error) {
	u, err := url.Parse(raw)
	if err != nil {
		return "", err
	}
	return u.Hostname(), nil
}

// openAdmin serves /healthz (the store answers) and /metrics (Prometheus
// text format) on addr; nil when addr is off.
func (a *app) openAdmin(addr string, svc *tripwire.Service, ts *trapStats, st *store.Store) (*listener, error) {
	if addr == "" || addr == "off" {
		return nil, nil
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("admin listener: %w", err)
	}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) {
		ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
		defer cancel()
		if _, err := st.SchemaVersion(ctx); err != nil {
			http.Error(w, "store: "+err.Error(), http.StatusServiceUnavailable)
			return
		}
		io.WriteString(w, "ok\n")
	})
	mux.HandleFunc("GET /metrics", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain; version=0.0.4; charset=utf-8")
		writeMetrics(w, svc, ts)
	})
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 5 * time.Second, ReadTimeout: 10 * time.Second, WriteTimeout: 10 * time.Second}
	return &listener{name: "admin", addr: ln.Addr().String(),
		serve: func(ctx context.Context) error {
			err := srv.Serve(ln)
			if err == http.ErrServerClosed {
				return nil
			}
			return err
		}, shutdown: srv.Shutdown}, nil
}

// metric writes one counter or gauge in the Prometheus text format.
func metric(w io.Writer, name, kind, help string, v int64, labels ...string) {
	fmt.Fprintf(w, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, kind)
	if len(labels) == 2 {
		fmt.Fprintf(w, "%s{%s=%q} %d\n", name, labels[0], labels[1], v)
		return
	}
	fmt.Fprintf(w, "%s %d\n", name, v)
}

func writeMetrics(w io.Writer, svc *tripwire.Service, ts *trapStats) {
	s := svc.Stats()
	metric(w, "mailtrip_hits_recorded_total", "counter", "Tripwire hits stored.", s.Recorded.Load())
	metric(w, "mailtrip_hits_resolved_total", "counter", "Hits that resolved to a decoy.", s.Resolved.Load())
	metric(w, "mailtrip_hits_scanner_total", "counter", "Hits judged link scanners or image proxies.", s.Scanner.Load())
	metric(w, "mailtrip_hits_failed_total", "counter", "Hits that could not be stored.", s.Failed.Load())
	metric(w, "mailtrip_hit_batches_total", "counter", "Group-commit transactions of hits.", s.Batches.Load())
	metric(w, "mailtrip_hits_attributed_total", "counter", "Hits attributed to incidents.", s.Attributed.Load())
	metric(w, "mailtrip_hits_pending", "gauge", "Hits stored but not yet attributed.", s.Pending.Load())
	metric(w, "mailtrip_alerts_raised_total", "counter", "New incident alerts.", s.Alerts.Load())
	metric(w, "mailtrip_hit_journal_writes_total", "counter", "Batches appended to the hit journal.", s.JournalWrites.Load())
	metric(w, "mailtrip_hit_journal_lag_bytes", "gauge", "Hit journal bytes not yet applied to the store.", s.JournalLagBytes.Load())
	metric(w, "mailtrip_hit_journal_lag_hits", "gauge", "Journaled hits not yet applied to the store.", s.JournalLagHits.Load())
	if ts == nil {
		return
	}
	if ts.http != nil {
		h := ts.http.Stats()
		metric(w, "mailtrip_http_requests_total", "counter", "Requests to the HTTP trap.", h.Requests)
		metric(w, "mailtrip_http_hits_total", "counter", "HTTP requests recorded as hits.", h.Hits)
		metric(w, "mailtrip_http_noise_total", "counter", "HTTP requests without a token (not recorded).", h.Noise)
		metric(w, "mailtrip_http_refused_total", "counter", "HTTP requests refused by the rate limit.", h.Refused)
		metric(w, "mailtrip_http_errors_total", "counter", "HTTP requests answered 503 (store failed).", h.Errors)
	}
	if ts.dns != nil {
		d := ts.dns.Stats()
		metric(w, "mailtrip_dns_queries_total", "counter", "Queries to the DNS trap.", d.Queries)
		metric(w, "mailtrip_dns_hits_total", "counter", "DNS queries recorded as hits.", d.Hits)
		metric(w, "mailtrip_dns_repeats_total", "counter", "DNS hits that repeat a touch within the dedup window.", d.Repeats)
		metric(w, "mailtrip_dns_noise_total", "counter", "DNS queries without a token.", d.Noise)
	}
	if ts.smtp != nil {
		m := ts.smtp.Stats()
		metric(w, "mailtrip_smtp_connections_total", "counter", "SMTP trap connections.", m.Connections)
		metric(w, "mailtrip_smtp_messages_total", "counter", "Messages recorded by the SMTP trap.", m.Messages)
		metric(w, "mailtrip_smtp_refused_total", "counter", "SMTP connections and messages refused by limits.", m.Refused)
		metric(w, "mailtrip_smtp_errors_total", "counter", "SMTP messages answered 451 (store failed).", m.Errors)
	}
	for _, f := range ts.more {
		f(w)
	}
}
