package plant

import (
	"context"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

func TestMboxLocked(t *testing.T) {
	defer func(d time.Duration) { lockTimeout = d }(lockTimeout)
	lockTimeout = 150 * time.Millisecond
	ctx := context.Background()
	for _, tc := range []struct {
		name string
		hold func(t *testing.T, path string) (release func())
		ok   bool
	}{
		{
			name: "dotlock",
			hold: func(t *testing.T, path string) func() {
				os.WriteFile(path+".lock", []byte("4242\n"), 0o644)
				return func() { os.Remove(path + ".lock") }
			},
		},
		{
			name: "stale dotlock",
			hold: func(t *testing.T, path string) func() {
				os.WriteFile(path+".lock", []byte("4242\n"), 0o644)
				old := time.Now().Add(-10 * time.Minute)
				os.Chtimes(path+".lock", old, old)
				return func() {}
			},
			ok: true,
		},
		{
			name: "flock",
			hold: func(t *testing.T, path string) func() {
				f, err := os.Open(path)
				if err != nil {
					t.Fatal(err)
				}
				if err := unix.Flock(int(f.Fd()), unix.LOCK_EX); err != nil {
					t.Fatal(err)
				}
				return func() { f.Close() }
			},
		},
		{
			name: "fcntl",
			hold: func(t *testing.T, path string) func() {
				f, err := os.OpenFile(path, os.O_RDWR, 0)
				if err != nil {
					t.Fatal(err)
				}
				lk := unix.Flock_t{Type: unix.F_WRLCK}
				if err := unix.FcntlFlock(f.Fd(), unix.F_OFD_SETLK, &lk); err != nil {
					t.Skipf("no OFD locks here: %v", err)
				}
				return func() { f.Close() }
			},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "mbox")
			os.WriteFile(path, []byte(realMbox+"\n\n"), 0o600)
			release := tc.hold(t, path)
			defer release()
			tg := mustOpen(t, "mbox:"+path, Options{})
			start := time.Now()
			r, err := tg.Plant(ctx, handMade("lock", "x", "x\n"))
			if tc.ok {
				if err != nil {
					t.Fatal(err)
				}
				if _, err := os.Stat(path + ".lock"); !errors.Is(err, fs.ErrNotExist) {
					t.Error("dotlock left behind")
				}
				return
			}
			if !errors.Is(err, ErrLocked) || !strings.Contains(err.Error(), "mbox is locked by another process") {
				t.Fatalf("plant into a locked mbox: %v (receipt %+v)", err, r)
			}
			if d := time.Since(start); d < lockTimeout {
				t.Errorf("gave up after %v, before the timeout", d)
			}
			if b, _ := os.ReadFile(path); string(b) != realMbox+"\n\n" {
				t.Error("locked mbox was written")
			}
			if tc.name != "dotlock" {
				if _, err := os.Stat(path + ".lock"); !errors.Is(err, fs.ErrNotExist) {
					t.Error("our dotlock left behind")
				}
			}
			// Once released, planting works.
			release()
			if _, err := tg.Plant(ctx, handMade("lock", "x", "x\n")); err != nil {
				t.Errorf("plant after release: %v", err)
			}
		})
	}
}
