package plant

import (
	"bytes"
	"context"
	"errors"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/mailtrip/mailtrip/mailfmt/mbox"
)

const realMbox = "From alice@example.com Mon Jan  6 08:00:00 2025\n" +
	"From: alice@example.com\nSubject: one\nMessage-ID: <one@example.com>\n\nfirst\n>From the archive\n\n" +
	"From bob@example.com Tue Jan  7 09:00:00 2025\n" +
	"From: bob@example.com\nSubject: two\nMessage-ID: <two@example.com>\n\nsecond"

// readMbox reads every message of the mbox at path.
func readMbox(t *testing.T, path string) (ids []string, bodies map[string]string) {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	bodies = map[string]string{}
	rd := mbox.NewReader(f, mbox.Options{})
	for {
		m, err := rd.Next()
		if err == io.EOF {
			return ids, bodies
		}
		if err != nil {
			t.Fatalf("read mbox: %v", err)
		}
		id := m.Header.Get("Message-ID")
		ids = append(ids, id)
		bodies[id] = string(m.Body)
	}
}

func TestMboxEnds(t *testing.T) {
	ctx := context.Background()
	for _, tc := range []struct {
		name, before string
		pad          int64
	}{
		{"empty", "", 0},
		{"no final newline", realMbox, 2},
		{"final newline, no blank line", realMbox + "\n", 1},
		{"blank line", realMbox + "\n\n", 0},
		{"crlf blank line", strings.ReplaceAll(realMbox, "\n", "\r\n") + "\r\n\r\n", 0},
		{"crlf no blank line", strings.ReplaceAll(realMbox, "\n", "\r\n") + "\r\n", 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "mbox")
			os.WriteFile(path, []byte(tc.before), 0o640)
			tg := mustOpen(t, "mbox:"+path, Options{})
			m := handMade("dec1", "Wire", "From here on we use the new account.\n>From the old one\n>>From x\nFrom\nend")
			r, err := tg.Plant(ctx, m)
			if err != nil {
				t.Fatal(err)
			}
			if r.Offset != int64(len(tc.before)) || r.Path != path || r.Target != path {
				t.Errorf("receipt %+v, want offset %d", r, len(tc.before))
			}
			b, _ := os.ReadFile(path)
			if string(b[:len(tc.before)]) != tc.before {
				t.Fatal("existing bytes changed")
			}
			ours := b[r.Offset:]
			if int64(len(ours)) != r.Size || hexSHA(ours) != r.SHA256 {
				t.Errorf("receipt does not cover exactly our bytes")
			}
			if !bytes.HasPrefix(ours[tc.pad:], []byte("From alice@example.com Tue Mar  4 10:11:12 2025\n")) {
				t.Errorf("our bytes start %q", ours[:min(60, len(ours))])
			}
			if !bytes.Contains(ours, []byte("\n>From here on we use")) || !bytes.Contains(ours, []byte("\n>>From the old one\n")) || !bytes.Contains(ours, []byte("\n>>>From x\n")) {
				t.Errorf("mboxrd quoting missing:\n%s", ours)
			}
			ids, bodies := readMbox(t, path)
			if ids[len(ids)-1] != m.MessageID {
				t.Fatalf("mbox reader sees %v", ids)
			}
			want := "From here on we use the new account.\n>From the old one\n>>From x\nFrom\nend\n"
			if got := bodies[m.MessageID]; got != want && got != want+"\n" {
				t.Errorf("body read back %q, want %q", got, want)
			}
			if st := verify(t, tg, r); !st.Present {
				t.Errorf("verify %+v", st)
			}
			if err := tg.Remove(ctx, r); err != nil {
				t.Fatal(err)
			}
			if b, _ := os.ReadFile(path); string(b) != tc.before {
				t.Errorf("after remove the mbox is %q, want %q", b, tc.before)
			}
			if fi, _ := os.Stat(path); fi.Mode().Perm() != 0o640 {
				t.Errorf("mode %v, want 0640", fi.Mode().Perm())
			}
		})
	}
}

