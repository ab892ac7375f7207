package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"time"
)

// Sentinel errors callers branch on. Errors from the store wrap one of them
// where it applies, and the driver's own error alongside.
var (
	// ErrNotFound: no decoy, token, credential, planting or alert matches.
	ErrNotFound = errors.New("not found")
	// ErrExists: a unique constraint refused the row (a second active
	// planting of a decoy in the same place, a credential already used).
	ErrExists = errors.New("already exists")
	// ErrInvalid: the row is malformed (a check or not-null constraint, or a
	// field the store validates itself).
	ErrInvalid = errors.New("invalid")
	// ErrReadOnly: the database file or its directory cannot be written.
	ErrReadOnly = errors.New("store is read-only")
	// ErrConflict: another writer changed the row first (a hit already
	// attributed); re-read and try again.
	ErrConflict = errors.New("conflict")
	// ErrClosed: the Store was closed.
	ErrClosed = errors.New("store is closed")
)

// Store is mailtrip's persistent state on one SQL database: decoys and their
// tokens, plantings, tripwire hits and alerts. It is safe for concurrent use.
type Store struct {
	db     *sql.DB
	d      Dialect
	rb     *rebinder
	closed atomic.Bool

	stmts sync.Map // query → *sql.Stmt (see stmt)

	secretMu sync.Mutex
	secret   []byte // cached once read; it never changes
}

// Open brings the database up to the schema this mailtrip knows (see
// [Store.Migrate]) and returns a Store on it. The Store owns db from then on:
// [Store.Close] closes it. Callers normally use a dialect package's Open
// (store/sqlite), which also configures the connection pool.
func Open(ctx context.Context, db *sql.DB, d Dialect) (*Store, error) {
	s := &Store{db: db, d: d, rb: newRebinder(d)}
	if err := s.migrate(ctx); err != nil {
		return nil, err
	}
	return s, nil
}

// Close closes the database. Calls after Close fail with [ErrClosed].
func (s *Store) Close() error {
	if s.closed.Swap(true) {
		return nil
	}
	s.stmts.Range(func(_, v any) bool {
		v.(*sql.Stmt).Close()
		return true
	})
	return s.db.Close()
}

// Dialect returns the store's dialect.
func (s *Store) Dialect() Dialect { return s.d }

// q rewrites a query for the dialect's placeholders.
func (s *Store) q(query string) string { return s.rb.rebind(query) }

// wrap adds op as context to err and maps it to a sentinel where one
// applies. A nil err stays nil.
func (s *Store) wrap(op string, err error) error {
	if err == nil {
		return nil
	}
	if s.closed.Load() {
		return fmt.Errorf("%s: %w", op, ErrClosed)
	}
	if errors.Is(err, sql.ErrNoRows) {
		return fmt.Errorf("%s: %w", op, ErrNotFound)
	}
	var sentinel error
	switch s.d.Classify(err) {
	case KindUnique:
		sentinel = ErrExists
	case KindForeignKey:
		sentinel = ErrNotFound
	case KindCheck:
		sentinel = ErrInvalid
	case KindReadOnly:
		sentinel = ErrReadOnly
	}
	if sentinel != nil && !errors.Is(err, sentinel) {
		return fmt.Errorf("%s: %w (%w)", op, sentinel, err)
	}
	return fmt.Errorf("%s: %w", op, err)
}

// inTx runs f in a transaction and commits it, or rolls back when f fails.
func (s *Store) inTx(ctx context.Context, f func(tx *sql.Tx) error) error {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	if err := f(tx); err != nil {
		_ = tx.Rollback()
		return err
	}
	return tx.Commit()
}

// encodeTime renders t for a NOT NULL time column.
func (s *Store) encodeTime(t time.Time) any { return s.d.EncodeTime(t) }

// encodeNullTime renders t for a nullable time column: the zero time is NULL.
func (s *Store) encodeNullTime(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return s.d.EncodeTime(t)
}

// timeScanner reads a time column through the dialect; NULL leaves the zero
// time.
type timeScanner struct {
	d Dialect
	t *time.Time
}

func (s *Store) scanTime(t *time.Time) timeScanner { return timeScanner{s.d, t} }

func (ts timeScanner) Scan(src any) error {
	if src == nil {
		*ts.t = time.Time{}
		return nil
	}
	t, err := ts.d.DecodeTime(src)
	if err != nil {
		return err
	}
	*ts.t = t
	return nil
}

// nullString maps "" to NULL for optional text columns.
func nullString(v string) any {
	if v == "" {
		return nil
	}
	return v
}

// stringScanner reads a nullable text column; NULL is "".
type stringScanner struct{ p *string }

func (ss stringScanner) Scan(src any) error {
	switch v := src.(type) {
	case nil:
		*ss.p = ""
	case string:
		*ss.p = v
	case []byte:
		*ss.p = string(v)
	default:
		return fmt.Errorf("text column holds %T", src)
	}
	return nil
}

func scanString(p *string) stringScanner { return stringScanner{p} }

// now is the clock, replaceable in tests of this package.
var now = time.Now
