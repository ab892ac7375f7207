package tripwire

import (
	"context"
	"errors"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/mailtrip/mailtrip/store"
)

// resolver maps what a trap saw to a decoy: sub-ids through the token
// registry (cached: tokens never change once minted), credentials by their
// (user, password) pair, file paths through the plantings. Unknown sub-ids
// are remembered for a while so a flood of made-up tokens does not turn
// into a flood of queries.
type resolver struct {
	st *store.Store

	mu        sync.RWMutex
	subs      map[string]store.TokenRecord
	misses    map[string]time.Time
	plantedAt map[string]plantedEntry
	windows   map[string]windowEntry
}

type windowEntry struct {
	ws      []store.TestWindow
	fetched time.Time
}

// windowTTL is how long a decoy's test windows are cached: `decoy test`
// waits longer than this between opening its window and firing.
const windowTTL = 500 * time.Millisecond

type plantedEntry struct {
	at      time.Time
	fetched time.Time
}

const (
	missTTL       = 30 * time.Second
	maxMisses     = 100_000
	plantedTTL    = 30 * time.Second
	maxSubsKept   = 16 // candidate sub-ids kept in a hit's evidence
	maxDetailSize = 64 // top-level detail keys kept
)

func newResolver(st *store.Store) *resolver {
	return &resolver{
		st:        st,
		subs:      make(map[string]store.TokenRecord),
		misses:    make(map[string]time.Time),
		plantedAt: make(map[string]plantedEntry),
		windows:   make(map[string]windowEntry),
	}
}

type resolution struct {
	decoyID    string
	sub        string
	kind       string
	credential bool
	plantedAt  time.Time
	detail     map[string]any
}

func (r *resolver) resolve(ctx context.Context, h Hit) (resolution, error) {
	// The hit's own Detail map is the evidence (Record owns it from the
	// call on); one with too many keys is cut to a copy.
	res := resolution{detail: h.Detail}
	if res.detail == nil || len(res.detail) > maxDetailSize {
		res.detail = make(map[string]any, min(len(h.Detail), maxDetailSize)+4)
		n := 0
		for k, v := range h.Detail {
			if n == maxDetailSize {
				break
			}
			res.detail[k] = v
			n++
		}
	}
	// The candidates are kept when they say more than the sub-id the hit
	// resolved to (which has its own column): several, or none that
	// resolved.
	keepCandidates := len(h.Subs) > 1
	if h.User != "" {
		res.detail["user"] = truncate(h.User, 256)
	}
	if h.Path != "" {
		res.detail["path"] = h.Path
	}
	if h.Test {
		res.detail["test"] = true
	}
	for _, sub := range h.Subs {
		t, ok, err := r.lookupSub(ctx, string(sub))
		if err != nil {
			return res, err
		}
		if ok {
			res.decoyID, res.sub, res.kind = t.DecoyID, t.Sub, t.Kind
			res.detail["token_kind"] = t.Kind
			res.detail["token_value"] = t.Value
			break
		}
	}
	if keepCandidates || (len(h.Subs) == 1 && string(h.Subs[0]) != res.sub) {
		seen := make([]string, 0, min(len(h.Subs), maxSubsKept))
		for _, s := range h.Subs[:min(len(h.Subs), maxSubsKept)] {
			seen = append(seen, string(s))
		}
		res.detail["candidates"] = seen
	}
	if res.decoyID == "" && h.User != "" {
		t, err := r.st.LookupCredential(ctx, h.User, h.Password)
		switch {
		case err == nil:
			res.decoyID, res.sub, res.kind, res.credential = t.DecoyID, t.Sub, t.Kind, true
			res.detail["token_kind"] = t.Kind
		case !errors.Is(err, store.ErrNotFound):
			return res, err
		}
	}
	if res.decoyID == "" && h.Trap == TrapSMTP {
		// A forwarded decoy whose links were stripped is still known by its
		// Message-ID (or a reply's In-Reply-To and References).
		if hdr, ok := h.Detail["headers"].(map[string]any); ok {
			for _, k := range []string{"Message-ID", "In-Reply-To", "References"} {
				v, _ := hdr[k].(string)
				for _, id := range messageIDs(v) {
					ds, err := r.st.Decoys(ctx, store.DecoyFilter{MessageID: id, Limit: 1})
					if err != nil {
						return res, err
					}
					if len(ds) > 0 && res.decoyID == "" {
						res.decoyID, res.kind = ds[0].ID, "message-id"
						res.detail["token_kind"] = "message-id"
						res.detail["token_value"] = id
						res.detail["matched_header"] = k
					}
				}
				if res.decoyID != "" {
					break
				}
			}
		}
	}
	if res.decoyID == "" && h.Path != "" {
		ps, err := r.st.Plantings(ctx, store.PlantingFilter{Path: h.Path, Active: true})
		if err != nil {
			return res, err
		}
		if len(ps) == 0 {
			// A Maildir message is renamed when a client reads it (flags
			// after ":2,", new/ → cur/): match by its unique name.
			if p, ok, err := r.maildirPlanting(ctx, h.Path); err != nil {
				return res, err
			} else if ok {
				ps = append(ps, p)
			}
		}
		if len(ps) > 0 {
			res.decoyID, res.kind = ps[0].DecoyID, "file"
			res.detail["token_kind"] = "file"
			res.detail["planted_path"] = ps[0].Path
		}
	}
	if res.decoyID != "" {
		at, err := r.planted(ctx, res.decoyID)
		if err != nil {
			return res, err
		}
		res.plantedAt = at
	}
	return res, nil
}

