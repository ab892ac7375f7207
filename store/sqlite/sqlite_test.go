package sqlite_test

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"testing/fstest"
	"time"

	"github.com/mailtrip/mailtrip/alert"
	"github.com/mailtrip/mailtrip/event"
	"github.com/mailtrip/mailtrip/store"
	"github.com/mailtrip/mailtrip/store/sqlite"
)

// rawDB opens the file with the driver alone, to look at or tamper with what
// the store wrote.
func rawDB(t *testing.T, path string) *sql.DB {
	t.Helper()
	db, err := sql.Open("sqlite", path+"?_pragma=busy_timeout(5000)")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

func schemaRows(t *testing.T, db *sql.DB) []int {
	t.Helper()
	rows, err := db.Query(`SELECT version FROM schema_migrations ORDER BY version`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var vs []int
	for rows.Next() {
		var v int
		if err := rows.Scan(&v); err != nil {
			t.Fatal(err)
		}
		vs = append(vs, v)
	}
	return vs
}

// known is the number of migrations this binary has (the schema version a
// new store reaches).
func known(t *testing.T) int {
	t.Helper()
	es, err := fs.ReadDir(sqlite.Dialect{}.Migrations(), ".")
	if err != nil {
		t.Fatal(err)
	}
	return len(es)
}

// mig names the n-th migration file "NNNN_what.sql".
func mig(n int, what string) string { return fmt.Sprintf("%04d_%s.sql", n, what) }

func TestMigrationsOnceAndIdempotent(t *testing.T) {
	ctx := context.Background()
	k := known(t)
	path := filepath.Join(t.TempDir(), "state", "mailtrip.db")
	for i := range 3 {
		s, err := sqlite.Open(ctx, path)
		if err != nil {
			t.Fatalf("open #%d: %v", i+1, err)
		}
		v, err := s.SchemaVersion(ctx)
		if err != nil || v != k {
			t.Errorf("open #%d: SchemaVersion = %d, %v; want %d", i+1, v, err, k)
		}
		if i == 0 {
			if _, err := s.PutAlert(ctx, alert.New("d", alert.Rule{ID: "r"}, event.Origin{File: "f"})); err != nil {
				t.Fatal(err)
			}
		}
		s.Close()
	}
	db := rawDB(t, path)
	if got := schemaRows(t, db); len(got) != k || got[0] != 1 || got[k-1] != k {
		t.Errorf("schema_migrations = %v, want 1..%d", got, k)
	}
	var n int
	if err := db.QueryRow(`SELECT count(*) FROM alerts`).Scan(&n); err != nil || n != 1 {
		t.Errorf("alerts after reopening = %d, %v; want the 1 written before", n, err)
	}
}

// testDialect is SQLite with other migrations, to test how they apply.
type testDialect struct {
	sqlite.Dialect
	fsys fs.FS
}

func (d testDialect) Migrations() fs.FS { return d.fsys }

// withMigrations is the real schema plus extra files.
func withMigrations(t *testing.T, extra map[string]string) fs.FS {
	t.Helper()
	m := fstest.MapFS{}
	err := fs.WalkDir(sqlite.Dialect{}.Migrations(), ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := fs.ReadFile(sqlite.Dialect{}.Migrations(), p)
		m[p] = &fstest.MapFile{Data: b}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	for name, sql := range extra {
		m[name] = &fstest.MapFile{Data: []byte(sql)}
	}
	return m
}

func openWith(t *testing.T, path string, fsys fs.FS) (*store.Store, error) {
	t.Helper()
	db, err := sql.Open("sqlite", "file:"+path+"?_txlock=immediate&_pragma=foreign_keys(1)&_pragma=busy_timeout(5000)")
	if err != nil {
		t.Fatal(err)
	}
	db.SetMaxOpenConns(1)
	s, err := store.Open(context.Background(), db, testDialect{fsys: fsys})
	if err != nil {
		db.Close()
	}
	return s, err
}

func TestMigrationUpgradeAndRollback(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "mailtrip.db")
	k := known(t)
	s, err := sqlite.Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	s.Close()

	// A failing migration leaves nothing behind: not its first statement,
	// not its schema_migrations row.
	bad := withMigrations(t, map[string]string{
		mig(k+1, "notes"): "CREATE TABLE notes (id INTEGER PRIMARY KEY);\nCREATE TABLE broken (;",
	})
	if _, err := openWith(t, path, bad); err == nil || !strings.Contains(err.Error(), "migrate "+mig(k+1, "notes")) {
		t.Fatalf("open with a broken migration: error = %v", err)
	}
	db := rawDB(t, path)
	var n int
	if err := db.QueryRow(`SELECT count(*) FROM sqlite_schema WHERE name = 'notes'`).Scan(&n); err != nil || n != 0 {
		t.Errorf("table of the failed migration exists (%d, %v)", n, err)
	}
	if got := schemaRows(t, db); len(got) != k {
		t.Errorf("schema_migrations after failed migration = %v", got)
	}

	good := withMigrations(t, map[string]string{
		mig(k+1, "notes"): "CREATE TABLE notes (id INTEGER PRIMARY KEY);",
		mig(k+2, "more"):  "ALTER TABLE notes ADD COLUMN body TEXT;",
	})
	for range 2 {
		s, err := openWith(t, path, good)
		if err != nil {
			t.Fatal(err)
		}
		if v, _ := s.SchemaVersion(ctx); v != k+2 {
			t.Errorf("SchemaVersion = %d, want %d", v, k+2)
		}
		s.Close()
	}
	if got := schemaRows(t, db); len(got) != k+2 {
		t.Errorf("schema_migrations = %v, want 1..%d", got, k+2)
	}

	// This binary knows only its own versions and must refuse, changing
	// nothing.
	_, err = sqlite.Open(ctx, path)
	var se *store.SchemaError
	if !errors.As(err, &se) || se.Store != k+2 || se.Known != k {
		t.Fatalf("open newer schema: error = %v, want *store.SchemaError{%d, %d}", err, k+2, k)
	}
	if want := fmt.Sprintf("store schema %d is newer than this mailtrip (%d); upgrade mailtrip", k+2, k); !strings.Contains(err.Error(), want) {
		t.Errorf("message = %q", err)
	}
}

func TestMigrationNames(t *testing.T) {
	path := filepath.Join(t.TempDir(), "mailtrip.db")
	k := known(t)
	for name, extra := range map[string]map[string]string{
		"gap":      {mig(k+2, "x"): "SELECT 1;"},
		"bad name": {"2_x.sql": "SELECT 1;"},
	} {
		if _, err := openWith(t, path, withMigrations(t, extra)); err == nil {
			t.Errorf("%s: Open succeeded", name)
		}
	}
}

func TestFileAndPragmas(t *testing.T) {
	ctx := context.Background()
	dir := filepath.Join(t.TempDir(), "new", "state")
	path := filepath.Join(dir, "mailtrip.db")
	s, err := sqlite.Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	for p, want := range map[string]os.FileMode{dir: 0o700 | os.ModeDir, path: 0o600} {
		fi, err := os.Stat(p)
		if err != nil {
			t.Fatal(err)
		}
		if fi.Mode() != want {
			t.Errorf("%s mode = %v, want %v", p, fi.Mode(), want)
		}
	}
	// The store's own connection reports its settings.
	db := rawDB(t, path)
	var mode string
	if err := db.QueryRow(`PRAGMA journal_mode`).Scan(&mode); err != nil || mode != "wal" {
		t.Errorf("journal_mode = %q, %v; want wal", mode, err)
	}
	// foreign_keys and synchronous are per connection: check through the
	// store, by what they do.
	if _, err := s.AddHit(ctx, store.Hit{DecoyID: "missingmissingmissingmissi", Trigger: "http"}); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("foreign keys not enforced: %v", err)
	}
}

func TestMemory(t *testing.T) {
	ctx := context.Background()
	for _, open := range []func() (*store.Store, error){
		func() (*store.Store, error) { return sqlite.OpenMemory(ctx) },
		func() (*store.Store, error) { return sqlite.Open(ctx, sqlite.Memory) },
	} {
		s, err := open()
		if err != nil {
			t.Fatal(err)
		}
		a := alert.New("d", alert.Rule{ID: "r"}, event.Origin{File: "f"})
		if _, err := s.PutAlert(ctx, a); err != nil {
			t.Fatal(err)
		}
		if _, err := s.AddHit(ctx, store.Hit{DecoyID: "missingmissingmissingmissi", Trigger: "http"}); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("foreign keys not enforced in memory: %v", err)
		}
		// Nothing leaks between in-memory stores; the connection stays.
		time.Sleep(10 * time.Millisecond)
		if as, err := s.Alerts(ctx, store.AlertFilter{}); err != nil || len(as) != 1 {
			t.Errorf("Alerts = %d, %v; want 1", len(as), err)
		}
		s.Close()
	}
	if _, err := os.Stat(sqlite.Memory); err == nil {
		t.Error(`Open(":memory:") created a file named ":memory:"`)
	}
}

