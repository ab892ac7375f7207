package store

import (
	"context"
	"database/sql"
	"fmt"
	"io/fs"
	"regexp"
	"sort"
	"strconv"
)

// SchemaError reports a database whose schema is newer than this binary
// knows: a newer mailtrip migrated it. Nothing was changed.
type SchemaError struct {
	Store int // the version the database is at
	Known int // the newest version this binary has
}

func (e *SchemaError) Error() string {
	return fmt.Sprintf("store schema %d is newer than this mailtrip (%d); upgrade mailtrip", e.Store, e.Known)
}

// migration is one schema step from a dialect's Migrations.
type migration struct {
	version int
	name    string // file name
	sql     string
}

var migrationName = regexp.MustCompile(`^(\d{4})_[a-z0-9_]+\.sql$`)

// loadMigrations reads and orders a dialect's migration files, refusing
// names it does not understand, duplicates and gaps.
func loadMigrations(fsys fs.FS) ([]migration, error) {
	entries, err := fs.ReadDir(fsys, ".")
	if err != nil {
		return nil, fmt.Errorf("read migrations: %w", err)
	}
	var ms []migration
	for _, e := range entries {
		if e.IsDir() {
			continue
		}
		m := migrationName.FindStringSubmatch(e.Name())
		if m == nil {
			return nil, fmt.Errorf("migration %s: name is not NNNN_what.sql", e.Name())
		}
		v, _ := strconv.Atoi(m[1])
		b, err := fs.ReadFile(fsys, e.Name())
		if err != nil {
			return nil, fmt.Errorf("read migration %s: %w", e.Name(), err)
		}
		ms = append(ms, migration{version: v, name: e.Name(), sql: string(b)})
	}
	sort.Slice(ms, func(i, j int) bool { return ms[i].version < ms[j].version })
	for i, m := range ms {
		if m.version != i+1 {
			return nil, fmt.Errorf("migration %s: expected version %04d (versions start at 1, without gaps or duplicates)", m.name, i+1)
		}
	}
	if len(ms) == 0 {
		return nil, fmt.Errorf("no migrations")
	}
	return ms, nil
}

// migrate applies the dialect's migrations the database has not seen, each
// in its own transaction together with its schema_migrations row, so a
// crash leaves the schema at a known version. A database at a version newer
// than the binary's is refused with a *SchemaError before anything changes.
func (s *Store) migrate(ctx context.Context) error {
	ms, err := loadMigrations(s.d.Migrations())
	if err != nil {
		return fmt.Errorf("%s: %w", s.d.Name(), err)
	}
	known := ms[len(ms)-1].version
	_, err = s.db.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (
	version    INTEGER PRIMARY KEY,
	name       TEXT NOT NULL,
	applied_at `+s.d.TimeType()+` NOT NULL
)`)
	if err != nil {
		return s.wrap("create schema_migrations", err)
	}
	have, err := s.SchemaVersion(ctx)
	switch {
	case err != nil:
		return err
	case have > known:
		return &SchemaError{Store: have, Known: known}
	case have == known:
		return nil
	}
	for _, m := range ms {
		err := s.inTx(ctx, func(tx *sql.Tx) error {
			if l, ok := s.d.(MigrationLocker); ok {
				if err := l.LockMigrations(ctx, tx); err != nil {
					return fmt.Errorf("lock: %w", err)
				}
			}
			if err := tx.QueryRowContext(ctx, `SELECT COALESCE(MAX(version), 0) FROM schema_migrations`).Scan(&have); err != nil {
				return fmt.Errorf("read schema version: %w", err)
			}
			if have > known {
				return &SchemaError{Store: have, Known: known}
			}
			if have >= m.version {
				return nil // applied before, or just now by another process
			}
			if _, err := tx.ExecContext(ctx, m.sql); err != nil {
				return err
			}
			_, err := tx.ExecContext(ctx, s.q(`INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)`),
				m.version, m.name, s.encodeTime(now()))
			return err
		})
		if err != nil {
			if _, ok := err.(*SchemaError); ok {
				return err
			}
			return s.wrap("migrate "+m.name, err)
		}
	}
	return nil
}

// SchemaVersion returns the newest migration applied to the database.
func (s *Store) SchemaVersion(ctx context.Context) (int, error) {
	var v int
	err := s.db.QueryRowContext(ctx, `SELECT COALESCE(MAX(version), 0) FROM schema_migrations`).Scan(&v)
	return v, s.wrap("read schema version", err)
}

// OpenReadOnly wraps db, a read-only connection to an existing store, for
// reading: it runs no migration and writes nothing (forensic use: `scan`
// reads the decoy registry without touching the store). The schema must be
// exactly the one this binary knows.
func OpenReadOnly(ctx context.Context, db *sql.DB, d Dialect) (*Store, error) {
	ms, err := loadMigrations(d.Migrations())
	if err != nil {
		return nil, fmt.Errorf("%s: %w", d.Name(), err)
	}
	s := &Store{db: db, d: d, rb: newRebinder(d)}
	v, err := s.SchemaVersion(ctx)
	if err != nil {
		return nil, err
	}
	known := ms[len(ms)-1].version
	switch {
	case v > known:
		return nil, &SchemaError{Store: v, Known: known}
	case v < known:
		return nil, fmt.Errorf("store schema %d is older than this mailtrip's (%d): run a mailtrip decoy command once to upgrade it", v, known)
	}
	return s, nil
}
