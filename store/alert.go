package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"time"

	"github.com/mailtrip/mailtrip/alert"
)

// AlertFilter selects alerts; zero fields select everything.
type AlertFilter struct {
	Since    time.Time   // alert Time at or after
	MinLevel alert.Level // at or above (Informational: all)
	Unacked  bool        // only alerts nobody acknowledged (AckAlert)
	Limit    int         // 0: no limit
}

// PutAlert stores an alert unless one with its id is already stored, and
// reports whether it was new. Alert ids are deterministic (alert.ID), so
// scanning the same input again stores nothing twice; the first copy wins.
// The alert's JSON is kept as given; an alert without Time is listed by
// when it was stored.
func (s *Store) PutAlert(ctx context.Context, a alert.Alert) (inserted bool, err error) {
	if a.ID == "" {
		return false, fmt.Errorf("put alert: no id: %w", ErrInvalid)
	}
	inserted, err = s.insertAlert(ctx, s.db, a)
	return inserted, s.wrap("put alert "+a.ID, err)
}

// Alert returns the alert with the given id, or [ErrNotFound].
func (s *Store) Alert(ctx context.Context, id string) (alert.Alert, error) {
	var b []byte
	err := s.db.QueryRowContext(ctx, s.q(`SELECT json FROM alerts WHERE id = ?`), id).Scan(&b)
	if err != nil {
		return alert.Alert{}, s.wrap("alert "+id, err)
	}
	var a alert.Alert
	if err := json.Unmarshal(b, &a); err != nil {
		return alert.Alert{}, fmt.Errorf("alert %s: decode: %w", id, err)
	}
	return a, nil
}

// Alerts lists alerts matching f, newest first (by Time, then id).
func (s *Store) Alerts(ctx context.Context, f AlertFilter) ([]alert.Alert, error) {
	var where []string
	var args []any
	if !f.Since.IsZero() {
		where, args = append(where, "time >= ?"), append(args, s.encodeTime(f.Since))
	}
	if f.MinLevel > alert.Informational {
		where, args = append(where, "level >= ?"), append(args, int(f.MinLevel))
	}
	if f.Unacked {
		where = append(where, "acked_at IS NULL")
	}
	q, args := limit(`SELECT id, json FROM alerts`+whereClause(where)+` ORDER BY time DESC, id`, args, f.Limit)
	rows, err := s.db.QueryContext(ctx, s.q(q), args...)
	if err != nil {
		return nil, s.wrap("list alerts", err)
	}
	defer rows.Close()
	var out []alert.Alert
	for rows.Next() {
		var id string
		var b []byte
		if err := rows.Scan(&id, &b); err != nil {
			return nil, s.wrap("list alerts", err)
		}
		var a alert.Alert
		if err := json.Unmarshal(b, &a); err != nil {
			return nil, fmt.Errorf("list alerts: decode alert %s: %w", id, err)
		}
		out = append(out, a)
	}
	return out, s.wrap("list alerts", rows.Err())
}

// AckAlert records that a person acknowledged alert id at the given time
// (now when zero); acknowledging again keeps the first time. An unknown id
// is [ErrNotFound].
func (s *Store) AckAlert(ctx context.Context, id string, at time.Time) error {
	if at.IsZero() {
		at = now()
	}
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		var one int
		if err := tx.QueryRowContext(ctx, s.q(`SELECT 1 FROM alerts WHERE id = ?`), id).Scan(&one); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, s.q(`UPDATE alerts SET acked_at = ? WHERE id = ? AND acked_at IS NULL`),
			s.encodeTime(at), id)
		return err
	})
	return s.wrap("ack alert "+id, err)
}
