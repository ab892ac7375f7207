package store

import (
	"errors"
	"io/fs"
	"strconv"
	"testing"
	"testing/fstest"
	"time"
)

// numbered is a PostgreSQL-like dialect, enough to test placeholder rewriting.
type numbered struct{}

func (numbered) Name() string                      { return "numbered" }
func (numbered) Migrations() fs.FS                 { return fstest.MapFS{} }
func (numbered) Placeholder(n int) string          { return "$" + strconv.Itoa(n) }
func (numbered) TimeType() string                  { return "TIMESTAMPTZ" }
func (numbered) EncodeTime(t time.Time) any        { return t }
func (numbered) DecodeTime(any) (time.Time, error) { return time.Time{}, errors.New("unused") }
func (numbered) Classify(error) ErrorKind          { return KindOther }

func TestRebind(t *testing.T) {
	r := newRebinder(numbered{})
	for range 2 { // the second time from the cache
		got := r.rebind(`SELECT a FROM t WHERE b = ? AND c >= ? LIMIT ?`)
		if want := `SELECT a FROM t WHERE b = $1 AND c >= $2 LIMIT $3`; got != want {
			t.Errorf("rebind = %q, want %q", got, want)
		}
	}
}

func TestLoadMigrationsEmpty(t *testing.T) {
	if _, err := loadMigrations(fstest.MapFS{}); err == nil {
		t.Error("no migrations: no error")
	}
}
