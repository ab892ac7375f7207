package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/mailtrip/mailtrip/alert"
)

// Incident kinds: touches by people are kept apart from those of link
// scanners, allow-listed (expected) traffic and `decoy test`, so each kind
// raises its own alert at its own severity.
const (
	IncidentPerson   = "person"
	IncidentScanner  = "scanner"
	IncidentExpected = "expected"
	IncidentTest     = "test"
)

// Incident groups the hits of one decoy from one source while they keep
// coming. Its id is the id of the alert it raised.
type Incident struct {
	ID      string
	DecoyID string
	Source  string // an address (IPv6 as its /64), or "local" for file hits
	Kind    string // IncidentPerson, IncidentScanner, IncidentExpected or IncidentTest
	FirstAt time.Time
	LastAt  time.Time
	Hits    int
	Traps   []string // trap names in order of first touch
}

// OpenIncident returns the newest incident of (decoy, source, kind) whose
// last hit is at or after since, or [ErrNotFound].
func (s *Store) OpenIncident(ctx context.Context, decoyID, source, kind string, since time.Time) (Incident, error) {
	var in Incident
	var traps string
	err := s.db.QueryRowContext(ctx, s.q(`SELECT id, decoy_id, source, kind, first_at, last_at, hits, traps
	FROM incidents WHERE decoy_id = ? AND source = ? AND kind = ? AND last_at >= ?
	ORDER BY last_at DESC LIMIT 1`), decoyID, source, kind, s.encodeTime(since)).Scan(
		&in.ID, &in.DecoyID, &in.Source, &in.Kind, s.scanTime(&in.FirstAt), s.scanTime(&in.LastAt), &in.Hits, &traps)
	if err != nil {
		return Incident{}, s.wrap("open incident", err)
	}
	if traps != "" {
		in.Traps = strings.Split(traps, ",")
	}
	return in, nil
}

// Incidents lists the incidents of a decoy ("" for all), newest first.
func (s *Store) Incidents(ctx context.Context, decoyID string, n int) ([]Incident, error) {
	var where []string
	var args []any
	if decoyID != "" {
		where, args = append(where, "decoy_id = ?"), append(args, decoyID)
	}
	q, args := limit(`SELECT id, decoy_id, source, kind, first_at, last_at, hits, traps FROM incidents`+
		whereClause(where)+` ORDER BY last_at DESC, id`, args, n)
	rows, err := s.db.QueryContext(ctx, s.q(q), args...)
	if err != nil {
		return nil, s.wrap("list incidents", err)
	}
	defer rows.Close()
	var out []Incident
	for rows.Next() {
		var in Incident
		var traps string
		if err := rows.Scan(&in.ID, &in.DecoyID, &in.Source, &in.Kind, s.scanTime(&in.FirstAt),
			s.scanTime(&in.LastAt), &in.Hits, &traps); err != nil {
			return nil, s.wrap("list incidents", err)
		}
		if traps != "" {
			in.Traps = strings.Split(traps, ",")
		}
		out = append(out, in)
	}
	return out, s.wrap("list incidents", rows.Err())
}

// Attribution is what attribution decided for the hits of one incident in
// one batch: the incident as it stands after them and its alert.
type Attribution struct {
	HitIDs   []int64
	Incident Incident
	Alert    alert.Alert
	// NewAlert is true when the incident (and its alert) begins in this
	// batch: the alert is inserted and queued in the outbox for the sinks
	// Enqueue names. Otherwise the stored alert's JSON is replaced and it
	// is not delivered again.
	NewAlert bool
	Enqueue  []string
	// SkipAlert leaves the stored alert as it is (the incident row is still
	// written): a busy incident's alert is refreshed at most every so often.
	SkipAlert bool
}

// maxInList bounds the ids in one "IN (...)" list.
const maxInList = 500

