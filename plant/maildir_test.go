package plant

import (
	"context"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/mailtrip/mailtrip/mailfmt/maildir"
)

// newMaildir makes an empty Maildir++ store with an Archive folder.
func newMaildir(t *testing.T) string {
	t.Helper()
	root := t.TempDir()
	if err := makeMaildir(root, false); err != nil {
		t.Fatal(err)
	}
	if err := makeMaildir(filepath.Join(root, ".Archive"), true); err != nil {
		t.Fatal(err)
	}
	return root
}

func TestMaildirPlant(t *testing.T) {
	ctx := context.Background()
	root := newMaildir(t)
	m := handMade("plant1", "Q3 wire", "hello\n")
	for _, tc := range []struct {
		name, folder, flags string
		wantDir, wantFlags  string
	}{
		{"new", "", "", "new", ""},
		{"cur-flags", "INBOX", "SR", "cur", "RS"},
		{"subfolder", "Archive", "S", ".Archive/cur", "S"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m.Flags = tc.flags
			r, err := mustOpen(t, "maildir:"+root, Options{Folder: tc.folder}).Plant(ctx, m)
			if err != nil {
				t.Fatal(err)
			}
			rel, _ := filepath.Rel(root, filepath.Dir(r.Path))
			if rel != tc.wantDir {
				t.Errorf("planted in %s, want %s", rel, tc.wantDir)
			}
			info, err := maildir.ParseName(filepath.Base(r.Path))
			if err != nil {
				t.Fatal(err)
			}
			if info.Flags != tc.wantFlags || info.Size != r.Size {
				t.Errorf("name %s: flags %q size %d, want %q %d", filepath.Base(r.Path), info.Flags, info.Size, tc.wantFlags, r.Size)
			}
			if !strings.HasPrefix(info.Unique, "1741083072.M") {
				t.Errorf("unique %s does not start with the Date", info.Unique)
			}
			fi, err := os.Stat(r.Path)
			if err != nil {
				t.Fatal(err)
			}
			if !fi.ModTime().Equal(m.Date) {
				t.Errorf("mtime %v, want %v", fi.ModTime(), m.Date)
			}
			b, _ := os.ReadFile(r.Path)
			if strings.Contains(string(b), "\r") || hexSHA(b) != r.SHA256 {
				t.Errorf("planted bytes: CR left or hash differs")
			}
			if ents, _ := os.ReadDir(filepath.Join(filepath.Dir(filepath.Dir(r.Path)), "tmp")); len(ents) != 0 {
				t.Errorf("tmp/ not empty: %v", ents)
			}
		})
	}
}

