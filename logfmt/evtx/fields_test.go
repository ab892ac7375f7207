package evtx

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestFieldsRegression compares Fields with the evtx_dump JSON (Rust evtx
// crate) that SigmaHQ ships next to each regression .evtx.
func TestFieldsRegression(t *testing.T) {
	jsons, _ := filepath.Glob(filepath.Join(testdataRoot, "sigma/regression/regression_data/rules/windows/*/*/*.json"))
	more, _ := filepath.Glob(filepath.Join(testdataRoot, "sigma/regression/regression_data/rules/windows/*/*/*/*.json"))
	jsons = append(jsons, more...)
	if len(jsons) == 0 {
		if os.Getenv("CI") != "" {
			t.Fatal("no regression JSON under " + testdataRoot)
		}
		t.Skip("no regression JSON under " + testdataRoot)
	}
	for _, jp := range jsons {
		evtxPath := strings.TrimSuffix(jp, ".json") + ".evtx"
		if _, err := os.Stat(evtxPath); err != nil {
			continue
		}
		t.Run(relName(jp), func(t *testing.T) {
			raw, err := os.ReadFile(jp)
			if err != nil {
				t.Fatal(err)
			}
			type eventDoc struct {
				Event struct {
					System    map[string]any `json:"System"`
					EventData map[string]any `json:"EventData"`
				} `json:"Event"`
			}
			dec := json.NewDecoder(bytes.NewReader(raw))
			var docs []eventDoc
			for dec.More() {
				var d eventDoc
				if err := dec.Decode(&d); err != nil {
					t.Fatal(err)
				}
				docs = append(docs, d)
			}
			for _, doc := range docs {
				wantID := canon(doc.Event.System["EventRecordID"])
				recs, errs := readAll(t, evtxPath)
				if len(errs) > 0 {
					t.Fatalf("reader errors: %v", errs)
				}
				var f map[string]any
				for _, r := range recs {
					if m := r.Fields(); canon(m["EventRecordID"]) == wantID {
						f = m
						break
					}
				}
				if f == nil {
					t.Fatalf("no record with EventRecordID %s", wantID)
				}
				check := func(key string, want any) {
					t.Helper()
					got, ok := f[key]
					if !ok {
						t.Errorf("%s: missing, want %v", key, want)
						return
					}
					if canon(got) != canon(want) {
						t.Errorf("%s = %#v, want %#v", key, got, want)
					}
				}
				sys := doc.Event.System
				for _, k := range []string{"EventID", "Version", "Level", "Task", "Opcode", "Keywords", "EventRecordID", "Channel", "Computer"} {
					if v, ok := sys[k]; ok && v != nil {
						if m, isMap := v.(map[string]any); isMap {
							v = m["#text"]
						}
						check(k, v)
					}
				}
				attrs := func(elem string) map[string]any {
					m, _ := sys[elem].(map[string]any)
					a, _ := m["#attributes"].(map[string]any)
					return a
				}
				for _, ea := range [][2]string{{"Provider", "Name"}, {"Provider", "Guid"}, {"Execution", "ProcessID"}, {"Execution", "ThreadID"}, {"Security", "UserID"}, {"TimeCreated", "SystemTime"}} {
					if v, ok := attrs(ea[0])[ea[1]]; ok {
						check(ea[0]+"_"+ea[1], v)
					}
				}
				if v, ok := attrs("TimeCreated")["SystemTime"]; ok {
					check("TimeCreated", v)
				}
				if _, ok := f["EventID"].(int64); !ok {
					t.Errorf("EventID is %T, want int64", f["EventID"])
				}
				for k, v := range doc.Event.EventData {
					check(k, v)
					check("Event.EventData."+k, v)
				}
			}
		})
	}
}

// canon renders a field value for comparison with the Rust evtx crate's
// JSON: numbers in decimal, GUIDs without braces, times as instants at
// microsecond precision.
func canon(v any) string {
	switch x := v.(type) {
	case float64:
		if x == float64(int64(x)) {
			return fmt.Sprint(int64(x))
		}
	case time.Time:
		return x.UTC().Truncate(time.Microsecond).Format(time.RFC3339Nano)
	case string:
		if tm, err := time.Parse(time.RFC3339Nano, x); err == nil {
			return tm.UTC().Truncate(time.Microsecond).Format(time.RFC3339Nano)
		}
		if len(x) == 38 && x[0] == '{' && x[37] == '}' {
			return strings.ToUpper(x[1:37])
		}
		return strings.TrimSpace(x) // the Rust crate trims text
	}
	return fmt.Sprint(v)
}