// messageIDs returns the <...> message ids in a header value (at most 20).
func messageIDs(v string) []string {
	var out []string
	for len(out) < 20 {
		i := strings.IndexByte(v, '<')
		if i < 0 {
			break
		}
		j := strings.IndexByte(v[i:], '>')
		if j < 0 {
			break
		}
		out = append(out, v[i:i+j+1])
		v = v[i+j+1:]
	}
	return out
}

// maildirPlanting finds the active Maildir planting whose file is path
// after a rename by a mail client.
func (r *resolver) maildirPlanting(ctx context.Context, path string) (store.Planting, bool, error) {
	unique := maildirUnique(path)
	if unique == "" {
		return store.Planting{}, false, nil
	}
	ps, err := r.st.Plantings(ctx, store.PlantingFilter{Kind: store.TargetMaildir, Active: true})
	if err != nil {
		return store.Planting{}, false, err
	}
	for _, p := range ps {
		if maildirUnique(p.Path) == unique {
			return p, true, nil
		}
	}
	return store.Planting{}, false, nil
}

// maildirUnique is a Maildir file's unique name (before ":2," and the
// flags), or "" when path is not in a cur/ or new/ folder.
func maildirUnique(path string) string {
	dir, base := filepath.Split(path)
	if d := filepath.Base(filepath.Clean(dir)); d != "cur" && d != "new" {
		return ""
	}
	if i := strings.IndexByte(base, ':'); i >= 0 {
		base = base[:i]
	}
	return base
}

func (r *resolver) lookupSub(ctx context.Context, sub string) (store.TokenRecord, bool, error) {
	now := time.Now()
	r.mu.RLock()
	t, ok := r.subs[sub]
	missAt, missed := r.misses[sub]
	r.mu.RUnlock()
	if ok {
		return t, true, nil
	}
	if missed && now.Sub(missAt) < missTTL {
		return store.TokenRecord{}, false, nil
	}
	t, err := r.st.LookupSub(ctx, sub)
	r.mu.Lock()
	defer r.mu.Unlock()
	switch {
	case err == nil:
		r.subs[sub] = t
		delete(r.misses, sub)
		return t, true, nil
	case errors.Is(err, store.ErrNotFound):
		if len(r.misses) >= maxMisses {
			clear(r.misses)
		}
		r.misses[sub] = now
		return store.TokenRecord{}, false, nil
	default:
		return store.TokenRecord{}, false, err
	}
}

// testPurpose returns the purpose of the test window (store.PurposeTest
// or PurposeVerify) a hit of decoyID from src at time at falls in, or "".
// fresh skips the cache (file hits: `decoy verify` reads right after
// opening its window).
func (r *resolver) testPurpose(ctx context.Context, decoyID, src string, at time.Time, fresh bool) (string, error) {
	now := time.Now()
	r.mu.RLock()
	e, ok := r.windows[decoyID]
	r.mu.RUnlock()
	if !ok || fresh || now.Sub(e.fetched) > windowTTL {
		ws, err := r.st.DecoyTests(ctx, decoyID, now.Add(-time.Minute))
		if err != nil {
			return "", err
		}
		e = windowEntry{ws: ws, fetched: now}
		r.mu.Lock()
		if len(r.windows) > 100_000 {
			clear(r.windows)
		}
		r.windows[decoyID] = e
		r.mu.Unlock()
	}
	purpose := ""
	for _, w := range e.ws {
		if w.Source == src && !at.Before(w.Start) && !at.After(w.End) {
			if purpose == "" || w.Purpose == store.PurposeTest {
				purpose = w.Purpose
			}
		}
	}
	return purpose, nil
}

// planted returns when the decoy was last planted (zero if never), cached
// briefly: the scanner judgement compares a hit's time with it.
func (r *resolver) planted(ctx context.Context, decoyID string) (time.Time, error) {
	now := time.Now()
	r.mu.RLock()
	e, ok := r.plantedAt[decoyID]
	r.mu.RUnlock()
	if ok && now.Sub(e.fetched) < plantedTTL {
		return e.at, nil
	}
	ps, err := r.st.Plantings(ctx, store.PlantingFilter{DecoyID: decoyID, Active: true})
	if err != nil {
		return time.Time{}, err
	}
	var at time.Time
	for _, p := range ps {
		if p.PlantedAt.After(at) {
			at = p.PlantedAt
		}
	}
	r.mu.Lock()
	if len(r.plantedAt) > 100_000 {
		clear(r.plantedAt)
	}
	r.plantedAt[decoyID] = plantedEntry{at: at, fetched: now}
	r.mu.Unlock()
	return at, nil
}
