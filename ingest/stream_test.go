package ingest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/mailtrip/mailtrip/event"
	"github.com/mailtrip/mailtrip/logfmt"
)

// ualLine is a UAL record as one JSON line.
func ualLine(id string) string {
	return `{"CreationTime":"2024-03-04T09:10:00","Id":"` + id + `","Operation":"MailboxLogin","RecordType":2,"UserId":"ann@example.com","Workload":"Exchange","ResultStatus":"Succeeded"}` + "\n"
}

// summary is what a test compares of an event: all but its file, and
// its mailbox when that is named after the input (inputs).
func summary(ev *event.Event, inputs ...string) string {
	mailbox := ev.Mailbox
	for _, in := range inputs {
		if mailbox == in {
			mailbox = "(the input)"
		}
	}
	s := fmt.Sprintf("%s offset=%d line=%d id=%s format=%s time=%s mailbox=%s fields=%d",
		ev.Kind, ev.Origin.Offset, ev.Origin.Line, ev.Origin.RecordID, ev.Origin.Format, ev.Time.Format(time.RFC3339), mailbox, len(ev.Fields))
	if ev.Message != nil {
		s += " subject=" + ev.Message.Header.Get("Subject")
	}
	return s
}

// TestStdinFormats: standard input is recognised and read like a file of
// the same content — same format, records, offsets and lines — with
// origins naming <stdin>.
func TestStdinFormats(t *testing.T) {
	evtxSample, err := os.ReadFile(filepath.Join("..", "..", "shared", "testdata", "sigma", "regression", "regression_data", "rules",
		"windows", "process_creation", "proc_creation_win_susp_local_system_owner_account_discovery", "502b42de-4306-40b4-9596-6f590c81f073.evtx"))
	if err != nil {
		t.Fatalf("shared EVTX sample missing (the tests need ../shared/testdata beside the repository): %v", err)
	}
	for _, tc := range []struct {
		name   string
		data   []byte
		format Format
	}{
		{"json lines", []byte(ualLine("a") + ualLine("b") + ualLine("c")), FormatLog},
		{"json array", []byte("[\n  " + strings.TrimSpace(ualLine("a")) + ",\n  " + strings.TrimSpace(ualLine("b")) + "\n]\n"), FormatLog},
		{"csv", []byte("CreationDate,UserIds,Operations,AuditData\n2024-03-04T09:10:00,ann@example.com,MailboxLogin,\"{\"\"Id\"\":\"\"a\"\"}\"\n"), FormatLog},
		{"syslog", []byte("Mar  4 09:10:00 mx dovecot: imap-login: Login: user=<ann>, method=PLAIN, rip=192.0.2.7, lip=192.0.2.1\n" +
			"Mar  4 09:11:00 mx dovecot: imap(ann): Disconnected: Logged out in=10 out=20\n"), FormatLog},
		{"w3c", []byte("#Software: Microsoft Internet Information Services 10.0\n#Version: 1.0\n#Date: 2024-03-04 09:00:00\n" +
			"#Fields: date time s-ip cs-method cs-uri-stem cs-username c-ip sc-status\n2024-03-04 09:10:00 192.0.2.1 GET /owa/ ann 192.0.2.7 200\n"), FormatLog},
		{"mbox", []byte(mboxOf("a", "b", "c")), FormatMbox},
		{"eml", []byte(msg("a")), FormatEML},
		{"gzip mbox", gz(t, mboxOf("a", "b")), FormatMbox},
		{"gzip json lines", gz(t, ualLine("a")+ualLine("b")), FormatLog},
		{"evtx", evtxSample, FormatEVTX},
	} {
		t.Run(tc.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "input")
			write(t, path, tc.data)
			filePlan, fileEvs, fileErrs := collect(t, Options{}, 1, path)
			plan, evs, errs := collect(t, Options{Stdin: bytes.NewReader(tc.data)}, 1, "-")
			if len(plan.Errors) > 0 || len(errs) != len(fileErrs) {
				t.Fatalf("plan errors %v, read errors %v (file: %v)", plan.Errors, errs, fileErrs)
			}
			if len(plan.Mailboxes) != 1 || plan.Mailboxes[0].Name != StdinName || plan.Mailboxes[0].Format != tc.format ||
				filePlan.Mailboxes[0].Format != tc.format {
				t.Fatalf("mailboxes %+v, want one %s named %s (file: %+v)", plan.Mailboxes, tc.format, StdinName, filePlan.Mailboxes)
			}
			if len(evs) == 0 || len(evs) != len(fileEvs) {
				t.Fatalf("%d events, the file gives %d", len(evs), len(fileEvs))
			}
			for i, ev := range evs {
				if ev.Origin.File != StdinName {
					t.Errorf("event %d: origin file %q", i, ev.Origin.File)
				}
				if got, want := summary(ev, StdinName), summary(fileEvs[i], path, filepath.Dir(path)); got != want {
					t.Errorf("event %d:\n got %s\nwant %s", i, got, want)
				}
			}
		})
	}
}

type result struct {
	ev  *event.Event
	err error
}

// readStdin plans "-" over r and reads its unit in the background.
func readStdin(t *testing.T, ctx context.Context, opt Options) (<-chan result, *Planner) {
	t.Helper()
	p := NewPlanner(opt, 1)
	units := make(chan *Unit, 1)
	go func() {
		_ = p.Run(ctx, []string{"-"}, func(u *Unit) { units <- u })
		close(units)
	}()
	out := make(chan result, 16)
	go func() {
		defer close(out)
		for u := range units {
			for ev, err := range u.Events(ctx) {
				out <- result{ev, err}
			}
		}
	}()
	return out, p
}