func TestReadOnly(t *testing.T) {
	if os.Geteuid() == 0 {
		t.Skip("running as root: file permissions do not stop root, so a read-only directory cannot be simulated")
	}
	ctx := context.Background()

	t.Run("new file in read-only directory", func(t *testing.T) {
		dir := t.TempDir()
		if err := os.Chmod(dir, 0o500); err != nil {
			t.Fatal(err)
		}
		defer os.Chmod(dir, 0o700)
		path := filepath.Join(dir, "mailtrip.db")
		_, err := sqlite.Open(ctx, path)
		t.Log(err)
		if !errors.Is(err, store.ErrReadOnly) || !strings.Contains(err.Error(), path) {
			t.Errorf("error = %v, want ErrReadOnly naming %s", err, path)
		}
	})
	t.Run("existing file in read-only directory", func(t *testing.T) {
		dir := t.TempDir()
		path := filepath.Join(dir, "mailtrip.db")
		s, err := sqlite.Open(ctx, path)
		if err != nil {
			t.Fatal(err)
		}
		s.Close() // checkpoints and removes -wal and -shm
		if err := os.Chmod(dir, 0o500); err != nil {
			t.Fatal(err)
		}
		defer os.Chmod(dir, 0o700)
		s, err = sqlite.Open(ctx, path)
		if err == nil {
			_, err = s.PutAlert(ctx, alert.New("d", alert.Rule{ID: "r"}, event.Origin{File: "f"}))
			s.Close()
		}
		t.Log(err)
		if !errors.Is(err, store.ErrReadOnly) {
			t.Errorf("error = %v, want ErrReadOnly", err)
		}
	})
	t.Run("read-only file", func(t *testing.T) {
		path := filepath.Join(t.TempDir(), "mailtrip.db")
		s, err := sqlite.Open(ctx, path)
		if err != nil {
			t.Fatal(err)
		}
		s.Close()
		if err := os.Chmod(path, 0o400); err != nil {
			t.Fatal(err)
		}
		_, err = sqlite.Open(ctx, path)
		t.Log(err)
		if !errors.Is(err, store.ErrReadOnly) || !strings.Contains(err.Error(), "permission denied") {
			t.Errorf("error = %v, want ErrReadOnly (permission denied)", err)
		}
	})
}

