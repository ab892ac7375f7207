package store

import (
	"bytes"
	"context"
	"crypto/rand"
	"database/sql"
	"errors"
	"fmt"
)

// SecretSize is the length of the server secret in bytes.
const SecretSize = 32

const secretKey = "secret"

// Secret returns the server secret that keys token sub-id HMACs, creating
// SecretSize random bytes at first use. Creation is atomic in the database
// (insert if absent, then read back what is stored), so concurrent first
// calls, in this process or another, all return the same secret.
func (s *Store) Secret(ctx context.Context) ([]byte, error) {
	s.secretMu.Lock()
	defer s.secretMu.Unlock()
	if s.secret == nil {
		b, err := s.loadSecret(ctx)
		if err != nil {
			return nil, s.wrap("server secret", err)
		}
		if len(b) != SecretSize {
			return nil, fmt.Errorf("server secret: stored secret has %d bytes, want %d: %w", len(b), SecretSize, ErrInvalid)
		}
		s.secret = b
	}
	return bytes.Clone(s.secret), nil
}

func (s *Store) loadSecret(ctx context.Context) ([]byte, error) {
	read := func() ([]byte, error) {
		var b []byte
		err := s.db.QueryRowContext(ctx, s.q(`SELECT value FROM meta WHERE key = ?`), secretKey).Scan(&b)
		return b, err
	}
	b, err := read()
	if !errors.Is(err, sql.ErrNoRows) {
		return b, err
	}
	fresh := make([]byte, SecretSize)
	if _, err := rand.Read(fresh); err != nil {
		return nil, err
	}
	_, err = s.db.ExecContext(ctx, s.q(`INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO NOTHING`),
		secretKey, fresh)
	if err != nil {
		return nil, err
	}
	return read()
}
