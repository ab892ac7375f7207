package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"runtime"
	"time"

	"github.com/mailtrip/mailtrip/config"
	"github.com/mailtrip/mailtrip/store"
	"github.com/mailtrip/mailtrip/tripwire"
	"github.com/mailtrip/mailtrip/tripwire/credtrap"
	"github.com/mailtrip/mailtrip/tripwire/filetrap"
)

// loginHandler is the decoy sign-in page the HTTP trap mounts on its login
// paths: it records every attempt and answers "invalid" to all of them.
func (a *app) loginHandler(sc config.Serve, rec tripwire.Recorder, log *slog.Logger, stats *trapStats) http.Handler {
	title := sc.HTTP.LoginTitle
	if title == "" {
		title = "Sign in"
	}
	h := credtrap.NewLoginHandler(credtrap.LoginConfig{Title: title, Brand: orgFromConfig(a.cfg.Org, time.Now()).Name}, rec, log.With("trap", "cred-http"))
	stats.more = append(stats.more, func(w io.Writer) {
		s := h.Stats()
		metric(w, "mailtrip_login_page_attempts_total", "counter", "Sign-ins posted to the decoy login page.", s.Attempts)
		metric(w, "mailtrip_login_page_accepted_total", "counter", "Sign-ins with a decoy credential.", s.Accepted)
	})
	return h
}

// openMoreTraps opens the decoy-login IMAP server and the file trap.
func (a *app) openMoreTraps(ctx context.Context, sc config.Serve, st *store.Store, rec tripwire.Recorder, limiter func() *tripwire.Limiter, log *slog.Logger, stats *trapStats) ([]listener, error) {
	var out []listener
	if sc.IMAP.Listen != "" && sc.IMAP.Listen != config.Off {
		cfg := credtrap.IMAPConfig{Limiter: limiter()}
		if sc.IMAP.TLSCert != "" {
			tc, err := loadTLS(sc.IMAP.TLSCert, sc.IMAP.TLSKey)
			if err != nil {
				return out, fmt.Errorf("imap trap: %w", err)
			}
			cfg.TLSConfig = tc
		}
		ln, err := net.Listen("tcp", sc.IMAP.Listen)
		if err != nil {
			return out, fmt.Errorf("imap trap: %w", err)
		}
		srv := credtrap.NewIMAP(cfg, rec, log.With("trap", "cred-imap"))
		stats.more = append(stats.more, func(w io.Writer) {
			s := srv.Stats()
			metric(w, "mailtrip_imap_attempts_total", "counter", "Logins tried at the decoy IMAP server.", s.Attempts)
			metric(w, "mailtrip_imap_accepted_total", "counter", "Logins with a decoy credential.", s.Accepted)
			metric(w, "mailtrip_imap_failed_total", "counter", "Logins refused (authentication noise).", s.Failed)
		})
		out = append(out, listener{name: "imap", addr: ln.Addr().String(),
			serve: func(ctx context.Context) error { return srv.Serve(ctx, ln) }, shutdown: srv.Shutdown})
	}
	enabled := runtime.GOOS == "linux"
	if sc.Files.Enabled != nil {
		enabled = *sc.Files.Enabled
	}
	if enabled {
		ft := filetrap.New(filetrap.Config{Paths: sc.Files.Paths, Mode: sc.Files.Mode, Limiter: limiter()}, rec, log.With("trap", "file"))
		stats.more = append(stats.more, func(w io.Writer) {
			s := ft.Stats()
			metric(w, "mailtrip_file_events_total", "counter", "File events seen by the file trap.", s.Events)
			metric(w, "mailtrip_file_hits_total", "counter", "Decoy file touches recorded.", s.Hits)
			metric(w, "mailtrip_file_watches", "gauge", "Files and folders watched.", s.Watches)
		})
		out = append(out, listener{name: "files", addr: "planted decoy files",
			serve: func(ctx context.Context) error {
				go watchPlantings(ctx, st, ft, log)
				err := ft.Run(ctx)
				if errors.Is(err, filetrap.ErrUnsupported) {
					log.Warn("file trap not available on this system", "err", err)
					<-ctx.Done()
					return nil
				}
				return err
			},
			shutdown: func(context.Context) error { return nil }}) // Run ends with its context
	}
	return out, nil
}

// watchPlantings keeps the file trap on the files of active plantings
// (files:, eml: and Maildir decoys), checking the store every 30 seconds
// for decoys planted or removed meanwhile.
func watchPlantings(ctx context.Context, st *store.Store, ft *filetrap.Trap, log *slog.Logger) {
	watched := map[string]bool{}
	tick := time.NewTicker(30 * time.Second)
	defer tick.Stop()
	// Wait for the trap to start before the first Add.
	for ft.Mode() == "" {
		select {
		case <-ctx.Done():
			return
		case <-time.After(20 * time.Millisecond):
		}
	}
	for {
		ps, err := st.Plantings(ctx, store.PlantingFilter{Active: true})
		if err != nil {
			if ctx.Err() != nil {
				return
			}
			log.Error("file trap: list plantings", "err", err)
		}
		now := map[string]bool{}
		for _, p := range ps {
			file := p.File()
			if file == "" {
				continue
			}
			now[file] = true
			if !watched[file] {
				if err := ft.Add(file); err != nil {
					log.Warn("file trap: cannot watch a planted decoy", "path", file, "decoy", p.DecoyID, "err", err)
					continue
				}
				watched[file] = true
			}
		}
		for path := range watched {
			if !now[path] {
				_ = ft.Remove(path)
				delete(watched, path)
			}
		}
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
	}
}
