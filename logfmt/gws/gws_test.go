package gws

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"testing"
	"time"

	"github.com/mailtrip/mailtrip/logfmt"
	"github.com/mailtrip/mailtrip/logfmt/internal/logtest"
	"github.com/mailtrip/mailtrip/logfmt/jsonlog"
)

func readAll(t testing.TB, data []byte) []*Record {
	t.Helper()
	r := NewReader(bytes.NewReader(data), Options{})
	var out []*Record
	for i := 0; i < len(data)+10; i++ {
		rec, err := r.Next()
		if err == io.EOF {
			return out
		}
		if err != nil {
			var pe *logfmt.ParseError
			if !errors.As(err, &pe) {
				t.Fatal(err)
			}
			t.Errorf("parse error: %v", err)
			continue
		}
		out = append(out, rec)
	}
	t.Fatal("no EOF")
	return nil
}

func TestFlatSamples(t *testing.T) {
	tests := []struct {
		file, name, user, ip, status, id, loginType, challenge string
		time                                                   time.Time
	}{
		{"reports-login-failure.splunk-example.json", "login_failure", "user29@daftpunk.com", "141.254.89.27", "failure", "720229394436", "unknown", "password", time.Date(2022, 10, 12, 1, 5, 35, 119000000, time.UTC)},
		{"reports-login-success.splunk-example.json", "login_success", "user1@splunkresearch.com", "45.23.129.123", "success", "437744618349", "google_password", "password,password,password,password,password", time.Date(2022, 10, 13, 20, 57, 35, 833000000, time.UTC)},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			recs := readAll(t, logtest.Read(t, "platform", "gws", tt.file))
			if len(recs) != 1 {
				t.Fatalf("%d records", len(recs))
			}
			r := recs[0]
			if r.Shape != ShapeFlat || r.EventName() != tt.name || r.EventType() != "login" || r.Application() != "login" || r.UserID() != tt.user || r.ClientIP() != tt.ip || r.ResultStatus() != tt.status || r.ID() != tt.id || !r.Time.Equal(tt.time) {
				t.Errorf("got %v %q %q %q %q %q %v", r.Shape, r.EventName(), r.UserID(), r.ClientIP(), r.ResultStatus(), r.ID(), r.Time)
			}
			if r.Param("login_type") != tt.loginType || r.Param("login_challenge_method") != tt.challenge {
				t.Errorf("params %v", r.Params())
			}
			if _, ok := r.Fields["event"].(map[string]any)["parameters"].([]any); !ok {
				t.Error("source parameters list not kept")
			}
		})
	}
	r := readAll(t, logtest.Read(t, "platform", "gws", "reports-login-success.splunk-example.json"))[0]
	if r.Params()["is_suspicious"] != false {
		t.Errorf("boolValue: %v", r.Params()["is_suspicious"])
	}
}

// TestReportsPage rebuilds the API's own shape from the two samples: one
// page, one activity per sample with two events each.
func TestReportsPage(t *testing.T) {
	var items []any
	for _, f := range []string{"reports-login-failure.splunk-example.json", "reports-login-success.splunk-example.json"} {
		var m map[string]any
		dec := json.NewDecoder(bytes.NewReader(logtest.Read(t, "platform", "gws", f)))
		dec.UseNumber()
		if err := dec.Decode(&m); err != nil {
			t.Fatal(err)
		}
		ev := m["event"]
		delete(m, "event")
		m["events"] = []any{ev, map[string]any{"type": "login", "name": "login_verification", "parameters": []any{map[string]any{"name": "login_type", "value": "exchange"}}}}
		items = append(items, m)
	}
	page, _ := json.MarshalIndent(map[string]any{"kind": "admin#reports#activities", "items": items, "nextPageToken": "x"}, "", "  ")
	if g := Sniff(page, "page.json"); g.Format != "gws.activity" {
		t.Errorf("sniff %+v", g)
	}
	recs := readAll(t, page)
	if len(recs) != 4 {
		t.Fatalf("%d records", len(recs))
	}
	want := []string{"login_failure", "login_verification", "login_success", "login_verification"}
	for i, r := range recs {
		if r.EventName() != want[i] || r.EventIndex != i%2 || r.Shape != ShapeReports || r.UserID() == "" || r.Time.IsZero() {
			t.Errorf("record %d: %q index %d shape %v", i, r.EventName(), r.EventIndex, r.Shape)
		}
		if _, ok := r.Fields["events"]; ok {
			t.Errorf("record %d still holds events[]", i)
		}
		if i%2 == 1 && r.Param("login_type") != "exchange" {
			t.Errorf("record %d params %v", i, r.Params())
		}
	}
	if recs[0].Offset == recs[2].Offset || recs[0].Offset != recs[1].Offset {
		t.Errorf("origins: %v %v %v", recs[0].Origin, recs[1].Origin, recs[2].Origin)
	}
}

func TestPanther(t *testing.T) {
	jr := jsonlog.NewReader(bytes.NewReader(logtest.Read(t, "panther", "gsuite_external_forwarding.tests.jsonl")), jsonlog.Options{})
	n := 0
	for {
		rec, err := jr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		n++
		recs := Split(rec.Fields["log"].(map[string]any), rec.Origin)
		if len(recs) != 1 || recs[0].Shape != ShapePanther || recs[0].EventName() == "" || recs[0].UserID() == "" {
			t.Fatalf("%s: %+v", logfmt.Str(rec.Fields, "name"), recs)
		}
		r := recs[0]
		fw := r.Param("email_forwarding_destination_address")
		if (r.EventName() == "email_forwarding_out_of_domain") != (fw != "") {
			t.Errorf("%s: forwarding destination %q", logfmt.Str(rec.Fields, "name"), fw)
		}
		if r.EventName() == "rename" && (r.Param("doc_title") != "Document Title- Found Here" || r.ClientIP() != "12.12.12.12" || r.Time.IsZero()) {
			t.Errorf("drive rename: %v %v", r.Params(), r.Time)
		}
	}
	if n == 0 {
		t.Fatal("no records")
	}
}

// FuzzReader checks that no input makes the reader or accessors panic.
// Seeds: testdata/fuzz/FuzzReader.
func FuzzReader(f *testing.F) {
	f.Add([]byte(`{"items":[{"id":{"time":"x"},"events":[{"parameters":[{"name":"a","multiValue":["1"]},{"name":"a","intValue":"2"},3]}, 4]}]}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		r := NewReader(bytes.NewReader(data), Options{})
		for i := 0; i < len(data)+10; i++ {
			rec, err := r.Next()
			if err == io.EOF {
				return
			}
			if err != nil {
				continue
			}
			_ = rec.EventName() + rec.EventType() + rec.UserID() + rec.ClientIP() + rec.ID() + rec.Application() + rec.Param("a") + rec.ResultStatus()
		}
		t.Fatal("no EOF")
	})
}