func TestMboxTamper(t *testing.T) {
	ctx := context.Background()
	for _, tc := range []struct {
		name   string
		tamper func(b []byte, r Receipt) []byte
		want   Status // Detail ignored
		refuse bool
		after  string // the file after Remove; "" = the original
	}{
		{
			name:   "untouched, receipt without Size",
			tamper: func(b []byte, r Receipt) []byte { return b },
			want:   Status{Present: true},
		},
		{
			name: "shifted by an expunge before it",
			tamper: func(b []byte, r Receipt) []byte {
				i := bytes.Index(b, []byte("From bob"))
				return b[i:]
			},
			want:  Status{Present: true},
			after: realMbox[strings.Index(realMbox, "From bob"):] + "\n\n",
		},
		{
			name: "read by mutt (Status added)",
			tamper: func(b []byte, r Receipt) []byte {
				return bytes.Replace(b, []byte("Message-ID: <dec2@example.com>\n"), []byte("Message-ID: <dec2@example.com>\nStatus: RO\nX-Status: A\n"), 1)
			},
			want: Status{Present: true, FlagsChanged: "Status: RO; X-Status: A"},
		},
		{
			name: "edited",
			tamper: func(b []byte, r Receipt) []byte {
				return bytes.Replace(b, []byte("account"), []byte("ACCOUNT"), 1)
			},
			want: Status{Modified: true}, refuse: true,
		},
		{
			name:   "deleted by hand",
			tamper: func(b []byte, r Receipt) []byte { return b[:r.Offset] },
			want:   Status{},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "mbox")
			orig := realMbox + "\n\n"
			os.WriteFile(path, []byte(orig), 0o600)
			tg := mustOpen(t, "mbox:"+path, Options{})
			r, err := tg.Plant(ctx, handMade("dec2", "x", "use the new account\n"))
			if err != nil {
				t.Fatal(err)
			}
			b, _ := os.ReadFile(path)
			tampered := tc.tamper(b, r)
			os.WriteFile(path, tampered, 0o600)
			r.Size = 0 // as rebuilt from the store
			st := verify(t, tg, r)
			if st.Present != tc.want.Present || st.Modified != tc.want.Modified || st.FlagsChanged != tc.want.FlagsChanged || st.Detail == "" {
				t.Errorf("status %+v, want %+v", st, tc.want)
			}
			err = tg.Remove(ctx, r)
			if tc.refuse {
				if !errors.Is(err, ErrModified) {
					t.Errorf("remove: %v, want ErrModified", err)
				}
				if b, _ := os.ReadFile(path); !bytes.Equal(b, tampered) {
					t.Error("refused remove changed the file")
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			want := tc.after
			if want == "" {
				want = orig
			}
			if b, _ := os.ReadFile(path); string(b) != want {
				t.Errorf("after remove:\n%q\nwant\n%q", b, want)
			}
			if err := tg.Remove(ctx, r); err != nil {
				t.Errorf("second remove: %v", err)
			}
			if st := verify(t, tg, r); st.Present || st.Modified {
				t.Errorf("after remove: %+v", st)
			}
		})
	}
}

func TestMboxMissing(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	path := filepath.Join(dir, "sub", "mbox")
	m := handMade("miss", "x", "x\n")
	if _, err := mustOpen(t, "mbox:"+path, Options{}).Plant(ctx, m); !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("plant into missing mbox: %v", err)
	}
	tg := mustOpen(t, "mbox:"+path, Options{Create: true})
	r, err := tg.Plant(ctx, m)
	if err != nil {
		t.Fatal(err)
	}
	if r.Offset != 0 {
		t.Errorf("offset %d", r.Offset)
	}
	os.Remove(path)
	if st := verify(t, tg, r); st.Present || !strings.Contains(st.Detail, "deleted") {
		t.Errorf("verify of a deleted mbox: %+v", st)
	}
	if err := tg.Remove(ctx, r); err != nil {
		t.Errorf("remove from a deleted mbox: %v", err)
	}
	if _, err := os.Stat(path); !errors.Is(err, fs.ErrNotExist) {
		t.Error("Remove created the mbox")
	}
}

func TestMboxContextCancel(t *testing.T) {
	path := filepath.Join(t.TempDir(), "mbox")
	os.WriteFile(path, nil, 0o600)
	os.WriteFile(path+".lock", nil, 0o644)
	ctx, cancel := context.WithCancelCause(context.Background())
	cause := errors.New("shutting down")
	time.AfterFunc(50*time.Millisecond, func() { cancel(cause) })
	if _, err := mustOpen(t, "mbox:"+path, Options{}).Plant(ctx, handMade("c", "x", "x\n")); !errors.Is(err, cause) {
		t.Errorf("err %v, want the cancel cause", err)
	}
}

// TestMboxConcurrent plants from several goroutines at once: the locks
// keep every message whole.
func TestMboxConcurrent(t *testing.T) {
	path := filepath.Join(t.TempDir(), "mbox")
	os.WriteFile(path, []byte(realMbox), 0o600)
	tg := mustOpen(t, "mbox:"+path, Options{})
	errs := make(chan error, 8)
	for i := range 8 {
		go func() {
			_, err := tg.Plant(context.Background(), handMade("conc"+string(rune('a'+i)), "x", strings.Repeat("line of text\n", 500)))
			errs <- err
		}()
	}
	for range 8 {
		if err := <-errs; err != nil {
			t.Fatal(err)
		}
	}
	ids, _ := readMbox(t, path)
	if len(ids) != 10 {
		t.Errorf("mbox holds %d messages, want 10: %v", len(ids), ids)
	}
}
