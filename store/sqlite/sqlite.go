// Package sqlite opens mailtrip's store on an SQLite file, the default
// store, through the pure-Go modernc.org/sqlite driver (no cgo).
//
// Every connection runs with journal_mode=WAL (readers do not block the
// writer), synchronous=NORMAL (durable across process crashes; a power loss
// may lose the last transactions, never corrupt the file),
// foreign_keys=ON, busy_timeout (waits for another process's write lock
// instead of failing), and begins transactions IMMEDIATE, so a transaction
// that reads and then writes never fails on lock upgrade. Within one
// process the pool holds a single connection: SQLite allows one writer at a
// time, and queuing writers in database/sql rather than in SQLite's busy
// handler means concurrent writers never see SQLITE_BUSY. The schema lives
// in migrations/, embedded; store/doc.go describes it.
package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"time"

	_ "modernc.org/sqlite" // registers the "sqlite" driver

	"github.com/mailtrip/mailtrip/store"
)

// BusyTimeout is how long a connection waits for another process's write
// lock before failing with SQLITE_BUSY.
const BusyTimeout = 10 * time.Second

// Memory is the path that opens a private in-memory database.
const Memory = ":memory:"

// Open opens (creating when absent) the store at path and brings its
// schema up to date. A missing parent directory is created with mode 0700
// and a new database file with mode 0600. The path Memory (":memory:")
// opens an in-memory database, as OpenMemory does.
func Open(ctx context.Context, path string) (*store.Store, error) {
	if path == Memory {
		return OpenMemory(ctx)
	}
	if path == "" {
		return nil, errors.New("open store: no path")
	}
	abs, err := filepath.Abs(path)
	if err != nil {
		return nil, fmt.Errorf("open store %s: %w", path, err)
	}
	if err := prepareFile(abs); err != nil {
		return nil, fmt.Errorf("open store %s: %w", path, err)
	}
	q := url.Values{}
	q.Set("mode", "rw") // prepareFile created it: SQLite must not, with the umask's mode
	q.Set("_txlock", "immediate")
	q.Add("_pragma", fmt.Sprintf("busy_timeout(%d)", BusyTimeout.Milliseconds()))
	q.Add("_pragma", "foreign_keys(1)")
	q.Add("_pragma", "journal_mode(WAL)")
	q.Add("_pragma", "synchronous(NORMAL)")
	dsn := (&url.URL{Scheme: "file", Path: abs, RawQuery: q.Encode()}).String()
	s, err := open(ctx, dsn)
	if err != nil {
		return nil, fmt.Errorf("open store %s: %w", path, err)
	}
	return s, nil
}

// OpenMemory opens a private, empty in-memory store with the full schema,
// for tests and one-shot runs. It is gone when closed.
func OpenMemory(ctx context.Context) (*store.Store, error) {
	s, err := open(ctx, Memory+"?_txlock=immediate&_pragma=foreign_keys(1)")
	if err != nil {
		return nil, fmt.Errorf("open in-memory store: %w", err)
	}
	return s, nil
}

func open(ctx context.Context, dsn string) (*store.Store, error) {
	db, err := sql.Open("sqlite", dsn)
	if err != nil {
		return nil, err
	}
	// One connection: writers queue in database/sql instead of meeting
	// SQLITE_BUSY, and an in-memory database lives as long as its only
	// connection, which must therefore never be closed as idle.
	db.SetMaxOpenConns(1)
	db.SetMaxIdleConns(1)
	db.SetConnMaxLifetime(0)
	db.SetConnMaxIdleTime(0)
	if err := db.PingContext(ctx); err != nil {
		db.Close()
		return nil, classifyOpen(err)
	}
	s, err := store.Open(ctx, db, Dialect{})
	if err != nil {
		db.Close()
		return nil, classifyOpen(err)
	}
	return s, nil
}

// prepareFile makes sure the database file exists with mode 0600 and can be
// opened for writing, so a permission problem is reported as what it is
// rather than as SQLite's "unable to open database file".
func prepareFile(path string) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return err
	}
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		if errors.Is(err, os.ErrPermission) {
			return fmt.Errorf("%w: %w", store.ErrReadOnly, err)
		}
		return err
	}
	return f.Close()
}

// classifyOpen adds store.ErrReadOnly to an open failure caused by a file or
// directory the process may not write (SQLite cannot create the -wal and
// -shm files next to the database).
func classifyOpen(err error) error {
	if errors.Is(err, store.ErrReadOnly) {
		return err
	}
	switch (Dialect{}).Classify(err) {
	case store.KindReadOnly:
		return fmt.Errorf("%w (is its directory writable?): %w", store.ErrReadOnly, err)
	}
	return err
}

// OpenReadOnly opens an existing store for reading only: the file is not
// created, migrated or written (SQLite's mode=ro). A missing file is an
// error wrapping fs.ErrNotExist.
func OpenReadOnly(ctx context.Context, path string) (*store.Store, error) {
	abs, err := filepath.Abs(path)
	if err != nil {
		return nil, fmt.Errorf("open store %s: %w", path, err)
	}
	if _, err := os.Stat(abs); err != nil {
		return nil, fmt.Errorf("open store %s: %w", path, err)
	}
	q := url.Values{}
	q.Set("mode", "ro")
	q.Add("_pragma", fmt.Sprintf("busy_timeout(%d)", BusyTimeout.Milliseconds()))
	dsn := (&url.URL{Scheme: "file", Path: abs, RawQuery: q.Encode()}).String()
	db, err := sql.Open("sqlite", dsn)
	if err != nil {
		return nil, fmt.Errorf("open store %s: %w", path, err)
	}
	s, err := store.OpenReadOnly(ctx, db, Dialect{})
	if err != nil {
		db.Close()
		return nil, fmt.Errorf("open store %s: %w", path, err)
	}
	return s, nil
}