func TestMaildirFolders(t *testing.T) {
	ctx := context.Background()
	m := handMade("folders", "x", "x\n")

	t.Run("missing folder without Create", func(t *testing.T) {
		root := newMaildir(t)
		_, err := mustOpen(t, "maildir:"+root, Options{Folder: "Finance"}).Plant(ctx, m)
		if !errors.Is(err, fs.ErrNotExist) {
			t.Fatalf("err %v, want fs.ErrNotExist", err)
		}
	})
	t.Run("missing root without Create", func(t *testing.T) {
		_, err := mustOpen(t, "maildir:"+filepath.Join(t.TempDir(), "none"), Options{}).Plant(ctx, m)
		if !errors.Is(err, fs.ErrNotExist) {
			t.Fatalf("err %v, want fs.ErrNotExist", err)
		}
	})
	t.Run("not a maildir", func(t *testing.T) {
		_, err := mustOpen(t, "maildir:"+t.TempDir(), Options{}).Plant(ctx, m)
		if err == nil || !strings.Contains(err.Error(), "not a Maildir") {
			t.Fatalf("err %v", err)
		}
	})
	t.Run("create", func(t *testing.T) {
		root := filepath.Join(t.TempDir(), "Maildir")
		r, err := mustOpen(t, "maildir:"+root, Options{Folder: "Archive/2024/Entwürfe", Create: true}).Plant(ctx, m)
		if err != nil {
			t.Fatal(err)
		}
		dir := filepath.Join(root, ".Archive.2024.Entw&APw-rfe")
		if _, err := os.Stat(filepath.Join(dir, "maildirfolder")); err != nil {
			t.Error(err)
		}
		if !maildir.IsMaildir(root) || !maildir.IsMaildir(dir) {
			t.Error("root or folder is not a Maildir")
		}
		if r.Folder != "Archive/2024/Entwürfe" {
			t.Errorf("folder %q", r.Folder)
		}
		// The folder is found again by name (and read back by mailfmt).
		var seen bool
		for e := range maildir.Walk(root) {
			seen = seen || e.Folder == "Archive/2024/Entwürfe" && e.Path == r.Path
		}
		if !seen {
			t.Error("maildir.Walk does not find the decoy in its folder")
		}
	})
	t.Run("LAYOUT=fs folder is used", func(t *testing.T) {
		root := newMaildir(t)
		if err := makeMaildir(filepath.Join(root, "Projects", "2025"), false); err != nil {
			t.Fatal(err)
		}
		r, err := mustOpen(t, "maildir:"+root, Options{Folder: "Projects/2025"}).Plant(ctx, m)
		if err != nil {
			t.Fatal(err)
		}
		if want := filepath.Join(root, "Projects", "2025", "new"); filepath.Dir(r.Path) != want {
			t.Errorf("planted at %s, want in %s", r.Path, want)
		}
	})
}

// TestMaildirFailedWrite makes delivery fail after the tmp/ file was
// written (new/ is a file, not a directory) and checks nothing is left.
func TestMaildirFailedWrite(t *testing.T) {
	root := newMaildir(t)
	sub := filepath.Join(root, ".Archive")
	if err := os.Remove(filepath.Join(sub, "new")); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(sub, "new"), nil, 0o600); err != nil {
		t.Fatal(err)
	}
	// maildir.Folders no longer lists .Archive (new/ is no directory), so
	// Create would make it again: plant into it by its LAYOUT=fs twin.
	tg := &maildirTarget{root: root, folder: "Archive"}
	_, err := tg.deliver(context.Background(), sub, handMade("fail", "x", "x\n"))
	if err == nil || !strings.Contains(err.Error(), sub) {
		t.Fatalf("err %v, want an error naming %s", err, sub)
	}
	if ents, _ := os.ReadDir(filepath.Join(sub, "tmp")); len(ents) != 0 {
		t.Errorf("tmp/ keeps %v", ents)
	}
}

func TestMaildirReadOnly(t *testing.T) {
	if os.Geteuid() == 0 {
		t.Skip("running as root: permissions do not stop root from writing (TestMaildirFailedWrite covers the failure path)")
	}
	root := newMaildir(t)
	os.Chmod(filepath.Join(root, "tmp"), 0o500)
	defer os.Chmod(filepath.Join(root, "tmp"), 0o700)
	_, err := mustOpen(t, "maildir:"+root, Options{}).Plant(context.Background(), handMade("ro", "x", "x\n"))
	if !errors.Is(err, fs.ErrPermission) || !strings.Contains(err.Error(), root) {
		t.Fatalf("err %v, want a permission error naming the path", err)
	}
}

