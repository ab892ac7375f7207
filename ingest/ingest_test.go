package ingest

import (
	"bytes"
	"compress/gzip"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/mailtrip/mailtrip/event"
)

func write(t *testing.T, path string, data []byte) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
}

func msg(id string) string {
	return fmt.Sprintf("From: a@example.com\nTo: b@example.com\nSubject: s %s\nDate: Mon, 4 Mar 2024 09:10:00 +0000\nMessage-ID: <%s@example.com>\n\nbody %s\n", id, id, id)
}

func mboxOf(ids ...string) string {
	var b strings.Builder
	for _, id := range ids {
		b.WriteString("From a@example.com Mon Mar  4 09:10:00 2024\n")
		b.WriteString(msg(id))
		b.WriteString("\n")
	}
	return b.String()
}

func gz(t *testing.T, s string) []byte {
	var b bytes.Buffer
	w := gzip.NewWriter(&b)
	if _, err := w.Write([]byte(s)); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// collect plans paths and reads every unit.
func collect(t *testing.T, opt Options, workers int, paths ...string) (*Plan, []*event.Event, []error) {
	t.Helper()
	p := NewPlanner(opt, workers)
	var units []*Unit
	if err := p.Run(context.Background(), paths, func(u *Unit) { units = append(units, u) }); err != nil {
		t.Fatal(err)
	}
	var evs []*event.Event
	var errs []error
	for _, u := range units {
		for ev, err := range u.Events(context.Background()) {
			if err != nil {
				errs = append(errs, err)
			}
			if ev != nil {
				evs = append(evs, ev)
			}
		}
	}
	return p.Plan(), evs, errs
}

func TestSniff(t *testing.T) {
	for _, tc := range []struct {
		name string
		data string
		want kind
	}{
		{"eml", msg("1"), kindEML},
		{"mbox", mboxOf("1"), kindMbox},
		{"pst", "!BDN\x00\x01", kindPST},
		{"yaml", "name: x\nversion: 2\n", kindUnknown},
		{"text", "hello world\n", kindUnknown},
		{"empty", "", kindUnknown},
		{"mozilla status first", "X-Mozilla-Status: 0001\nFrom: a@b\nSubject: x\n\n", kindEML},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := sniffBytes([]byte(tc.data)); got != tc.want {
				t.Errorf("sniff = %v, want %v", got, tc.want)
			}
		})
	}
}

// TestMailboxes checks what counts as one mailbox and what is skipped.
func TestMailboxes(t *testing.T) {
	root := t.TempDir()
	write(t, filepath.Join(root, "export", "a.eml"), []byte(msg("e1")))
	write(t, filepath.Join(root, "export", "sub", "b.eml"), []byte(msg("e2")))
	write(t, filepath.Join(root, "export", "notes.txt"), []byte("not mail\n"))
	write(t, filepath.Join(root, "export", "box.mbox"), []byte(mboxOf("m1", "m2")))
	write(t, filepath.Join(root, "export", "old.mbox.gz"), gz(t, mboxOf("g1", "g2", "g3")))
	md := filepath.Join(root, "export", "Maildir")
	write(t, filepath.Join(md, "cur", "1.M1.h:2,S"), []byte(msg("d1")))
	write(t, filepath.Join(md, "new", "2.M2.h"), []byte(msg("d2")))
	write(t, filepath.Join(md, ".Work.Projects", "cur", "3.M3.h:2,FS"), []byte(msg("d3")))
	write(t, filepath.Join(md, ".Work.Projects", "new", "x"), nil)
	if err := os.Remove(filepath.Join(md, ".Work.Projects", "new", "x")); err != nil {
		t.Fatal(err)
	}

	plan, evs, errs := collect(t, Options{}, 4, filepath.Join(root, "export"))
	if len(errs) != 0 || len(plan.Errors) != 0 {
		t.Fatalf("errors: %v %v", errs, plan.Errors)
	}
	got := map[string][]string{}
	for _, e := range evs {
		rel, _ := filepath.Rel(root, e.Mailbox)
		got[rel] = append(got[rel], e.Origin.RecordID+"|"+e.Folder)
	}
	for _, v := range got {
		sort.Strings(v)
	}
	want := map[string][]string{
		"export":             {"<e1@example.com>|", "<e2@example.com>|sub"},
		"export/box.mbox":    {"<m1@example.com>|", "<m2@example.com>|"},
		"export/old.mbox.gz": {"<g1@example.com>|", "<g2@example.com>|", "<g3@example.com>|"},
		"export/Maildir":     {"<d1@example.com>|INBOX", "<d2@example.com>|INBOX", "<d3@example.com>|Work/Projects"},
	}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("mailboxes:\n got %v\nwant %v", got, want)
	}
	if len(plan.Skipped) != 1 || !strings.HasSuffix(plan.Skipped[0].Path, "notes.txt") {
		t.Errorf("skipped %v, want notes.txt only", plan.Skipped)
	}
	if len(plan.Mailboxes) != 4 {
		t.Errorf("%d mailboxes planned: %+v", len(plan.Mailboxes), plan.Mailboxes)
	}
	for _, e := range evs {
		if e.Mailbox == filepath.Join(root, "export", "Maildir") && e.Origin.RecordID == "<d3@example.com>" && e.Message.Flags != "FS" {
			t.Errorf("Maildir flags %q, want FS", e.Message.Flags)
		}
		if e.Time.IsZero() {
			t.Errorf("%s: Date not parsed", e.Origin)
		}
	}
}