// Attribute applies attributions in one transaction: each incident is
// inserted or updated, each alert inserted or updated, new alerts queued in
// the outbox for the named sinks, and each hit marked done with its
// incident. Either all of it happens or none; a hit that is no longer new
// fails the whole batch with [ErrConflict].
func (s *Store) Attribute(ctx context.Context, as []Attribution) error {
	sts, err := s.attributionStmts(ctx)
	if err != nil {
		return s.wrap("attribute hits", err)
	}
	err = s.inTx(ctx, func(tx *sql.Tx) error { return s.attributeTx(ctx, tx, sts, as, true) })
	return s.wrap("attribute hits", err)
}

// attributeTx writes attributions in tx; markHits also moves their hits
// from new to done.
func (s *Store) attributeTx(ctx context.Context, tx *sql.Tx, sts attributionStmts, as []Attribution, markHits bool) error {
	incStmt := tx.StmtContext(ctx, sts.inc)
	alertStmt := tx.StmtContext(ctx, sts.alert)
	for _, a := range as {
		in := a.Incident
		if _, err := incStmt.ExecContext(ctx, in.ID, in.DecoyID, in.Source, in.Kind, s.encodeTime(in.FirstAt),
			s.encodeTime(in.LastAt), in.Hits, strings.Join(in.Traps, ",")); err != nil {
			return fmt.Errorf("incident %s: %w", in.ID, err)
		}
		if !a.SkipAlert || a.NewAlert {
			row, err := s.alertRow(a.Alert)
			if err != nil {
				return fmt.Errorf("alert %s: %w", a.Alert.ID, err)
			}
			if _, err := alertStmt.ExecContext(ctx, row...); err != nil {
				return fmt.Errorf("alert %s: %w", a.Alert.ID, err)
			}
		}
		if a.NewAlert {
			if err := s.enqueue(ctx, tx, a.Alert.ID, a.Enqueue, now()); err != nil {
				return fmt.Errorf("outbox %s: %w", a.Alert.ID, err)
			}
		}
		for ids := a.HitIDs; markHits && len(ids) > 0; {
			chunk := ids[:min(len(ids), maxInList)]
			ids = ids[len(chunk):]
			args := make([]any, 0, len(chunk)+3)
			args = append(args, HitDone, in.ID, HitNew)
			for _, id := range chunk {
				args = append(args, id)
			}
			res, err := tx.ExecContext(ctx, s.q(`UPDATE hits SET state = ?, incident_id = ? WHERE state = ? AND id IN (?`+
				strings.Repeat(", ?", len(chunk)-1)+`)`), args...)
			if err != nil {
				return fmt.Errorf("hits of incident %s: %w", in.ID, err)
			}
			if n, err := res.RowsAffected(); err != nil || n != int64(len(chunk)) {
				// Another attributor (a second serve on the same store)
				// handled some of them first: keep its result.
				return fmt.Errorf("hits of incident %s: %w", in.ID, ErrConflict)
			}
		}
	}
	return nil
}

// MaxHitID is the largest hit id stored (0 when there is none).
func (s *Store) MaxHitID(ctx context.Context) (int64, error) {
	var n int64
	err := s.db.QueryRowContext(ctx, `SELECT COALESCE(MAX(id), 0) FROM hits`).Scan(&n)
	return n, s.wrap("max hit id", err)
}

// AddHitsAttributed stores hits that carry their ids, states and
// incidents, together with the attributions of those incidents, in one
// transaction.
func (s *Store) AddHitsAttributed(ctx context.Context, hs []Hit, as []Attribution) error {
	return s.addHitsAttributed(ctx, hs, as, true, nil)
}

