// Package logtest holds test helpers for the logfmt readers: where the
// shared real-world samples are, and reading them.
package logtest

import (
	"os"
	"path/filepath"
	"runtime"
	"testing"
)

// Shared returns the path of a file or folder under the project's shared
// test data (../shared/testdata from the repository root).
func Shared(t testing.TB, elem ...string) string {
	t.Helper()
	_, file, _, ok := runtime.Caller(0)
	if !ok {
		t.Fatal("no caller information")
	}
	// file is .../logfmt/internal/logtest/logtest.go; the repository root
	// is three folders up, shared/ is beside it.
	root := filepath.Join(filepath.Dir(file), "..", "..", "..", "..", "shared", "testdata")
	p := filepath.Join(append([]string{root}, elem...)...)
	if _, err := os.Stat(p); err != nil {
		t.Fatalf("shared sample missing (the tests need ../shared/testdata beside the repository): %v", err)
	}
	return p
}

// Read returns the content of a shared sample.
func Read(t testing.TB, elem ...string) []byte {
	t.Helper()
	b, err := os.ReadFile(Shared(t, elem...))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// Glob returns the shared samples matching pattern (relative to the
// shared test data), failing when there are none.
func Glob(t testing.TB, pattern string) []string {
	t.Helper()
	root := Shared(t)
	m, err := filepath.Glob(filepath.Join(root, pattern))
	if err != nil || len(m) == 0 {
		t.Fatalf("no shared samples match %s", pattern)
	}
	return m
}
