package main

import (
	"context"
	"errors"
	"fmt"
	"io/fs"

	"github.com/mailtrip/mailtrip/detect/planted"
	"github.com/mailtrip/mailtrip/store"
	"github.com/mailtrip/mailtrip/store/sqlite"
)

// loadDecoys reads the decoy registry for scan from the store, read-only:
// scan never writes to it. No store yet means no decoys: nil, no error.
func (a *app) loadDecoys(ctx context.Context, dbFlag string) (*planted.Registry, error) {
	path, err := a.cfg.DBPath(dbFlag)
	if err != nil {
		return nil, err
	}
	st, err := sqlite.OpenReadOnly(ctx, path)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) && dbFlag == "" {
			return nil, nil
		}
		return nil, err
	}
	defer st.Close()
	return registryOf(ctx, st)
}

// registryOf reads the decoys and their active plantings from a store.
func registryOf(ctx context.Context, st *store.Store) (*planted.Registry, error) {
	decoys, err := st.Decoys(ctx, store.DecoyFilter{})
	if err != nil {
		return nil, err
	}
	ps, err := st.Plantings(ctx, store.PlantingFilter{Active: true})
	if err != nil {
		return nil, err
	}
	places := map[string][]planted.Place{}
	for _, p := range ps {
		places[p.DecoyID] = append(places[p.DecoyID], planted.Place{Kind: p.TargetKind, Target: p.Target, Folder: p.Folder, Path: p.Path})
	}
	reg := planted.NewRegistry()
	for _, d := range decoys {
		toks, err := st.Tokens(ctx, d.ID)
		if err != nil {
			return nil, fmt.Errorf("tokens of decoy %s: %w", d.ID, err)
		}
		var ts []planted.Token
		for _, t := range toks {
			ts = append(ts, planted.Token{Sub: t.Sub, Kind: t.Kind, Value: t.Value})
		}
		reg.Add(planted.Decoy{ID: d.ID, MessageID: d.MessageID, Places: places[d.ID]}, ts)
	}
	return reg, nil
}
