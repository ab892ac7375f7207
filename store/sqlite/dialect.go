package sqlite

import (
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"time"

	sqlite "modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"

	"github.com/mailtrip/mailtrip/store"
)

//go:embed migrations/*.sql
var migrations embed.FS

// timeFormat is how times are stored: UTC, fixed width, so that text order
// is time order.
const timeFormat = "2006-01-02T15:04:05.000000000Z"

// Dialect is store.Dialect for SQLite. Use it with store.Open when the
// *sql.DB comes from elsewhere; Open and OpenMemory use it themselves.
type Dialect struct{}

var _ store.Dialect = Dialect{}

// Name implements store.Dialect.
func (Dialect) Name() string { return "sqlite" }

// Migrations implements store.Dialect.
func (Dialect) Migrations() fs.FS {
	sub, err := fs.Sub(migrations, "migrations")
	if err != nil {
		panic(err) // the embedded directory is fixed at build time
	}
	return sub
}

// Placeholder implements store.Dialect.
func (Dialect) Placeholder(int) string { return "?" }

// TimeType implements store.Dialect.
func (Dialect) TimeType() string { return "TEXT" }

// EncodeTime implements store.Dialect.
func (Dialect) EncodeTime(t time.Time) any { return t.UTC().Format(timeFormat) }

// DecodeTime implements store.Dialect.
func (Dialect) DecodeTime(src any) (time.Time, error) {
	switch v := src.(type) {
	case string:
		return time.Parse(time.RFC3339Nano, v)
	case []byte:
		return time.Parse(time.RFC3339Nano, string(v))
	case time.Time:
		return v.UTC(), nil
	}
	return time.Time{}, fmt.Errorf("time column holds %T", src)
}

// Classify implements store.Dialect.
func (Dialect) Classify(err error) store.ErrorKind {
	var e *sqlite.Error
	if !errors.As(err, &e) {
		return store.KindOther
	}
	switch e.Code() {
	case sqlite3.SQLITE_CONSTRAINT_UNIQUE, sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY:
		return store.KindUnique
	case sqlite3.SQLITE_CONSTRAINT_FOREIGNKEY:
		return store.KindForeignKey
	case sqlite3.SQLITE_CONSTRAINT_CHECK, sqlite3.SQLITE_CONSTRAINT_NOTNULL, sqlite3.SQLITE_CONSTRAINT_DATATYPE:
		return store.KindCheck
	}
	switch e.Code() & 0xff {
	case sqlite3.SQLITE_READONLY, sqlite3.SQLITE_CANTOPEN, sqlite3.SQLITE_PERM:
		return store.KindReadOnly
	}
	return store.KindOther
}
