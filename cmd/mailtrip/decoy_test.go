package main

import (
	"context"
	"net/mail"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/mailtrip/mailtrip/store/sqlite"
	"github.com/mailtrip/mailtrip/token"
)

// TestDecoyGenerate: decoys are written, recorded with their tokens, and
// every breadcrumb in a decoy leads back to it through the store.
func TestDecoyGenerate(t *testing.T) {
	dir := t.TempDir()
	db := filepath.Join(dir, "state", "mailtrip.db")
	out := filepath.Join(dir, "decoys")
	code, stdout, stderr := runCLI(t, docsEnv, "decoy", "generate", "--db", db, "--count", "3", "--seed", "7", "--out", out)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	if !strings.Contains(stderr, "WARNING") || !strings.Contains(stderr, "loopback") {
		t.Errorf("no loud warning about loopback breadcrumbs:\n%s", stderr)
	}
	lines := strings.Split(strings.TrimSpace(stdout), "\n")
	if len(lines) != 3 {
		t.Fatalf("stdout lists %d decoys, want 3:\n%s", len(lines), stdout)
	}
	st, err := sqlite.Open(context.Background(), db)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	for _, l := range lines {
		id, path, _ := strings.Cut(l, "\t")
		path, _, _ = strings.Cut(path, "\t")
		raw, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		m, err := mail.ReadMessage(strings.NewReader(string(raw)))
		if err != nil {
			t.Fatalf("%s does not parse: %v", path, err)
		}
		d, err := st.Decoy(context.Background(), id)
		if err != nil {
			t.Fatalf("decoy %s not in the store: %v", id, err)
		}
		if d.MessageID != m.Header.Get("Message-ID") || string(d.Raw) != string(raw) {
			t.Errorf("%s: stored decoy differs from the file", id)
		}
		// Every sub-id in the message resolves to this decoy.
		found := 0
		for _, sub := range token.Find(string(raw)) {
			rec, err := st.LookupSub(context.Background(), string(sub))
			if err != nil {
				continue // a 16-letter word, not a token
			}
			if rec.DecoyID != id {
				t.Errorf("%s: token %s belongs to %s", id, sub, rec.DecoyID)
			}
			found++
		}
		if found < 3 {
			t.Errorf("%s: only %d breadcrumbs found back in the message", id, found)
		}
	}
	code, stdout, _ = runCLI(t, docsEnv, "decoy", "list", "--db", db, "--format", "jsonl")
	if code != 0 || strings.Count(stdout, "\n") != 3 {
		t.Errorf("decoy list: exit %d\n%s", code, stdout)
	}
	if code, _, stderr := runCLI(t, docsEnv, "decoy", "generate", "--db", db, "--theme", "nonsense"); code != exitUsage || !strings.Contains(stderr, "--theme") {
		t.Errorf("unknown theme: exit %d, %s", code, stderr)
	}
}