// addHitsAttributed is AddHitsAttributed; checkData validates each hit's
// Data as JSON, and also, when not nil, runs in the same transaction
// after the rest.
func (s *Store) addHitsAttributed(ctx context.Context, hs []Hit, as []Attribution, checkData bool, also func(*sql.Tx) error) error {
	sts, err := s.attributionStmts(ctx)
	if err != nil {
		return s.wrap("add attributed hits", err)
	}
	// Hits go in hitRows at a time through one multi-row statement (SQLite
	// spends more per statement than per row), the rest one by one; plain
	// rows (see qInsertPlainHit) through statements of their own shape.
	// (Prepared before the transaction: the pool's one connection is the
	// transaction's.)
	full, err := s.hitShape(ctx, hitCols, qInsertHitWithID, qInsertHitsWithID)
	if err != nil {
		return s.wrap("add attributed hits", err)
	}
	plain, err := s.hitShape(ctx, plainHitCols, qInsertPlainHit, qInsertPlainHits)
	if err != nil {
		return s.wrap("add attributed hits", err)
	}
	err = s.inTx(ctx, func(tx *sql.Tx) error {
		full.begin(tx)
		plain.begin(tx)
		for i, h := range hs {
			if h.ID <= 0 {
				return fmt.Errorf("hit %d: no id: %w", i, ErrInvalid)
			}
			if h.Time.IsZero() {
				h.Time = now()
			}
			var data any
			if len(h.Data) > 0 {
				if checkData && !json.Valid(h.Data) {
					return fmt.Errorf("hit %d: data is not JSON: %w", i, ErrInvalid)
				}
				data = string(h.Data)
			}
			state := h.State
			if state == "" {
				state = HitDone
				if h.DecoyID != "" && h.IncidentID == "" {
					state = HitNew
				}
			}
			var err error
			if !h.Scanner && !h.Expected && !h.Test && state == HitDone {
				err = plain.add(ctx, h.ID, s.encodeTime(h.Time), nullString(h.DecoyID), nullString(h.SubID),
					h.Trigger, h.SourceIP, h.SourcePort, h.UserAgent, data, nullString(h.IncidentID))
			} else {
				err = full.add(ctx, h.ID, s.encodeTime(h.Time), nullString(h.DecoyID), nullString(h.SubID),
					h.Trigger, h.SourceIP, h.SourcePort, h.UserAgent, data, h.Scanner, h.Expected, h.Test,
					state, nullString(h.IncidentID))
			}
			if err != nil {
				return err
			}
		}
		if err := full.flush(ctx); err != nil {
			return err
		}
		if err := plain.flush(ctx); err != nil {
			return err
		}
		if err := s.attributeTx(ctx, tx, sts, as, false); err != nil {
			return err
		}
		if also != nil {
			return also(tx)
		}
		return nil
	})
	return s.wrap("add attributed hits", err)
}

// hitShape gathers hit rows of one column shape and inserts them hitRows
// at a time with its multi-row statement, what is left row by row.
type hitShape struct {
	cols          int
	one, many     *sql.Stmt // prepared on the Store
	tx            *sql.Tx
	oneTx, manyTx *sql.Stmt // bound to tx when first used
	args          []any
}

func (s *Store) hitShape(ctx context.Context, cols int, one, many string) (*hitShape, error) {
	o, err := s.stmt(ctx, one)
	if err != nil {
		return nil, err
	}
	m, err := s.stmt(ctx, many)
	if err != nil {
		return nil, err
	}
	return &hitShape{cols: cols, one: o, many: m}, nil
}

// begin starts the rows of transaction tx.
func (h *hitShape) begin(tx *sql.Tx) {
	h.tx, h.oneTx, h.manyTx, h.args = tx, nil, nil, h.args[:0]
}

// add queues one row's values, inserting a full statement's worth.
func (h *hitShape) add(ctx context.Context, vals ...any) error {
	if h.args == nil {
		h.args = make([]any, 0, h.cols*hitRows)
	}
	h.args = append(h.args, vals...)
	if len(h.args) < h.cols*hitRows {
		return nil
	}
	if h.manyTx == nil {
		h.manyTx = h.tx.StmtContext(ctx, h.many)
	}
	_, err := h.manyTx.ExecContext(ctx, h.args...)
	h.args = h.args[:0]
	return err
}

// flush inserts the rows still queued, one by one.
func (h *hitShape) flush(ctx context.Context) error {
	if len(h.args) == 0 {
		return nil
	}
	if h.oneTx == nil {
		h.oneTx = h.tx.StmtContext(ctx, h.one)
	}
	for args := h.args; len(args) > 0; args = args[h.cols:] {
		if _, err := h.oneTx.ExecContext(ctx, args[:h.cols]...); err != nil {
			return err
		}
	}
	h.args = h.args[:0]
	return nil
}
