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

	// The alert is in the store for triage.
	alertsRun := func(want int, args ...string) string {
		t.Helper()
		code, stdout, stderr := runCLI(t, docsEnv, append([]string{"alerts"}, append(args, "--db", db)...)...)
		if code != want {
			t.Fatalf("alerts %v: exit %d\n%s%s", args, code, stdout, stderr)
		}
		return stdout
	}
	if out := alertsRun(0, "list"); !strings.Contains(out, "mailtrip-decoy-tampered") {
		t.Errorf("alerts list:\n%s", out)
	}
	if out := alertsRun(0, "show", alerts[0].ID); !strings.Contains(out, `"trigger": "verify:flags-changed"`) {
		t.Errorf("alerts show:\n%s", out)
	}
	alertsRun(0, "ack", alerts[0].ID)
	if out := alertsRun(0, "list"); strings.Contains(out, alerts[0].ID) {
		t.Errorf("acknowledged alert still listed:\n%s", out)
	}
	if out := alertsRun(0, "list", "--all", "--format", "jsonl"); strings.Count(out, "\n") != 1 {
		t.Errorf("alerts list --all:\n%s", out)
	}

	// Remove by target first (a relative path names the same Maildir),
	// then the rest.
	wd, _ := os.Getwd()
	rel, err := filepath.Rel(wd, md)
	if err != nil {
		t.Fatal(err)
	}
	if out := run(0, "remove", "--target", "maildir:"+rel); strings.Count(out, "removed") != 2 {
		t.Errorf("remove --target removed:\n%s", out)
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

// TestScanKnowsDecoys: planted decoys are left out of the mailbox's
// counts where they were planted; a copy elsewhere, or a message carrying
// one of their breadcrumbs, is a high alert naming the decoy.
func TestScanKnowsDecoys(t *testing.T) {
	dir := t.TempDir()
	db := filepath.Join(dir, "m.db")
	md := filepath.Join(dir, "Maildir")
	if _, err := mailgen.WriteMaildir(md, mailgen.Config{Seed: 5, Messages: 30, NoLarge: true}); err != nil {
		t.Fatal(err)
	}
	if code, _, stderr := runCLI(t, docsEnv, "decoy", "plant", "--db", db, "--to", "maildir:"+md, "--count", "2", "--seed", "21"); code != 0 {
		t.Fatalf("plant: %d %s", code, stderr)
	}
	code, out, stderr := runCLI(t, docsEnv, "scan", "--db", db, "--format", "json", md)
	if code == exitInput || code == exitUsage {
		t.Fatalf("scan: %d %s", code, stderr)
	}
	d := decodeDoc(t, out)
	for _, a := range d.Alerts {
		if a.Decoy != nil {
			t.Errorf("a decoy where it was planted raised %s", a.Rule.ID)
		}
	}
	if len(d.Mailboxes) != 1 || d.Mailboxes[0].Messages != 30 {
		t.Errorf("mailbox counts include the decoys: %+v", d.Mailboxes)
	}

	// An attacker's copy of the mailbox, and a forward of one decoy.
	st, err := sqlite.Open(context.Background(), db)
	if err != nil {
		t.Fatal(err)
	}
	ps, _ := st.Plantings(context.Background(), store.PlantingFilter{Active: true})
	dec, _ := st.Decoy(context.Background(), ps[1].DecoyID)
	st.Close()
	loot := filepath.Join(dir, "loot")
	copyTree(t, md, filepath.Join(loot, "alice-Maildir"))
	raw, _ := os.ReadFile(ps[1].Path)
	body := string(raw[strings.Index(string(raw), "\n\n")+2:])
	fwd := "From: mallory@evil.example\nTo: drop@evil.example\nSubject: Fwd: stuff\nMessage-ID: <fwd1@evil.example>\n" +
		"Date: Mon, 4 Mar 2024 09:10:00 +0000\nContent-Type: text/plain\n\n---------- Forwarded message ---------\n" + body
	writeFile(t, filepath.Join(loot, "forwarded.eml"), []byte(fwd))

	code, out, stderr = runCLI(t, docsEnv, "scan", "--db", db, "--format", "json", loot)
	if code != exitFindings {
		t.Fatalf("scan of the loot: exit %d, %s", code, stderr)
	}
	d = decodeDoc(t, out)
	copied, crumbs := map[string]bool{}, 0
	for _, a := range d.Alerts {
		switch a.Rule.ID {
		case "mailtrip-decoy-copied":
			copied[a.Decoy.ID] = true
			if a.Rule.Level.String() != "high" || !strings.Contains(a.Summary, md) {
				t.Errorf("copied alert: %s / %s", a.Rule.Level, a.Summary)
			}
		case "mailtrip-decoy-breadcrumb":
			crumbs++
			if a.Decoy.ID != dec.ID || a.MessageID != "<fwd1@evil.example>" {
				t.Errorf("breadcrumb alert names %s in %s", a.Decoy.ID, a.MessageID)
			}
		}
	}
	if len(copied) != 2 || crumbs != 1 {
		t.Errorf("copies of %d decoys and %d forwarded breadcrumbs reported, want 2 and 1", len(copied), crumbs)
	}
}
