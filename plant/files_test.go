package plant

import (
	"context"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestFilePlant(t *testing.T) {
	ctx := context.Background()
	m := handMade("f1", "Re: Wire instructions", "see below\n")
	t.Run("eml", func(t *testing.T) {
		dir := t.TempDir()
		tg := mustOpen(t, "eml:"+dir, Options{})
		r1, err := tg.Plant(ctx, m)
		if err != nil {
			t.Fatal(err)
		}
		r2, err := tg.Plant(ctx, m)
		if err != nil {
			t.Fatal(err)
		}
		if r1.Path != filepath.Join(dir, "Re_ Wire instructions.eml") || r2.Path != filepath.Join(dir, "Re_ Wire instructions (2).eml") {
			t.Errorf("paths %s, %s", r1.Path, r2.Path)
		}
		b, _ := os.ReadFile(r1.Path)
		if strings.Contains(string(b), "\r") || hexSHA(b) != r1.SHA256 {
			t.Error("CR left or hash differs")
		}
		if fi, _ := os.Stat(r1.Path); !fi.ModTime().Equal(m.Date) {
			t.Errorf("mtime %v", fi.ModTime())
		}
		if ents, _ := os.ReadDir(dir); len(ents) != 2 {
			t.Errorf("temporary files left: %v", ents)
		}
		noSubject := m
		noSubject.Subject = " :: "
		r3, _ := tg.Plant(ctx, noSubject)
		if filepath.Base(r3.Path) != "__.eml" {
			t.Errorf("name %s", filepath.Base(r3.Path))
		}
		noSubject.Subject = ""
		r4, _ := tg.Plant(ctx, noSubject)
		if filepath.Base(r4.Path) != m.DecoyID+".eml" {
			t.Errorf("name %s", filepath.Base(r4.Path))
		}
	})
	t.Run("files chooses an enticing folder deterministically", func(t *testing.T) {
		dir1, dir2 := t.TempDir(), t.TempDir()
		r1, err := mustOpen(t, "files:"+dir1, Options{}).Plant(ctx, m)
		if err != nil {
			t.Fatal(err)
		}
		r2, _ := mustOpen(t, "files:"+dir2, Options{}).Plant(ctx, m)
		rel1, _ := filepath.Rel(dir1, r1.Path)
		rel2, _ := filepath.Rel(dir2, r2.Path)
		if rel1 != rel2 || r1.Folder != filepath.ToSlash(filepath.Dir(rel1)) {
			t.Errorf("not deterministic: %s vs %s (folder %s)", rel1, rel2, r1.Folder)
		}
		if !strings.HasSuffix(r1.Folder, "/Finance") || !strings.HasSuffix(rel1, "Re_ Wire instructions.eml") {
			t.Errorf("planted at %s", rel1)
		}
		r3, _ := mustOpen(t, "files:"+dir1, Options{Folder: "Exports/Outlook"}).Plant(ctx, m)
		if r3.Path != filepath.Join(dir1, "Exports", "Outlook", "Re_ Wire instructions.eml") || r3.Folder != "Exports/Outlook" {
			t.Errorf("with Folder: %s (%s)", r3.Path, r3.Folder)
		}
	})
	t.Run("missing dir without Create", func(t *testing.T) {
		for _, kind := range []string{"eml", "files"} {
			_, err := mustOpen(t, kind+":"+filepath.Join(t.TempDir(), "none"), Options{}).Plant(ctx, m)
			if !errors.Is(err, fs.ErrNotExist) {
				t.Errorf("%s: %v, want fs.ErrNotExist", kind, err)
			}
			if _, err := mustOpen(t, kind+":"+filepath.Join(t.TempDir(), "new"), Options{Create: true}).Plant(ctx, m); err != nil {
				t.Errorf("%s with Create: %v", kind, err)
			}
		}
	})
	t.Run("target is a file", func(t *testing.T) {
		p := filepath.Join(t.TempDir(), "file")
		os.WriteFile(p, nil, 0o600)
		if _, err := mustOpen(t, "eml:"+p, Options{}).Plant(ctx, m); err == nil || !strings.Contains(err.Error(), p) {
			t.Errorf("err %v", err)
		}
	})
}

func TestFileTamper(t *testing.T) {
	ctx := context.Background()
	for _, kind := range []string{"eml", "files"} {
		for _, tc := range []struct {
			name   string
			tamper func(t *testing.T, dir, p string) string
			want   Status
			refuse bool
		}{
			{"untouched", func(t *testing.T, dir, p string) string { return p }, Status{Present: true}, false},
			{"moved", func(t *testing.T, dir, p string) string {
				os.MkdirAll(filepath.Join(dir, "stolen"), 0o755)
				return rename(t, p, filepath.Join(dir, "stolen", "x.eml"))
			}, Status{Moved: "*"}, false},
			{"edited", func(t *testing.T, dir, p string) string {
				os.WriteFile(p, []byte("Subject: mine now\n\n"), 0o644)
				return p
			}, Status{Modified: true}, true},
			{"deleted by hand", func(t *testing.T, dir, p string) string {
				os.Remove(p)
				return ""
			}, Status{}, false},
		} {
			t.Run(kind+"/"+tc.name, func(t *testing.T) {
				dir := t.TempDir()
				tg := mustOpen(t, kind+":"+dir, Options{})
				r, err := tg.Plant(ctx, handMade("t", "Payroll 2025", "x\n"))
				if err != nil {
					t.Fatal(err)
				}
				now := tc.tamper(t, dir, r.Path)
				if tc.want.Moved == "*" {
					tc.want.Moved = now
				}
				st := verify(t, tg, r)
				if st.Present != tc.want.Present || st.Modified != tc.want.Modified || st.Moved != tc.want.Moved || st.Detail == "" {
					t.Errorf("status %+v, want %+v", st, tc.want)
				}
				err = tg.Remove(ctx, r)
				if tc.refuse {
					if !errors.Is(err, ErrModified) {
						t.Errorf("remove: %v, want ErrModified", err)
					}
					if _, err := os.Stat(now); err != nil {
						t.Error("edited file removed")
					}
					return
				}
				if err != nil {
					t.Fatal(err)
				}
				if now != "" {
					if _, err := os.Stat(now); !errors.Is(err, fs.ErrNotExist) {
						t.Error("file still there")
					}
				}
				if err := tg.Remove(ctx, r); err != nil {
					t.Errorf("second remove: %v", err)
				}
				if st := verify(t, tg, r); st.Present || !strings.Contains(st.Detail, "deleted") {
					t.Errorf("after remove: %+v", st)
				}
			})
		}
	}
}