// TestSplitMbox: a large mbox read in sections yields exactly the messages
// of a sequential read, each once, with correct offsets.
func TestSplitMbox(t *testing.T) {
	var ids []string
	for i := range 2000 {
		ids = append(ids, fmt.Sprint(i))
	}
	data := mboxOf(ids...)
	path := filepath.Join(t.TempDir(), "big.mbox")
	write(t, path, []byte(data))
	seq := func(split int64, workers int) []string {
		plan, evs, errs := collect(t, Options{SplitBytes: split}, workers, path)
		if len(errs) > 0 {
			t.Fatal(errs)
		}
		if split > 0 && workers > 1 && plan.Units < 5 {
			t.Errorf("split %d gave %d units", split, plan.Units)
		}
		var out []string
		for _, e := range evs {
			if !strings.HasPrefix(data[e.Origin.Offset:], "From a@example.com") {
				t.Errorf("offset %d is not a From line", e.Origin.Offset)
			}
			out = append(out, fmt.Sprintf("%d %s", e.Origin.Offset, e.Origin.RecordID))
		}
		return out
	}
	whole := seq(-1, 1)
	if len(whole) != 2000 {
		t.Fatalf("sequential read: %d messages", len(whole))
	}
	parts := seq(16<<10, 4)
	if fmt.Sprint(parts) != fmt.Sprint(whole) {
		t.Errorf("sectioned read differs from sequential read (%d vs %d messages)", len(parts), len(whole))
	}
}

func TestExplicitPaths(t *testing.T) {
	dir := t.TempDir()
	write(t, filepath.Join(dir, "notes.txt"), []byte("not mail\n"))
	write(t, filepath.Join(dir, "a.pst"), []byte("!BDN\x00"))
	plan, _, _ := collect(t, Options{}, 1, filepath.Join(dir, "notes.txt"), filepath.Join(dir, "missing.eml"), filepath.Join(dir, "a.pst"))
	if len(plan.Errors) != 3 {
		t.Fatalf("errors %v, want 3 (unrecognised, missing, Outlook)", plan.Errors)
	}
	for i, want := range []string{"not a recognised mail store", "no such file", "readpst"} {
		if !strings.Contains(plan.Errors[i].Error(), want) {
			t.Errorf("error %q lacks %q", plan.Errors[i], want)
		}
	}
	// Forcing the format reads what sniffing would not.
	write(t, filepath.Join(dir, "odd.txt"), []byte("Subject: only one known field\n\nbody\n"))
	plan, evs, _ := collect(t, Options{Format: FormatEML}, 1, filepath.Join(dir, "odd.txt"))
	if len(plan.Errors) != 0 || len(evs) != 1 {
		t.Errorf("--input-format eml: errors %v, %d events", plan.Errors, len(evs))
	}
}

func TestDefaultLocations(t *testing.T) {
	home := t.TempDir()
	write(t, filepath.Join(home, "Maildir", "cur", "1:2,S"), []byte(msg("1")))
	write(t, filepath.Join(home, "Maildir", "new", "2"), []byte(msg("2")))
	write(t, filepath.Join(home, "var", "mail", "alice"), []byte(mboxOf("s")))
	write(t, filepath.Join(home, "var", "mail", "bob"), []byte(mboxOf("b")))
	write(t, filepath.Join(home, ".thunderbird", "x.default", "Mail", "Local Folders", "Inbox"), []byte(mboxOf("t")))
	write(t, filepath.Join(home, ".thunderbird", "x.default", "ImapMail", "imap.example.com", "INBOX"), []byte(mboxOf("i")))
	write(t, filepath.Join(home, "Documents", "Outlook Files", "me.pst"), []byte("!BDN"))
	env := Env{Home: home, User: "alice", Root: home, DataDir: filepath.Join(home, ".local/share"), Cache: filepath.Join(home, ".cache")}
	var got []string
	for _, l := range env.DefaultLocations() {
		rel, _ := filepath.Rel(home, l.Path)
		got = append(got, fmt.Sprintf("%s=%s/%v", rel, l.What, l.Outlook))
	}
	want := []string{
		"var/mail/alice=mbox spool/false",
		"Maildir=Maildir/false",
		".thunderbird/x.default/Mail=Thunderbird local folders/false",
		".thunderbird/x.default/ImapMail=Thunderbird IMAP cache/false",
		"Documents/Outlook Files/me.pst=Outlook data files/true",
	}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("locations:\n got %v\nwant %v", got, want)
	}
}
