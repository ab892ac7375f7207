package store

import (
	"context"
	"database/sql"
	"errors"
	"time"
)

// Purposes of a decoy test window.
const (
	PurposeTest   = "test"   // `decoy test` fires the decoy's breadcrumbs
	PurposeVerify = "verify" // `decoy verify` reads the decoy's files
)

// StartDecoyTest opens a window: until expires, hits of the decoy from
// source (an IP address as hits record it, or "local") are marked by
// purpose — tests (PurposeTest) or mailtrip's own reads (PurposeVerify),
// not intrusions.
func (s *Store) StartDecoyTest(ctx context.Context, decoyID, source, purpose string, expires time.Time) error {
	_, err := s.db.ExecContext(ctx, s.q(`INSERT INTO decoy_tests (decoy_id, source, purpose, started_at, expires_at)
	VALUES (?, ?, ?, ?, ?)`), decoyID, source, purpose, s.encodeTime(now()), s.encodeTime(expires))
	return s.wrap("start decoy test", err)
}

// EndDecoyTests closes the open windows of a decoy for a purpose.
func (s *Store) EndDecoyTests(ctx context.Context, decoyID, purpose string) error {
	t := s.encodeTime(now())
	_, err := s.db.ExecContext(ctx, s.q(`UPDATE decoy_tests SET expires_at = ?
	WHERE decoy_id = ? AND purpose = ? AND expires_at > ?`), t, decoyID, purpose, t)
	return s.wrap("end decoy test", err)
}

// InDecoyTest returns the purpose of the window a hit of the decoy from
// source at time at falls in, or "".
func (s *Store) InDecoyTest(ctx context.Context, decoyID, source string, at time.Time) (string, error) {
	var purpose string
	err := s.db.QueryRowContext(ctx, s.q(`SELECT purpose FROM decoy_tests
	WHERE decoy_id = ? AND source = ? AND started_at <= ? AND expires_at >= ?
	ORDER BY purpose LIMIT 1`),
		decoyID, source, s.encodeTime(at), s.encodeTime(at)).Scan(&purpose)
	if errors.Is(err, sql.ErrNoRows) {
		return "", nil
	}
	return purpose, s.wrap("decoy test window", err)
}

// TestWindow is one open window of a decoy (see [Store.StartDecoyTest]).
type TestWindow struct {
	Source, Purpose string
	Start, End      time.Time
}

// DecoyTests lists a decoy's windows that end at or after since.
func (s *Store) DecoyTests(ctx context.Context, decoyID string, since time.Time) ([]TestWindow, error) {
	rows, err := s.db.QueryContext(ctx, s.q(`SELECT source, purpose, started_at, expires_at FROM decoy_tests
	WHERE decoy_id = ? AND expires_at >= ?`), decoyID, s.encodeTime(since))
	if err != nil {
		return nil, s.wrap("decoy test windows", err)
	}
	defer rows.Close()
	var out []TestWindow
	for rows.Next() {
		var w TestWindow
		if err := rows.Scan(&w.Source, &w.Purpose, s.scanTime(&w.Start), s.scanTime(&w.End)); err != nil {
			return nil, s.wrap("decoy test windows", err)
		}
		out = append(out, w)
	}
	return out, s.wrap("decoy test windows", rows.Err())
}
