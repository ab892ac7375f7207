package mailrules

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/mailtrip/mailtrip/alert"
	"github.com/mailtrip/mailtrip/event"
	"github.com/mailtrip/mailtrip/logfmt"
	"github.com/mailtrip/mailtrip/logfmt/gws"
	"github.com/mailtrip/mailtrip/logfmt/m365"
	"github.com/mailtrip/mailtrip/logfmt/sieve"
)

// shared returns the path of a file under ../shared/testdata (beside the
// repository).
func shared(t testing.TB, elem ...string) string {
	t.Helper()
	_, file, _, _ := runtime.Caller(0)
	p := filepath.Join(append([]string{filepath.Dir(file), "..", "..", "..", "shared", "testdata"}, elem...)...)
	if _, err := os.Stat(p); err != nil {
		t.Fatalf("shared sample missing (the tests need ../shared/testdata beside the repository): %v", err)
	}
	return p
}

// decode decodes JSON the way jsonlog does (numbers as json.Number).
func decode(t testing.TB, b []byte) map[string]any {
	t.Helper()
	var m map[string]any
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	if err := dec.Decode(&m); err != nil {
		t.Fatal(err)
	}
	return m
}

// m365Event builds an event from decoded record fields as ingest/logs.go
// does for the m365.* formats: Time, Mailbox = UserID, RecordID = ID,
// Format = the reader's format name for the record's kind.
func m365Event(fields map[string]any, file string, line int) *event.Event {
	rec := m365.Normalize(fields, logfmt.Origin{Line: line})
	return &event.Event{
		Kind: event.KindLog, Time: rec.Time, Mailbox: rec.UserID(), Fields: rec.Fields,
		Origin: event.Origin{File: file, Offset: rec.Offset, Line: int64(rec.Line), RecordID: rec.ID(), Format: "m365." + rec.Kind.String()},
	}
}

// gwsEvents builds the events of one decoded activity as ingest does
// for gws.activity.
func gwsEvents(act map[string]any, file string, line int) []*event.Event {
	var out []*event.Event
	for _, rec := range gws.Split(act, logfmt.Origin{Line: line}) {
		out = append(out, &event.Event{
			Kind: event.KindLog, Time: rec.Time, Mailbox: rec.UserID(), Fields: rec.Fields,
			Origin: event.Origin{File: file, Offset: rec.Offset, Line: int64(rec.Line), RecordID: rec.ID(), Format: "gws.activity"},
		})
	}
	return out
}

// sieveEvents builds events from a filter script as ingest would with
// sieve.ReadRecords: Mailbox = the Owner field.
func sieveEvents(t testing.TB, src, name string) []*event.Event {
	t.Helper()
	recs, err := sieve.ReadRecords(strings.NewReader(src), name, sieve.Options{})
	if err != nil {
		t.Fatal(err)
	}
	format := "sieve.script"
	if len(recs) > 0 {
		format = "sieve." + map[string]string{"sieve": "script", "forward": "forward", "procmail": "procmail"}[recs[0].Fields[sieve.FieldFormat].(string)]
	}
	var out []*event.Event
	for _, r := range recs {
		owner, _ := r.Fields[sieve.FieldOwner].(string)
		out = append(out, &event.Event{Kind: event.KindLog, Mailbox: owner, Fields: r.Fields,
			Origin: event.Origin{File: name, Offset: r.Offset, Line: int64(r.Line), Format: format}})
	}
	return out
}

// run runs a detector over events and returns its alerts.
func run(t testing.TB, d *Detector, evs ...*event.Event) []alert.Alert {
	t.Helper()
	var out []alert.Alert
	for _, e := range evs {
		if err := d.Detect(context.Background(), e, func(a alert.Alert) { out = append(out, a) }); err != nil {
			t.Fatal(err)
		}
	}
	return out
}

func fixedNow() time.Time { return time.Date(2025, 1, 2, 3, 4, 5, 0, time.UTC) }

// ual builds a unified audit log record of an Exchange admin operation
// with Parameters, the way the Management Activity API writes it.
func ual(op, user, ip string, params ...string) map[string]any {
	var ps []any
	for i := 0; i+1 < len(params); i += 2 {
		ps = append(ps, map[string]any{"Name": params[i], "Value": params[i+1]})
	}
	return map[string]any{
		"CreationTime": "2025-01-01T10:00:00", "Id": "id-" + op, "Operation": op, "RecordType": json.Number("1"),
		"ResultStatus": "True", "UserId": user, "ClientIP": ip, "Workload": "Exchange",
		"OrganizationName": "corp.onmicrosoft.com", "Parameters": ps,
	}
}

// levels summarises alerts as "rule:level".
func levels(as []alert.Alert) []string {
	var out []string
	for _, a := range as {
		out = append(out, a.Rule.ID+":"+a.Rule.Level.String())
	}
	return out
}

func readFile(p string) (string, error) {
	b, err := os.ReadFile(p)
	return string(b), err
}
