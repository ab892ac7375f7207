package store

import (
	"context"
	"database/sql"
	"io/fs"
	"strings"
	"sync"
	"time"
)

// A Dialect is what the store needs to know about one SQL database: its
// migrations, its placeholder syntax, how it stores times, and how to read
// its errors. store/sqlite implements it for SQLite; store/postgres will for
// PostgreSQL. Queries in this package are written once, with "?"
// placeholders, in the SQL both databases share: INSERT ... ON CONFLICT (...)
// DO NOTHING for inserts that may already exist (SQLite 3.24+, PostgreSQL
// 9.5+), INSERT ... RETURNING for generated ids (SQLite 3.35+), LIMIT, and
// partial indexes. Column types (BLOB/BYTEA, TEXT/TIMESTAMPTZ, INTEGER/
// BOOLEAN) appear only in each dialect's migration files.
type Dialect interface {
	// Name is the dialect's short name ("sqlite", "postgres") for messages.
	Name() string
	// Migrations holds the schema as files named NNNN_what.sql at its root,
	// applied in order of NNNN, which starts at 1 and has no gaps.
	Migrations() fs.FS
	// Placeholder renders the n-th (1-based) query parameter: "?" or "$n".
	Placeholder(n int) string
	// TimeType is the column type for times, used for the
	// schema_migrations table that exists before any migration ran.
	TimeType() string
	// EncodeTime renders a time as a query argument for a TimeType column.
	// The times it stores must sort in time order.
	EncodeTime(t time.Time) any
	// DecodeTime reads a TimeType column value back (never called for NULL).
	DecodeTime(src any) (time.Time, error)
	// Classify tells what kind of failure a driver error is.
	Classify(err error) ErrorKind
}

// MigrationLocker is an optional [Dialect] capability: a dialect whose
// transactions do not serialize writers by themselves (PostgreSQL) takes a
// lock in each migration transaction (pg_advisory_xact_lock), so two
// processes opening the same new database do not both apply migration 1.
// SQLite needs none: store/sqlite begins every transaction IMMEDIATE.
type MigrationLocker interface {
	LockMigrations(ctx context.Context, tx *sql.Tx) error
}

// ErrorKind classifies a driver error so callers can branch on store
// sentinels rather than on driver codes.
type ErrorKind int

// Error kinds a [Dialect] reports.
const (
	KindOther      ErrorKind = iota
	KindUnique               // unique or primary-key constraint
	KindForeignKey           // a reference to a row that does not exist
	KindCheck                // check or not-null constraint
	KindReadOnly             // the database or its directory cannot be written
)

// rebinder rewrites "?" placeholders for dialects that number them, caching
// each query so the rewrite happens once.
type rebinder struct {
	d     Dialect
	plain bool // the dialect uses "?": nothing to rewrite
	cache sync.Map
}

func newRebinder(d Dialect) *rebinder {
	return &rebinder{d: d, plain: d.Placeholder(1) == "?" && d.Placeholder(2) == "?"}
}

// rebind rewrites q. Queries in this package have no "?" inside string
// literals, so every "?" is a placeholder.
func (r *rebinder) rebind(q string) string {
	if r.plain {
		return q
	}
	if v, ok := r.cache.Load(q); ok {
		return v.(string)
	}
	var b strings.Builder
	n := 0
	for _, c := range q {
		if c == '?' {
			n++
			b.WriteString(r.d.Placeholder(n))
			continue
		}
		b.WriteRune(c)
	}
	out := b.String()
	r.cache.Store(q, out)
	return out
}
