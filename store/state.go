package store

import (
	"context"
	"database/sql"
	"errors"
)

// LoadState returns the value kept under key, or nil when there is none.
func (s *Store) LoadState(ctx context.Context, key string) ([]byte, error) {
	var v []byte
	err := s.db.QueryRowContext(ctx, s.q(`SELECT value FROM state WHERE key = ?`), key).Scan(&v)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	return v, s.wrap("load state "+key, err)
}

// SaveState keeps value under key, replacing what was there.
func (s *Store) SaveState(ctx context.Context, key string, value []byte) error {
	_, err := s.db.ExecContext(ctx, s.q(`INSERT INTO state (key, value, updated_at) VALUES (?, ?, ?)
	ON CONFLICT (key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at`),
		key, value, s.encodeTime(now()))
	return s.wrap("save state "+key, err)
}
