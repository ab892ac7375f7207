package plant

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/mailtrip/mailtrip/decoy"
)

// decoys returns n generated decoys as Messages, the i-th with flags[i%len].
func decoys(t *testing.T, n int, flags ...string) []Message {
	t.Helper()
	var out []Message
	for i := range n {
		d, err := decoy.Generate(decoy.Options{
			Seed: int64(1000 + i),
			Org:  decoy.DefaultOrg(),
			Crumbs: decoy.Breadcrumbs{
				Links: []string{fmt.Sprintf("https://share.canary.example/s/tok%d/report.pdf", i)},
				Host:  fmt.Sprintf("vpn-tok%d.canary.example", i),
			},
		})
		if err != nil {
			t.Fatal(err)
		}
		m := Message{
			DecoyID: fmt.Sprintf("%026d", i), MessageID: d.MessageID, Subject: d.Subject,
			Raw: d.Raw, Date: d.Date,
		}
		if len(flags) > 0 {
			m.Flags = flags[i%len(flags)]
		}
		out = append(out, m)
	}
	return out
}

// handMade is a small RFC 5322 message with CRLF line ends.
func handMade(id, subject, body string) Message {
	raw := "From: Alice Example <alice@example.com>\r\nTo: bob@example.com\r\n" +
		"Subject: " + subject + "\r\nDate: Tue, 04 Mar 2025 10:11:12 +0000\r\n" +
		"Message-ID: <" + id + "@example.com>\r\n\r\n" + strings.ReplaceAll(body, "\n", "\r\n")
	return Message{
		DecoyID: strings.Repeat("a", 26), MessageID: "<" + id + "@example.com>", Subject: subject,
		Raw: []byte(raw), Date: time.Date(2025, 3, 4, 10, 11, 12, 0, time.UTC),
	}
}

// fileState is what a snapshot keeps of one file (or directory).
type fileState struct {
	sum   string
	size  int64
	mtime time.Time
	dir   bool
}

// snapshot records every file and directory under root.
func snapshot(t *testing.T, root string) map[string]fileState {
	t.Helper()
	out := map[string]fileState{}
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(root, p)
		fi, err := d.Info()
		if err != nil {
			return err
		}
		if d.IsDir() {
			out[rel] = fileState{dir: true}
			return nil
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		s := sha256.Sum256(b)
		out[rel] = fileState{sum: hex.EncodeToString(s[:]), size: int64(len(b)), mtime: fi.ModTime()}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// sameSnapshot reports every difference between two snapshots.
func sameSnapshot(t *testing.T, before, after map[string]fileState, checkMtime func(rel string) bool) {
	t.Helper()
	for p, b := range before {
		a, ok := after[p]
		switch {
		case !ok:
			t.Errorf("%s disappeared", p)
		case a.sum != b.sum:
			t.Errorf("%s changed content", p)
		case checkMtime(p) && !a.mtime.Equal(b.mtime):
			t.Errorf("%s changed mtime %v -> %v", p, b.mtime, a.mtime)
		}
	}
	for p := range after {
		if _, ok := before[p]; !ok {
			t.Errorf("%s left behind", p)
		}
	}
}

func mustOpen(t *testing.T, spec string, opt Options) Target {
	t.Helper()
	tg, err := Open(spec, opt)
	if err != nil {
		t.Fatal(err)
	}
	return tg
}

func verify(t *testing.T, tg Target, r Receipt) Status {
	t.Helper()
	st, err := tg.Verify(context.Background(), r)
	if err != nil {
		t.Fatalf("verify %s: %v", r.Path, err)
	}
	return st
}
