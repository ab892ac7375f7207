package main

import (
	"log/slog"
	"net/http"

	"github.com/mailtrip/mailtrip/config"
	"github.com/mailtrip/mailtrip/tripwire"
)

// loginHandler is the decoy sign-in page the HTTP trap mounts (credtrap).
func (a *app) loginHandler(sc config.Serve, rec tripwire.Recorder, log *slog.Logger) http.Handler {
	return nil
}

// openMoreTraps opens the decoy-login IMAP server and the file trap.
func (a *app) openMoreTraps(sc config.Serve, rec tripwire.Recorder, limiter func() *tripwire.Limiter, log *slog.Logger, stats *trapStats) ([]listener, error) {
	return nil, nil
}
