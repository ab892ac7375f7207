package m365

import (
	"bytes"
	"encoding/json"
	"os"
	"strings"
	"testing"

	"github.com/mailtrip/mailtrip/logfmt/internal/logtest"
)

// TestReaderLookupsAsNormalize checks that records from the Reader (which
// indexes keys with the decoder's list and a filter) answer every lookup
// as Normalize over an encoding/json decoding of the same record does:
// each key in its own, lower and upper case, derived keys, dotted paths
// and keys no record has. The samples are read as given and with their
// top-level keys lower-cased (a SIEM copy).
func TestReaderLookupsAsNormalize(t *testing.T) {
	var lines [][]byte
	for _, f := range logtest.Glob(t, "platform/m365/*.json") {
		raw, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		var c bytes.Buffer
		if err := json.Compact(&c, raw); err != nil {
			t.Fatal(err)
		}
		lines = append(lines, c.Bytes())
		var m map[string]json.RawMessage
		if err := json.Unmarshal(raw, &m); err != nil {
			t.Fatal(err)
		}
		low := map[string]json.RawMessage{}
		for k, v := range m {
			low[strings.ToLower(k)] = v
		}
		b, _ := json.Marshal(low)
		lines = append(lines, b)
	}
	data := append(bytes.Join(lines, []byte("\n")), '\n')
	recs, errs := readAll(t, data, Options{})
	if len(errs) > 0 || len(recs) != len(lines) {
		t.Fatalf("%d records, errors %v", len(recs), errs)
	}
	absent := []string{"Nope", "nope.x", "ClientIP_Port", "parameters_FLAT", "PurviewCSV.CreationDate", "properties.ipAddress", "X", ""}
	for i, rec := range recs {
		var fields map[string]any
		dec := json.NewDecoder(bytes.NewReader(lines[i]))
		dec.UseNumber()
		if err := dec.Decode(&fields); err != nil {
			t.Fatal(err)
		}
		want := Normalize(fields, rec.Origin)
		if a, b := js(rec.Fields), js(want.Fields); a != b {
			t.Fatalf("record %d: fields differ:\n%s\n%s", i, a, b)
		}
		if rec.Kind != want.Kind || !rec.Time.Equal(want.Time) || strings.Join(rec.Defects, "|") != strings.Join(want.Defects, "|") {
			t.Errorf("record %d: kind %v/%v time %v/%v defects %q/%q", i, rec.Kind, want.Kind, rec.Time, want.Time, rec.Defects, want.Defects)
		}
		var paths []string
		for k, v := range rec.Fields {
			paths = append(paths, k, strings.ToLower(k), strings.ToUpper(k))
			if m, ok := v.(map[string]any); ok {
				for sk := range m {
					paths = append(paths, strings.ToUpper(k)+"."+sk, k+"."+strings.ToLower(sk))
				}
			}
		}
		for _, p := range append(paths, absent...) {
			got, ok1 := rec.Lookup(p)
			exp, ok2 := want.Lookup(p)
			if ok1 != ok2 || js(got) != js(exp) {
				t.Errorf("record %d: Lookup(%q) = %s %v, Normalize gives %s %v", i, p, js(got), ok1, js(exp), ok2)
			}
		}
		if a, b := rec.UserID()+rec.ID()+rec.ClientIP()+rec.Operation()+rec.ResultStatus(), want.UserID()+want.ID()+want.ClientIP()+want.Operation()+want.ResultStatus(); a != b {
			t.Errorf("record %d: accessors %q / %q", i, a, b)
		}
	}
}

func js(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		return "error: " + err.Error()
	}
	return string(b)
}
