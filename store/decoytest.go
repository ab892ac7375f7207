package store

import (
	"context"
	"time"
)

// StartDecoyTest opens a test window: until expires, hits of the decoy
// from source (an IP address as hits record it) are tests, not touches.
func (s *Store) StartDecoyTest(ctx context.Context, decoyID, source string, expires time.Time) error {
	_, err := s.db.ExecContext(ctx, s.q(`INSERT INTO decoy_tests (decoy_id, source, started_at, expires_at)
	VALUES (?, ?, ?, ?)`), decoyID, source, s.encodeTime(now()), s.encodeTime(expires))
	return s.wrap("start decoy test", err)
}

// InDecoyTest reports whether a hit of the decoy from source at time at
// falls in a test window.
func (s *Store) InDecoyTest(ctx context.Context, decoyID, source string, at time.Time) (bool, error) {
	var n int
	err := s.db.QueryRowContext(ctx, s.q(`SELECT COUNT(*) FROM decoy_tests
	WHERE decoy_id = ? AND source = ? AND started_at <= ? AND expires_at >= ?`),
		decoyID, source, s.encodeTime(at), s.encodeTime(at)).Scan(&n)
	return n > 0, s.wrap("decoy test window", err)
}
