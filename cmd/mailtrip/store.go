package main

import (
	"context"
	"fmt"

	"github.com/mailtrip/mailtrip/store"
	"github.com/mailtrip/mailtrip/store/sqlite"
)

// openStore opens the store every state-keeping command uses: --db, else
// $MAILTRIP_DB, else store: in the config, else
// $XDG_STATE_HOME/mailtrip/mailtrip.db (SQLite, created on first use).
func (a *app) openStore(ctx context.Context) (*store.Store, string, error) {
	path, err := a.cfg.DBPath(a.dbFlag)
	if err != nil {
		return nil, "", &exitError{code: exitUsage, err: err}
	}
	st, err := sqlite.Open(ctx, path)
	if err != nil {
		return nil, path, &exitError{code: exitUsage, err: fmt.Errorf("open store: %w", err)}
	}
	return st, path, nil
}

// withStore runs fn on the store and closes it afterwards.
func (a *app) withStore(ctx context.Context, fn func(*store.Store) error) error {
	st, _, err := a.openStore(ctx)
	if err != nil {
		return err
	}
	defer st.Close()
	return fn(st)
}
