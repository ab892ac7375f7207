package main

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/mailtrip/mailtrip/internal/mailgen"
	"github.com/mailtrip/mailtrip/store"
	"github.com/mailtrip/mailtrip/store/sqlite"
)

// snapshot maps every file under root to the SHA-256 of its bytes.
func snapshot(t *testing.T, root string) map[string]string {
	t.Helper()
	out := map[string]string{}
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		sum := sha256.Sum256(b)
		out[strings.TrimPrefix(p, root)] = hex.EncodeToString(sum[:])
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// TestDecoyPlantVerifyRemove plants decoys into a real-looking Maildir and
// mbox, detects a decoy being read (flags changed), and removes exactly
// what was planted: every real message is byte for byte as before.
func TestDecoyPlantVerifyRemove(t *testing.T) {
	dir := t.TempDir()
	db := filepath.Join(dir, "m.db")
	md := filepath.Join(dir, "Maildir")
	if _, err := mailgen.WriteMaildir(md, mailgen.Config{Seed: 3, Messages: 60, NoLarge: true}); err != nil {
		t.Fatal(err)
	}
	mb := filepath.Join(dir, "alice.mbox")
	f, err := os.Create(mb)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := mailgen.WriteMbox(f, mailgen.Config{Seed: 4, Messages: 60, NoLarge: true}); err != nil {
		t.Fatal(err)
	}
	f.Close()
	before := snapshot(t, dir+"/")
	delete(before, "m.db")

	run := func(want int, args ...string) string {
		t.Helper()
		code, stdout, stderr := runCLI(t, docsEnv, append([]string{"decoy"}, append(args, "--db", db)...)...)
		if code != want {
			t.Fatalf("%v: exit %d, want %d\n%s%s", args, code, want, stdout, stderr)
		}
		return stdout
	}
	run(0, "plant", "--to", "maildir:"+md, "--count", "2", "--seed", "11")
	run(0, "plant", "--to", "mbox:"+mb, "--count", "2", "--seed", "12")
	if out := run(0, "verify"); strings.Count(out, " ok") != 4 {
		t.Fatalf("verify after planting:\n%s", out)
	}

	// Someone reads a decoy: their client marks it seen.
	st, err := sqlite.Open(context.Background(), db)
	if err != nil {
		t.Fatal(err)
	}
	ps, err := st.Plantings(context.Background(), store.PlantingFilter{Target: md, Active: true})
	st.Close()
	if err != nil || len(ps) != 2 {
		t.Fatalf("plantings in the Maildir: %d, %v", len(ps), err)
	}
	seen := filepath.Join(md, "cur", filepath.Base(ps[0].Path)+":2,S")
	if err := os.Rename(ps[0].Path, seen); err != nil {
		t.Fatal(err)
	}
	out := run(exitFindings, "verify")
	if !strings.Contains(out, "flags-changed") || !strings.Contains(out, ps[0].DecoyID) {
		t.Errorf("verify did not report the read decoy:\n%s", out)
	}
	st, _ = sqlite.Open(context.Background(), db)
	alerts, _ := st.Alerts(context.Background(), store.AlertFilter{})
	st.Close()
	if len(alerts) != 1 || alerts[0].Rule.ID != "mailtrip-decoy-tampered" || alerts[0].Decoy == nil || alerts[0].Decoy.ID != ps[0].DecoyID {
		t.Errorf("tamper alert: %+v", alerts)
	}

	run(0, "remove", "--all")
	after := snapshot(t, dir+"/")
	delete(after, "m.db")
	for _, suffix := range []string{"-wal", "-shm"} {
		delete(after, "m.db"+suffix)
		delete(before, "m.db"+suffix)
	}
	if len(after) != len(before) {
		t.Errorf("%d files before planting, %d after removal", len(before), len(after))
	}
	for p, sum := range before {
		if after[p] != sum {
			t.Errorf("%s changed or vanished", p)
		}
	}
	if out := run(0, "verify"); strings.Count(out, "\n") != 1 {
		t.Errorf("plantings left after remove --all:\n%s", out)
	}
}
