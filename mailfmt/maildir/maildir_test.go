package maildir

import (
	"bufio"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

func TestParseName(t *testing.T) {
	tests := []struct {
		name    string
		want    Info
		wantErr bool
	}{
		{"1700000000.M1P2Q3.host,S=1234,W=1260:2,FRS", Info{Unique: "1700000000.M1P2Q3.host,S=1234,W=1260", Flags: "FRS", Size: 1234}, false},
		{"1700000000.M1P2Q3.host:2,", Info{Unique: "1700000000.M1P2Q3.host", Size: -1}, false},
		{"1700000000.M1P2Q3.host;2,ST", Info{Unique: "1700000000.M1P2Q3.host", Flags: "ST", Size: -1}, false},
		{"1700000000.M1P2Q3.host", Info{Unique: "1700000000.M1P2Q3.host", Size: -1}, false},
		{"1700000000.host,S=5", Info{Unique: "1700000000.host,S=5", Size: 5}, false},
		{"1700000000.host:1,anything goes", Info{Unique: "1700000000.host", Size: -1, Experimental: true}, false},
		{"1700000000.host:2,Sab", Info{Unique: "1700000000.host", Flags: "Sab", Size: -1}, false},
		{"1700000000.host;x", Info{Unique: "1700000000.host;x", Size: -1}, false},
		{"1700000000.host:2,S1", Info{}, true},
		{"1700000000.host:2,S\xff", Info{}, true},
		{"1700000000.host:3,S", Info{}, true},
		{"1700000000.host:2", Info{}, true},
		{"1700000000.host,S=x:2,S", Info{}, true},
		{":2,S", Info{}, true},
		{"", Info{}, true},
		{".hidden", Info{}, true},
		{"a/b", Info{}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseName(tt.name)
			if tt.wantErr {
				if !errors.Is(err, ErrName) {
					t.Fatalf("err = %v, want ErrName", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got != tt.want {
				t.Errorf("got %+v, want %+v", got, tt.want)
			}
		})
	}
}

// materialise builds the tree described by testdata/maildir/<name>/layout.txt.
func materialise(t *testing.T, name string) string {
	t.Helper()
	f, err := os.Open(filepath.Join("testdata/maildir", name, "layout.txt"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	root := t.TempDir()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := sc.Text()
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		p := filepath.Join(root, filepath.FromSlash(line))
		if strings.HasSuffix(line, "/") {
			if err := os.MkdirAll(p, 0o755); err != nil {
				t.Fatal(err)
			}
			continue
		}
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte("Subject: x\n\nbody\n"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return root
}

func TestFoldersAndWalk(t *testing.T) {
	tests := []struct {
		name    string
		folders []string
		entries []string // folder|sub|file name|flags|err?
	}{
		{"plusplus-flags",
			[]string{"INBOX", "Sent", "Sub/Folder", "été"},
			[]string{
				"INBOX|cur|1700000000.M1P2Q3.host,S=1234,W=1260:2,FRS|FRS|",
				"INBOX|cur|1700000001.M2P2.host:2,||",
				"INBOX|cur|1700000002.M3P2.host;2,S|S|",
				"INBOX|cur|1700000003.M4P2.host:2,S1||err",
				"INBOX|new|1700000004.M5P2.host,S=99||",
				"Sent|cur|1700000007.M8P2.host:1,whatever||",
				"Sub/Folder|cur|1700000006.M7P2.host:2,Sa|Sa|",
				"été|cur|1700000008.M9P2.host:2,||",
			}},
		{"layout-fs",
			[]string{"INBOX", "Archive", "Archive/2024"},
			[]string{
				"INBOX|new|1.M1.host||",
				"Archive|cur|2.M2.host:2,S|S|",
				"Archive/2024|cur|3.M3.host:2,T|T|",
			}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			root := materialise(t, tt.name)
			if !IsMaildir(root) {
				t.Fatal("IsMaildir(root) = false")
			}
			fs, err := Folders(root)
			if err != nil {
				t.Fatal(err)
			}
			var names []string
			for _, f := range fs {
				names = append(names, f.Name)
			}
			if !reflect.DeepEqual(names, tt.folders) {
				t.Errorf("folders %q, want %q", names, tt.folders)
			}
			var got []string
			for e := range Walk(root) {
				errs := ""
				if e.Err != nil {
					errs = "err"
					if !strings.Contains(e.Err.Error(), e.Path) {
						t.Errorf("error %q does not name %s", e.Err, e.Path)
					}
				}
				got = append(got, fmt.Sprintf("%s|%s|%s|%s|%s", e.Folder, e.Sub, filepath.Base(e.Path), e.Info.Flags, errs))
			}
			if !reflect.DeepEqual(got, tt.entries) {
				t.Errorf("walk:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(tt.entries, "\n"))
			}
		})
	}
}

func TestWalkErrors(t *testing.T) {
	t.Run("missing root", func(t *testing.T) {
		n := 0
		for e := range Walk(filepath.Join(t.TempDir(), "nope")) {
			if e.Err == nil {
				t.Errorf("entry without error: %+v", e)
			}
			n++
		}
		if n != 1 {
			t.Errorf("%d entries, want 1", n)
		}
	})
	t.Run("cur is a file", func(t *testing.T) {
		// Archive is then no Maildir; its nested Archive/2024 still is.
		root := materialise(t, "layout-fs")
		if err := os.RemoveAll(filepath.Join(root, "Archive/cur")); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(root, "Archive/cur"), nil, 0o644); err != nil {
			t.Fatal(err)
		}
		var got []string
		for e := range Walk(root) {
			got = append(got, e.Folder)
		}
		if !reflect.DeepEqual(got, []string{"INBOX", "Archive/2024"}) {
			t.Errorf("got %q", got)
		}
	})
	t.Run("stop early", func(t *testing.T) {
		root := materialise(t, "plusplus-flags")
		n := 0
		for range Walk(root) {
			n++
			break
		}
		if n != 1 {
			t.Errorf("n = %d", n)
		}
	})
}

func TestDecodeMUTF7(t *testing.T) {
	tests := []struct {
		in, want string
		ok       bool
	}{
		{"plain", "plain", true},
		{"&AOk-t&AOk-", "été", true},
		{"A&-B", "A&B", true},
		{"&Jjo-!", "☺!", true},
		{"&ZeVnLIqe-", "日本語", true},
		{"&broken", "", false},
		{"&A-", "", false},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, ok := decodeMUTF7(tt.in)
			if ok != tt.ok || got != tt.want {
				t.Errorf("decodeMUTF7(%q) = %q, %v; want %q, %v", tt.in, got, ok, tt.want, tt.ok)
			}
		})
	}
}

// FuzzParseName: never panics; a name without error has a non-empty
// unique part and flags of letters only. Seeds: testdata/fuzz/FuzzParseName.
func FuzzParseName(f *testing.F) {
	f.Add("1700000000.M1P2Q3.host,S=1234,W=1260:2,FRS")
	f.Fuzz(func(t *testing.T, name string) {
		info, err := ParseName(name)
		if err != nil {
			if !errors.Is(err, ErrName) {
				t.Fatalf("error does not wrap ErrName: %v", err)
			}
			return
		}
		if info.Unique == "" || !strings.HasPrefix(name, info.Unique) {
			t.Fatalf("unique %q of %q", info.Unique, name)
		}
		for _, c := range []byte(info.Flags) {
			if !('A' <= c && c <= 'Z' || 'a' <= c && c <= 'z') {
				t.Fatalf("flag %q accepted", c)
			}
		}
	})
}
