package plant

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/mailtrip/mailtrip/internal/mailgen"
)

var genConfig = mailgen.Config{Seed: 7, Messages: 200, NoLarge: true}

// TestByteForByte plants five decoys into a realistic store of each kind,
// verifies them, removes them, and checks every file of the store is as
// it was (same set of files, same bytes, and for message files the same
// mtime).
func TestByteForByte(t *testing.T) {
	ctx := context.Background()
	for _, tc := range []struct {
		kind    string
		build   func(t *testing.T, dir string) (spec string)
		folders []string // Options.Folder per decoy
		flags   []string
		mtime   func(rel string) bool
	}{
		{
			kind: "maildir",
			build: func(t *testing.T, dir string) string {
				if _, err := mailgen.WriteMaildir(dir, genConfig); err != nil {
					t.Fatal(err)
				}
				return "maildir:" + dir
			},
			folders: []string{"", "INBOX", "Archive", "Projects/2025", "Receipts"},
			flags:   []string{"", "S", "RS", "", "FS"},
			mtime:   func(string) bool { return true },
		},
		{
			kind: "mbox",
			build: func(t *testing.T, dir string) string {
				var buf bytes.Buffer
				if _, err := mailgen.WriteMbox(&buf, genConfig); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(filepath.Join(dir, "inbox.mbox"), buf.Bytes(), 0o600); err != nil {
					t.Fatal(err)
				}
				return "mbox:" + filepath.Join(dir, "inbox.mbox")
			},
			folders: []string{"", "", "", "", ""},
			// The mbox's own mtime changes with each append; its bytes
			// must come back exactly.
			mtime: func(rel string) bool { return false },
		},
		{
			kind: "eml",
			build: func(t *testing.T, dir string) string {
				if _, err := mailgen.WriteEMLDir(dir, genConfig); err != nil {
					t.Fatal(err)
				}
				return "eml:" + dir
			},
			folders: []string{"", "", "", "", ""},
			mtime:   func(string) bool { return true },
		},
		{
			kind: "files",
			build: func(t *testing.T, dir string) string {
				if _, err := mailgen.WriteEMLDir(filepath.Join(dir, "Mail Archive 2024", "Finance"), genConfig); err != nil {
					t.Fatal(err)
				}
				return "files:" + dir
			},
			folders: []string{"", "", "", "Mail Archive 2024/Finance", "Exports/Outlook"},
			mtime:   func(string) bool { return true },
		},
	} {
		t.Run(tc.kind, func(t *testing.T) {
			dir := t.TempDir()
			spec := tc.build(t, dir)
			before := snapshot(t, dir)
			msgs := decoys(t, 5, tc.flags...)
			// Two decoys with the same subject must not overwrite each
			// other in eml and files targets.
			msgs[4].Subject = msgs[3].Subject
			var receipts []Receipt
			for i, m := range msgs {
				tg := mustOpen(t, spec, Options{Folder: tc.folders[i]})
				r, err := tg.Plant(ctx, m)
				if err != nil {
					t.Fatalf("plant %d: %v", i, err)
				}
				if r.Kind != tc.kind || r.SHA256 == "" || r.Size == 0 || r.MessageID != m.MessageID {
					t.Fatalf("receipt %+v", r)
				}
				receipts = append(receipts, r)
			}
			paths := map[string]bool{}
			for i, r := range receipts {
				st := verify(t, mustOpen(t, spec, Options{}), r)
				if !st.Present || st.Modified || st.Moved != "" || st.FlagsChanged != "" {
					t.Errorf("decoy %d: %+v", i, st)
				}
				paths[r.Path] = true
			}
			if tc.kind != "mbox" && len(paths) != 5 {
				t.Errorf("decoys share files: %v", paths)
			}
			// Nothing real changed by planting.
			mid := snapshot(t, dir)
			for p, b := range before {
				if a := mid[p]; a.sum != b.sum && tc.kind != "mbox" {
					t.Errorf("planting changed %s", p)
				}
			}
			if tc.kind == "mbox" {
				checkMboxPrefix(t, spec, before)
			}
			// Remove out of order, so mbox offsets move under the
			// receipts of the later ones.
			for _, i := range []int{2, 0, 4, 1, 3} {
				tg := mustOpen(t, spec, Options{})
				if err := tg.Remove(ctx, receipts[i]); err != nil {
					t.Fatalf("remove %d: %v", i, err)
				}
				if st := verify(t, tg, receipts[i]); st.Present || st.Modified {
					t.Errorf("after remove %d: %+v", i, st)
				}
				if err := tg.Remove(ctx, receipts[i]); err != nil {
					t.Errorf("second remove %d: %v", i, err)
				}
			}
			sameSnapshot(t, before, snapshot(t, dir), tc.mtime)
		})
	}
}

// checkMboxPrefix checks the mbox grew and still starts with its old
// bytes.
func checkMboxPrefix(t *testing.T, spec string, before map[string]fileState) {
	t.Helper()
	path := strings.TrimPrefix(spec, "mbox:")
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	old := before[filepath.Base(path)]
	if int64(len(b)) <= old.size || hexSHA(b[:old.size]) != old.sum {
		t.Fatal("planting did not only append to the mbox")
	}
}