func TestNotADatabase(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "mailtrip.db")
	if err := os.WriteFile(path, []byte("this is not an SQLite file, not even close........................................................"), 0o600); err != nil {
		t.Fatal(err)
	}
	_, err := sqlite.Open(ctx, path)
	t.Log(err)
	if err == nil || !strings.Contains(err.Error(), path) {
		t.Errorf("error = %v, want one naming %s", err, path)
	}
}

// TestTwoProcesses writes through two Stores on one file at once, as serve
// and a CLI command would: busy_timeout and IMMEDIATE transactions make the
// second wait instead of failing.
func TestTwoProcesses(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "mailtrip.db")
	var stores [2]*store.Store
	for i := range stores {
		s, err := sqlite.Open(ctx, path)
		if err != nil {
			t.Fatal(err)
		}
		defer s.Close()
		stores[i] = s
	}
	var wg sync.WaitGroup
	errs := make(chan error, 2)
	for i, s := range stores {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for n := range 200 {
				a := alert.New("d", alert.Rule{ID: "r"}, event.Origin{File: "f", Offset: int64(i*1000 + n)})
				if _, err := s.PutAlert(ctx, a); err != nil {
					errs <- err
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	as, _ := stores[0].Alerts(ctx, store.AlertFilter{})
	if len(as) != 400 {
		t.Errorf("%d alerts, want 400", len(as))
	}
}

func TestOpenReadOnly(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "m.db")
	if _, err := sqlite.OpenReadOnly(ctx, path); err == nil || !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("missing store: %v", err)
	}
	st, err := sqlite.Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := st.Secret(ctx); err != nil {
		t.Fatal(err)
	}
	st.Close()
	info, _ := os.Stat(path)
	ro, err := sqlite.OpenReadOnly(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer ro.Close()
	if _, err := ro.Decoys(ctx, store.DecoyFilter{}); err != nil {
		t.Errorf("read: %v", err)
	}
	if _, err := ro.AddHit(ctx, store.Hit{Trigger: "http"}); err == nil {
		t.Error("a read-only store accepted a write")
	}
	if after, _ := os.Stat(path); !after.ModTime().Equal(info.ModTime()) || after.Size() != info.Size() {
		t.Error("opening read-only changed the file")
	}
}