func next(t *testing.T, ch <-chan result, what string) (result, bool) {
	t.Helper()
	select {
	case r, ok := <-ch:
		return r, ok
	case <-time.After(10 * time.Second):
		t.Fatalf("%s: nothing within 10s", what)
	}
	return result{}, false
}

// TestStdinStreams: records on standard input are read as they arrive,
// while the writer still holds it open; a bad record is an error with
// its offset and reading goes on.
func TestStdinStreams(t *testing.T) {
	pr, pw := io.Pipe()
	defer pw.Close()
	ch, _ := readStdin(t, t.Context(), Options{Stdin: pr})
	first := ualLine("a") + ualLine("b")
	if _, err := io.WriteString(pw, first); err != nil {
		t.Fatal(err)
	}
	for i, off := range []int64{0, int64(len(ualLine("a")))} {
		r, ok := next(t, ch, "a record written while the pipe is open")
		if !ok || r.err != nil || r.ev == nil {
			t.Fatalf("record %d: %+v, open %v", i, r, ok)
		}
		if r.ev.Origin.File != StdinName || r.ev.Origin.Offset != off || r.ev.Origin.Format != "m365.ual" || r.ev.Origin.Line != int64(i+1) {
			t.Errorf("record %d: origin %+v", i, r.ev.Origin)
		}
	}
	bad := "{not json\n"
	if _, err := io.WriteString(pw, bad+ualLine("c")); err != nil {
		t.Fatal(err)
	}
	pw.Close()
	r, _ := next(t, ch, "the bad record")
	var pe *logfmt.ParseError
	if !errors.As(r.err, &pe) || pe.File != StdinName || pe.Offset != int64(len(first)) || pe.Line != 3 {
		t.Fatalf("bad record: %+v, want a parse error at %s offset %d line 3", r, StdinName, len(first))
	}
	if r.ev == nil { // the reader may pair the error with no event
		r, _ = next(t, ch, "the record after the bad one")
	}
	if r.ev == nil || r.ev.Origin.Offset != int64(len(first)+len(bad)) || r.ev.Origin.RecordID != "c" {
		t.Fatalf("after the bad record: %+v", r)
	}
	if r, ok := next(t, ch, "the end"); ok {
		t.Errorf("after the end: %+v", r)
	}
}

// TestStdinFollowStops: with Follow, standard input is read until Follow
// is closed, though the writer keeps it open.
func TestStdinFollowStops(t *testing.T) {
	pr, pw := io.Pipe()
	defer pw.Close()
	stop := make(chan struct{})
	ch, _ := readStdin(t, t.Context(), Options{Stdin: pr, Follow: stop})
	if _, err := io.WriteString(pw, ualLine("a")); err != nil {
		t.Fatal(err)
	}
	if r, ok := next(t, ch, "the record"); !ok || r.ev == nil {
		t.Fatalf("%+v", r)
	}
	close(stop)
	if r, ok := next(t, ch, "the end after the stop"); ok {
		t.Errorf("after the stop: %+v", r)
	}
}

// TestStdinCancelled: cancelling ends a read of standard input that is
// waiting for more.
func TestStdinCancelled(t *testing.T) {
	pr, pw := io.Pipe()
	defer pw.Close()
	ctx, cancel := context.WithCancelCause(t.Context())
	ch, _ := readStdin(t, ctx, Options{Stdin: pr})
	if _, err := io.WriteString(pw, ualLine("a")); err != nil {
		t.Fatal(err)
	}
	if r, ok := next(t, ch, "the record"); !ok || r.ev == nil {
		t.Fatalf("%+v", r)
	}
	cause := errors.New("operator stop")
	cancel(cause)
	for {
		r, ok := next(t, ch, "the end after cancelling")
		if !ok {
			break
		}
		if r.err != nil && !errors.Is(r.err, cause) {
			t.Errorf("error %v, want the cause", r.err)
		}
	}
}

// TestStdinErrors: "-" with no standard input, named twice, or holding
// nothing recognisable is a plan error naming <stdin>.
func TestStdinErrors(t *testing.T) {
	for _, tc := range []struct {
		name  string
		opt   Options
		paths []string
		want  string
	}{
		{"not available", Options{}, []string{"-"}, "not available"},
		{"named twice", Options{Stdin: strings.NewReader(ualLine("a"))}, []string{"-", "-"}, "named once"},
		{"unrecognised", Options{Stdin: strings.NewReader("\x00\x01\x02 binary")}, []string{"-"}, "not a recognised"},
		{"empty", Options{Stdin: strings.NewReader("")}, []string{"-"}, "not a recognised"},
		{"maildir forced", Options{Format: FormatMaildir, Stdin: strings.NewReader(msg("a"))}, []string{"-"}, "Maildir directory"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			plan, _, _ := collect(t, tc.opt, 1, tc.paths...)
			if len(plan.Errors) != 1 || !strings.Contains(plan.Errors[0].Error(), tc.want) || !strings.HasPrefix(plan.Errors[0].Error(), StdinName) {
				t.Errorf("plan errors %v, want one about %q", plan.Errors, tc.want)
			}
		})
	}
}
