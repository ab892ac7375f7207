package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"time"
)

// Hit states: attribution picks up 'new' hits and leaves them 'done'.
const (
	HitNew  = "new"
	HitDone = "done"
)

// Hit is one touch of a tripwire.
type Hit struct {
	ID         int64 // assigned by AddHit
	Time       time.Time
	DecoyID    string // "" when the touched breadcrumb did not resolve
	SubID      string // "" when it did not resolve to a token
	Trigger    string // which trap: http, dns, smtp, cred, file, audit
	SourceIP   string
	SourcePort int
	UserAgent  string
	Data       json.RawMessage // the trap's details (request line, query name, ...)
	Scanner    bool            // judged a link scanner or prefetcher, not a person
	Expected   bool            // matched the allow-list: expected traffic, not an intrusion
	Test       bool            // fired by `mailtrip decoy test`
	// State is HitNew for a resolved hit that attribution has not handled
	// yet (AddHit sets it so when DecoyID is set and State is empty), else
	// HitDone.
	State      string
	IncidentID string // the incident attribution put it in
}

// HitFilter selects hits; zero fields select everything.
type HitFilter struct {
	DecoyID    string
	IncidentID string
	State      string
	Since      time.Time
	AfterID    int64 // only hits with a larger id
	Limit      int
}

// AddHit records a hit and returns its id. A DecoyID or SubID the store does
// not know fails with [ErrNotFound]: record unresolved touches with both
// empty and what was seen in Data.
func (s *Store) AddHit(ctx context.Context, h Hit) (int64, error) {
	ids, err := s.AddHits(ctx, []Hit{h})
	if err != nil {
		return 0, err
	}
	return ids[0], nil
}

// AddHits records hits in one transaction — all or none — and returns their
// ids in order. Tripwires use it for group commit: concurrent touches share
// one transaction and one sync of the log.
func (s *Store) AddHits(ctx context.Context, hs []Hit) ([]int64, error) {
	ids := make([]int64, len(hs))
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		stmt, err := tx.PrepareContext(ctx, s.q(`INSERT INTO hits
	(time, decoy_id, sub_id, trigger, source_ip, source_port, user_agent, data, scanner, expected, test, state, incident_id)
	VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`))
		if err != nil {
			return err
		}
		defer stmt.Close()
		for i, h := range hs {
			if h.Time.IsZero() {
				h.Time = now()
			}
			var data any
			if len(h.Data) > 0 {
				if !json.Valid(h.Data) {
					return fmt.Errorf("hit %d: data is not JSON: %w", i, ErrInvalid)
				}
				data = string(h.Data)
			}
			state := h.State
			if state == "" {
				state = HitDone
				if h.DecoyID != "" {
					state = HitNew
				}
			}
			if err := stmt.QueryRowContext(ctx, s.encodeTime(h.Time), nullString(h.DecoyID), nullString(h.SubID),
				h.Trigger, h.SourceIP, h.SourcePort, h.UserAgent, data, h.Scanner, h.Expected, h.Test,
				state, nullString(h.IncidentID)).Scan(&ids[i]); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return nil, s.wrap("add hits", err)
	}
	return ids, nil
}

// Hits lists hits matching f, oldest first (by time, then id; by id when
// AfterID or State is set, for attribution's catch-up).
func (s *Store) Hits(ctx context.Context, f HitFilter) ([]Hit, error) {
	where, args := s.hitWhere(f)
	order := " ORDER BY time, id"
	if f.AfterID > 0 || f.State != "" {
		where, args = append(where, "id > ?"), append(args, f.AfterID)
		order = " ORDER BY id"
	}
	q, args := limit(`SELECT id, time, decoy_id, sub_id, trigger, source_ip, source_port, user_agent, data,
	scanner, expected, test, state, incident_id FROM hits`+whereClause(where)+order, args, f.Limit)
	rows, err := s.db.QueryContext(ctx, s.q(q), args...)
	if err != nil {
		return nil, s.wrap("list hits", err)
	}
	defer rows.Close()
	var out []Hit
	for rows.Next() {
		var h Hit
		var data string
		if err := rows.Scan(&h.ID, s.scanTime(&h.Time), scanString(&h.DecoyID), scanString(&h.SubID),
			&h.Trigger, &h.SourceIP, &h.SourcePort, &h.UserAgent, scanString(&data), &h.Scanner,
			&h.Expected, &h.Test, &h.State, scanString(&h.IncidentID)); err != nil {
			return nil, s.wrap("list hits", err)
		}
		if data != "" {
			h.Data = json.RawMessage(data)
		}
		out = append(out, h)
	}
	return out, s.wrap("list hits", rows.Err())
}

// hitWhere is the condition of a HitFilter's fields other than AfterID
// and Limit.
func (s *Store) hitWhere(f HitFilter) (where []string, args []any) {
	if f.DecoyID != "" {
		where, args = append(where, "decoy_id = ?"), append(args, f.DecoyID)
	}
	if f.IncidentID != "" {
		// No index on incident_id (schema 3): the incident's decoy bounds
		// the search to its part of hits_decoy_time. (Not its first_at as
		// well: concurrent touches reach attribution out of time order, so
		// an incident may hold hits stamped before the one that opened it.)
		where = append(where, "incident_id = ?",
			"decoy_id = (SELECT decoy_id FROM incidents WHERE id = ?)")
		args = append(args, f.IncidentID, f.IncidentID)
	}
	if f.State != "" {
		where, args = append(where, "state = ?"), append(args, f.State)
	}
	if !f.Since.IsZero() {
		where, args = append(where, "time >= ?"), append(args, s.encodeTime(f.Since))
	}
	return where, args
}

// CountHits counts hits matching f (Limit is ignored).
func (s *Store) CountHits(ctx context.Context, f HitFilter) (int64, error) {
	where, args := s.hitWhere(f)
	var n int64
	err := s.db.QueryRowContext(ctx, s.q(`SELECT COUNT(*) FROM hits`+whereClause(where)), args...).Scan(&n)
	return n, s.wrap("count hits", err)
}
