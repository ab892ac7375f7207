package store

import (
	"context"
	"encoding/json"
	"fmt"
	"time"
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
}

// HitFilter selects hits; zero fields select everything.
type HitFilter struct {
	DecoyID string
	Since   time.Time
	Limit   int
}

// AddHit records a hit and returns its id. A DecoyID or SubID the store does
// not know fails with [ErrNotFound]: record unresolved touches with both
// empty and what was seen in Data.
func (s *Store) AddHit(ctx context.Context, h Hit) (int64, error) {
	if h.Time.IsZero() {
		h.Time = now()
	}
	var data any
	if len(h.Data) > 0 {
		if !json.Valid(h.Data) {
			return 0, fmt.Errorf("add hit: data is not JSON: %w", ErrInvalid)
		}
		data = string(h.Data)
	}
	var id int64
	err := s.db.QueryRowContext(ctx, s.q(`INSERT INTO hits
	(time, decoy_id, sub_id, trigger, source_ip, source_port, user_agent, data, scanner)
	VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`),
		s.encodeTime(h.Time), nullString(h.DecoyID), nullString(h.SubID), h.Trigger, h.SourceIP,
		h.SourcePort, h.UserAgent, data, h.Scanner).Scan(&id)
	return id, s.wrap("add hit", err)
}

// Hits lists hits matching f, oldest first.
func (s *Store) Hits(ctx context.Context, f HitFilter) ([]Hit, error) {
	var where []string
	var args []any
	if f.DecoyID != "" {
		where, args = append(where, "decoy_id = ?"), append(args, f.DecoyID)
	}
	if !f.Since.IsZero() {
		where, args = append(where, "time >= ?"), append(args, s.encodeTime(f.Since))
	}
	q, args := limit(`SELECT id, time, decoy_id, sub_id, trigger, source_ip, source_port, user_agent, data, scanner
	FROM hits`+whereClause(where)+` ORDER BY time, id`, args, f.Limit)
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
			&h.Trigger, &h.SourceIP, &h.SourcePort, &h.UserAgent, scanString(&data), &h.Scanner); err != nil {
			return nil, s.wrap("list hits", err)
		}
		if data != "" {
			h.Data = json.RawMessage(data)
		}
		out = append(out, h)
	}
	return out, s.wrap("list hits", rows.Err())
}