// TestMaildirTamper checks Verify and Remove after what mail clients and
// people do to a planted file.
func TestMaildirTamper(t *testing.T) {
	ctx := context.Background()
	for _, tc := range []struct {
		name    string
		flags   string
		tamper  func(t *testing.T, root, path string) string // returns the file's new path
		want    Status                                       // Detail ignored; Moved "*" = any
		removed bool                                         // Remove deletes it (else refuses or it is gone)
		refuse  bool
	}{
		{
			name:   "untouched",
			tamper: func(t *testing.T, root, p string) string { return p },
			want:   Status{Present: true}, removed: true,
		},
		{
			name: "seen by a client (new to cur)",
			tamper: func(t *testing.T, root, p string) string {
				return rename(t, p, filepath.Join(root, "cur", filepath.Base(p)+":2,"))
			},
			want: Status{Present: true}, removed: true,
		},
		{
			name: "read and replied",
			tamper: func(t *testing.T, root, p string) string {
				return rename(t, p, filepath.Join(root, "cur", filepath.Base(p)+":2,RS"))
			},
			want: Status{Present: true, FlagsChanged: "RS"}, removed: true,
		},
		{
			name:  "flags taken away",
			flags: "S",
			tamper: func(t *testing.T, root, p string) string {
				return rename(t, p, strings.TrimSuffix(p, "S"))
			},
			want: Status{Present: true, FlagsChanged: "-"}, removed: true,
		},
		{
			name: "moved to Archive with Dovecot's W=",
			tamper: func(t *testing.T, root, p string) string {
				return rename(t, p, filepath.Join(root, ".Archive", "cur", filepath.Base(p)+",W=999:2,S"))
			},
			want: Status{Moved: "*", FlagsChanged: "S"}, removed: true,
		},
		{
			name: "edited",
			tamper: func(t *testing.T, root, p string) string {
				os.WriteFile(p, []byte("Subject: changed\n\nby a person\n"), 0o600)
				return p
			},
			want: Status{Modified: true}, refuse: true,
		},
		{
			name: "deleted by hand",
			tamper: func(t *testing.T, root, p string) string {
				os.Remove(p)
				return ""
			},
			want: Status{},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			root := newMaildir(t)
			tg := mustOpen(t, "maildir:"+root, Options{})
			m := handMade("tamper", "x", "body\n")
			m.Flags = tc.flags
			r, err := tg.Plant(ctx, m)
			if err != nil {
				t.Fatal(err)
			}
			now := tc.tamper(t, root, r.Path)
			st := verify(t, tg, r)
			if tc.want.Moved == "*" {
				tc.want.Moved = now
			}
			if st.Present != tc.want.Present || st.Modified != tc.want.Modified || st.Moved != tc.want.Moved || st.FlagsChanged != tc.want.FlagsChanged {
				t.Errorf("status %+v, want %+v", st, tc.want)
			}
			if st.Detail == "" || (now == "" && !strings.Contains(st.Detail, "deleted")) {
				t.Errorf("detail %q", st.Detail)
			}
			err = tg.Remove(ctx, r)
			switch {
			case tc.refuse:
				if !errors.Is(err, ErrModified) || !strings.Contains(err.Error(), "edited by a person") {
					t.Errorf("remove of an edited file: %v", err)
				}
				if _, err := os.Stat(now); err != nil {
					t.Errorf("edited file was removed: %v", err)
				}
				return
			case err != nil:
				t.Fatalf("remove: %v", err)
			}
			if now != "" {
				if _, err := os.Stat(now); !errors.Is(err, fs.ErrNotExist) {
					t.Errorf("file still there after Remove: %v", err)
				}
			}
			if err := tg.Remove(ctx, r); err != nil {
				t.Errorf("second Remove: %v", err)
			}
			if st := verify(t, tg, r); st.Present || !strings.Contains(st.Detail, "deleted") {
				t.Errorf("after Remove: %+v", st)
			}
		})
	}
}

func rename(t *testing.T, from, to string) string {
	t.Helper()
	if err := os.Rename(from, to); err != nil {
		t.Fatal(err)
	}
	return to
}

func TestMaildirUniqueNames(t *testing.T) {
	root := newMaildir(t)
	tg := mustOpen(t, "maildir:"+root, Options{})
	m := handMade("same", "x", "x\n")
	seen := map[string]bool{}
	for range 50 {
		r, err := tg.Plant(context.Background(), m)
		if err != nil {
			t.Fatal(err)
		}
		if seen[r.Path] {
			t.Fatalf("name %s used twice", r.Path)
		}
		seen[r.Path] = true
	}
}
