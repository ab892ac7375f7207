package main

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/mailtrip/mailtrip/internal/mailgen"
	"github.com/mailtrip/mailtrip/store"
	"github.com/mailtrip/mailtrip/store/sqlite"
)

// plantings reads the plantings the store at db holds.
func plantings(t *testing.T, db string, active bool) []store.Planting {
	t.Helper()
	st, err := sqlite.Open(context.Background(), db)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	ps, err := st.Plantings(context.Background(), store.PlantingFilter{Active: active})
	if err != nil {
		t.Fatal(err)
	}
	return ps
}

// TestDecoyPlantBadTargets: a target that refuses the decoys is a clear
// error (exit 3), the store records no planting that did not happen, and
// the mailbox is as it was.
func TestDecoyPlantBadTargets(t *testing.T) {
	t.Run("mbox locked by another process", func(t *testing.T) {
		dir := t.TempDir()
		db := filepath.Join(dir, "m.db")
		mb := filepath.Join(dir, "alice.mbox")
		f, err := os.Create(mb)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := mailgen.WriteMbox(f, mailgen.Config{Seed: 5, Messages: 10, NoLarge: true}); err != nil {
			t.Fatal(err)
		}
		f.Close()
		// A mail client holds the mbox: its dot lock is fresh.
		writeFile(t, mb+".lock", []byte("4242\n"))
		before := snapshot(t, dir+"/")
		code, out, errOut := runCLI(t, docsEnv, "decoy", "plant", "--to", "mbox:"+mb, "--count", "2", "--lock-timeout", "300ms", "--db", db)
		if code != exitInput || !strings.Contains(errOut, "locked") || !strings.Contains(errOut, mb) {
			t.Fatalf("exit %d, want %d with a lock error naming the mbox\n%s%s", code, exitInput, out, errOut)
		}
		if ps := plantings(t, db, false); len(ps) != 0 {
			t.Errorf("store records %d plantings that did not happen", len(ps))
		}
		after := snapshot(t, dir+"/")
		if after[mb[len(dir):]] != before[mb[len(dir):]] {
			t.Errorf("the locked mbox was changed")
		}
	})

	t.Run("Maildir on a full file system", func(t *testing.T) {
		if os.Geteuid() != 0 {
			t.Skip("needs root to mount a small tmpfs")
		}
		mnt := t.TempDir()
		if err := syscall.Mount("tmpfs", mnt, "tmpfs", 0, "size=256k"); err != nil {
			t.Skipf("cannot mount a tmpfs here (%v); the full-disk path is covered by plant's TestMaildirFailedWrite", err)
		}
		t.Cleanup(func() { _ = syscall.Unmount(mnt, 0) })
		md := filepath.Join(mnt, "Maildir")
		if _, err := mailgen.WriteMaildir(md, mailgen.Config{Seed: 6, Messages: 8, NoLarge: true}); err != nil {
			t.Fatal(err)
		}
		// Fill the rest of the file system.
		fill, err := os.Create(filepath.Join(mnt, "fill"))
		if err != nil {
			t.Fatal(err)
		}
		buf := make([]byte, 4096)
		for {
			if _, err := fill.Write(buf); err != nil {
				if !errors.Is(err, syscall.ENOSPC) {
					t.Fatal(err)
				}
				break
			}
		}
		fill.Close()
		before := snapshot(t, md+"/")
		db := filepath.Join(t.TempDir(), "m.db")
		code, out, errOut := runCLI(t, docsEnv, "decoy", "plant", "--to", "maildir:"+md, "--count", "3", "--db", db)
		if code != exitInput || !strings.Contains(errOut, "no space left") {
			t.Fatalf("exit %d, want %d with ENOSPC\n%s%s", code, exitInput, out, errOut)
		}
		if ps := plantings(t, db, false); len(ps) != 0 {
			t.Errorf("store records %d plantings that did not happen", len(ps))
		}
		after := snapshot(t, md+"/")
		if len(after) != len(before) {
			t.Errorf("%d files before, %d after: a partial decoy was left behind", len(before), len(after))
		}
		for p, sum := range before {
			if after[p] != sum {
				t.Errorf("%s changed", p)
			}
		}
	})

	t.Run("read-only Maildir", func(t *testing.T) {
		base, err := os.MkdirTemp("", "mailtrip-ro-")
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { os.RemoveAll(base) })
		os.Chmod(base, 0o777)
		md := filepath.Join(base, "Maildir")
		if _, err := mailgen.WriteMaildir(md, mailgen.Config{Seed: 7, Messages: 5, NoLarge: true}); err != nil {
			t.Fatal(err)
		}
		for _, sub := range []string{"", "tmp", "new", "cur"} {
			os.Chmod(filepath.Join(md, sub), 0o555)
		}
		t.Cleanup(func() {
			for _, sub := range []string{"", "tmp", "new", "cur"} {
				os.Chmod(filepath.Join(md, sub), 0o755)
			}
		})
		db := filepath.Join(base, "m.db")
		args := []string{"decoy", "plant", "--to", "maildir:" + md, "--count", "2", "--db", db}
		var r childResult
		if os.Geteuid() == 0 {
			r = runAsNobody(t, base, args...) // root writes anywhere
		} else {
			r.Code, r.Stdout, r.Stderr = runCLI(t, docsEnv, args...)
		}
		if r.Code != exitInput || !strings.Contains(r.Stderr, "permission denied") || !strings.Contains(r.Stderr, md) {
			t.Fatalf("exit %d, want %d with a permission error naming the Maildir\n%s%s", r.Code, exitInput, r.Stdout, r.Stderr)
		}
		if ps := plantings(t, db, false); len(ps) != 0 {
			t.Errorf("store records %d plantings that did not happen", len(ps))
		}
	})

	t.Run("unreachable IMAP server", func(t *testing.T) {
		db := filepath.Join(t.TempDir(), "m.db")
		t.Setenv(EnvIMAPPassword, "secret-pw")
		code, out, errOut := runCLI(t, docsEnv, "decoy", "plant", "--to", "imaps://alice@127.0.0.1:1/Archive", "--db", db)
		if code != exitInput || !strings.Contains(errOut, "127.0.0.1:1") || !strings.Contains(errOut, "refused") {
			t.Fatalf("exit %d, want %d naming the server\n%s%s", code, exitInput, out, errOut)
		}
		if strings.Contains(out+errOut, "secret-pw") {
			t.Errorf("the password appears in the output")
		}
		if ps := plantings(t, db, false); len(ps) != 0 {
			t.Errorf("store records %d plantings that did not happen", len(ps))
		}
	})
}

// TestDecoyRemovedByHand: a decoy someone deleted is reported by verify
// (exit 1), and remove still settles the store: every planting ends up
// marked removed, the rest is removed from the mailbox.
func TestDecoyRemovedByHand(t *testing.T) {
	dir := t.TempDir()
	db := filepath.Join(dir, "m.db")
	md := filepath.Join(dir, "Maildir")
	if _, err := mailgen.WriteMaildir(md, mailgen.Config{Seed: 8, Messages: 10, NoLarge: true}); err != nil {
		t.Fatal(err)
	}
	if code, out, errOut := runCLI(t, docsEnv, "decoy", "plant", "--to", "maildir:"+md, "--count", "2", "--db", db); code != 0 {
		t.Fatalf("plant: exit %d\n%s%s", code, out, errOut)
	}
	ps := plantings(t, db, true)
	if len(ps) != 2 {
		t.Fatalf("%d plantings, want 2", len(ps))
	}
	if err := os.Remove(ps[0].Path); err != nil {
		t.Fatal(err)
	}
	code, out, errOut := runCLI(t, docsEnv, "decoy", "verify", "--db", db)
	if code != exitFindings || !strings.Contains(out, ps[0].DecoyID) || !strings.Contains(out, "deleted") {
		t.Fatalf("verify: exit %d, want %d reporting %s deleted\n%s%s", code, exitFindings, ps[0].DecoyID, out, errOut)
	}
	// Removing twice is fine: the second run has nothing left to do.
	for i := range 2 {
		if code, out, errOut := runCLI(t, docsEnv, "decoy", "remove", "--all", "--db", db); code != 0 {
			t.Fatalf("remove run %d: exit %d\n%s%s", i+1, code, out, errOut)
		}
	}
	if left := plantings(t, db, true); len(left) != 0 {
		t.Errorf("%d plantings still active after remove", len(left))
	}
	if _, err := os.Stat(ps[1].Path); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("the decoy left in place was not removed: %v", err)
	}
}
