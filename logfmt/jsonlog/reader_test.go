package jsonlog

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"errors"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"unicode/utf16"

	"github.com/mailtrip/mailtrip/logfmt"
	"github.com/mailtrip/mailtrip/logfmt/internal/logtest"
)

type result struct {
	recs []*Record
	errs []error
}

func readAll(t testing.TB, data []byte, opt Options) result {
	t.Helper()
	r := NewReader(bytes.NewReader(data), opt)
	var res result
	for i := 0; ; i++ {
		if i > len(data)+10 {
			t.Fatalf("reader does not terminate")
		}
		rec, err := r.Next()
		if err == io.EOF {
			return res
		}
		if err != nil {
			var pe *logfmt.ParseError
			if !errors.As(err, &pe) {
				t.Fatalf("non-parse error: %v", err)
			}
			res.errs = append(res.errs, err)
			continue
		}
		res.recs = append(res.recs, rec)
	}
}

// decodeFile decodes a sample with encoding/json, the reference.
func decodeFile(t *testing.T, b []byte) map[string]any {
	t.Helper()
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	var m map[string]any
	if err := dec.Decode(&m); err != nil {
		t.Fatal(err)
	}
	return m
}

func TestPrettyPrintedSamples(t *testing.T) {
	files := append(logtest.Glob(t, "platform/m365/*.json"), logtest.Glob(t, "platform/gws/*.json")...)
	files = append(files, logtest.Glob(t, "platform/entra/*.json")...)
	var all []byte
	var starts []int
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		t.Run(filepath.Base(f), func(t *testing.T) {
			res := readAll(t, b, Options{})
			if len(res.errs) != 0 || len(res.recs) != 1 {
				t.Fatalf("got %d records, errors %v", len(res.recs), res.errs)
			}
			if !reflect.DeepEqual(res.recs[0].Fields, decodeFile(t, b)) {
				t.Errorf("fields differ from encoding/json's")
			}
			if o := res.recs[0].Origin; o.Offset != 0 || o.Line != 1 || o.Index != 0 {
				t.Errorf("origin %+v", o)
			}
		})
		starts = append(starts, len(all))
		all = append(all, b...)
		all = append(all, '\n')
	}
	// All samples concatenated: each record at its own offset and line.
	res := readAll(t, all, Options{})
	if len(res.recs) != len(files) || len(res.errs) != 0 {
		t.Fatalf("concatenated: %d records, errors %v", len(res.recs), res.errs)
	}
	for i, rec := range res.recs {
		if rec.Offset != int64(starts[i]) || rec.Index != i {
			t.Errorf("record %d origin %+v, want offset %d", i, rec.Origin, starts[i])
		}
		if want := bytes.Count(all[:starts[i]], []byte("\n")) + 1; rec.Line != want {
			t.Errorf("record %d line %d, want %d", i, rec.Line, want)
		}
	}
}

func TestJSONLinesSamples(t *testing.T) {
	for _, f := range []string{"exchange/proxylogon_msexchange_management_extract.jsonl", "panther/microsoft_exchange_external_forwarding.tests.jsonl", "panther/gsuite_external_forwarding.tests.jsonl"} {
		t.Run(filepath.Base(f), func(t *testing.T) {
			b := logtest.Read(t, f)
			if k := SniffKind(b); k != KindJSONL {
				t.Errorf("SniffKind = %v", k)
			}
			lines := strings.Split(strings.TrimRight(string(b), "\n"), "\n")
			res := readAll(t, b, Options{})
			if len(res.errs) != 0 || len(res.recs) != len(lines) {
				t.Fatalf("%d records for %d lines, errors %v", len(res.recs), len(lines), res.errs)
			}
			off := 0
			for i, rec := range res.recs {
				if rec.Line != i+1 || rec.Offset != int64(off) {
					t.Errorf("record %d origin %+v, want line %d offset %d", i, rec.Origin, i+1, off)
				}
				if !reflect.DeepEqual(rec.Fields, decodeFile(t, []byte(lines[i]))) {
					t.Errorf("record %d differs from encoding/json's", i)
				}
				off += len(lines[i]) + 1
			}
		})
	}
	b := logtest.Read(t, "exchange/proxylogon_msexchange_management_extract.jsonl")
	rec := readAll(t, b, Options{}).recs[1]
	if rec.Fields["EventID"] != json.Number("1") || rec.Fields["Channel"] != "MSExchange Management" {
		t.Errorf("fields %v", rec.Fields)
	}
}

func TestEvtxDumpJSON(t *testing.T) {
	files := logtest.Glob(t, "sigma/regression/regression_data/rules/windows/*/*/*.json")
	for _, f := range files {
		b, _ := os.ReadFile(f)
		want := bytes.Count(b, []byte("\n{"))
		if bytes.HasPrefix(b, []byte("{")) {
			want++
		}
		res := readAll(t, b, Options{})
		if len(res.errs) != 0 || len(res.recs) != want {
			t.Errorf("%s: %d records (want %d), errors %v", filepath.Base(f), len(res.recs), want, res.errs)
			continue
		}
		for _, rec := range res.recs {
			if logfmt.Str(rec.Fields, "Event.System.EventRecordID") == "" {
				t.Errorf("%s: no EventRecordID in %v", f, rec.Origin)
			}
			if logfmt.Str(rec.Fields, "Event.System.Provider.#attributes.Name") == "" {
				t.Errorf("%s: no provider name", f)
			}
		}
	}
}

// samplesArray returns the m365 samples compacted, and an array of them.
func samplesArray(t *testing.T) ([][]byte, []byte) {
	var elems [][]byte
	for _, f := range logtest.Glob(t, "platform/m365/*.json") {
		b, _ := os.ReadFile(f)
		var c bytes.Buffer
		if err := json.Compact(&c, b); err != nil {
			t.Fatal(err)
		}
		elems = append(elems, c.Bytes())
	}
	return elems, append(append([]byte("[\n  "), bytes.Join(elems, []byte(",\n  "))...), "\n]\n"...)
}

func TestArrayAndEnvelope(t *testing.T) {
	elems, arr := samplesArray(t)
	env := append(append([]byte(`{"@odata.context":"https://graph.microsoft.com/v1.0/$metadata#auditLogs/signIns","value":[`), bytes.Join(elems, []byte(","))...), `],"@odata.nextLink":"x"}`...)
	for name, data := range map[string][]byte{"array": arr, "envelope": env} {
		t.Run(name, func(t *testing.T) {
			res := readAll(t, data, Options{})
			if len(res.errs) != 0 || len(res.recs) != len(elems) {
				t.Fatalf("%d records, errors %v", len(res.recs), res.errs)
			}
			for i, rec := range res.recs {
				at := data[rec.Offset:]
				if !bytes.HasPrefix(at, elems[i]) {
					t.Errorf("record %d offset %d points at %.30q", i, rec.Offset, at)
				}
				if want := bytes.Count(data[:rec.Offset], []byte("\n")) + 1; rec.Line != want {
					t.Errorf("record %d line %d, want %d", i, rec.Line, want)
				}
				if !reflect.DeepEqual(rec.Fields, decodeFile(t, elems[i])) {
					t.Errorf("record %d fields differ", i)
				}
			}
		})
	}
	// A record that merely has a "value" array member is not an envelope.
	rec := readAll(t, []byte(`{"Operation":"x","value":[{"a":1}],"Item":{"b":2}}`), Options{}).recs
	if len(rec) != 1 || rec[0].Fields["Operation"] != "x" {
		t.Errorf("record with value member: %v", rec)
	}
}

// purviewCSV writes the m365 samples as a Purview export with the given
// header, AuditData last-but-one like the newer export.
func purviewCSV(t *testing.T, header []string, elems [][]byte) []byte {
	var buf bytes.Buffer
	buf.WriteString("\ufeff")
	w := csv.NewWriter(&buf)
	w.UseCRLF = true
	_ = w.Write(header)
	for i, e := range elems {
		m := decodeFile(t, e)
		row := make([]string, len(header))
		for j, h := range header {
			switch h {
			case "AuditData":
				row[j] = string(e)
			case "CreationDate":
				row[j] = logfmt.Str(m, "CreationTime")
			case "Operation", "Operations":
				row[j] = logfmt.Str(m, "Operation")
			case "UserId", "UserIds":
				row[j] = logfmt.Str(m, "UserId")
			case "RecordType":
				row[j] = logfmt.Str(m, "RecordType")
			case "RecordId":
				row[j] = logfmt.Str(m, "Id")
			default:
				row[j] = "x" + string(rune('a'+i))
			}
		}
		_ = w.Write(row)
	}
	w.Flush()
	return buf.Bytes()
}

func TestPurviewCSV(t *testing.T) {
	elems, _ := samplesArray(t)
	for _, header := range [][]string{
		{"CreationDate", "UserIds", "Operations", "AuditData"},
		{"RecordId", "CreationDate", "RecordType", "Operation", "UserId", "AuditData", "AssociatedAdminUnits", "AssociatedAdminUnitsNames"},
	} {
		t.Run(header[0], func(t *testing.T) {
			data := purviewCSV(t, header, elems)
			if k := SniffKind(data); k != KindCSV {
				t.Fatalf("SniffKind = %v", k)
			}
			res := readAll(t, data, Options{})
			if len(res.errs) != 0 || len(res.recs) != len(elems) {
				t.Fatalf("%d records, errors %v", len(res.recs), res.errs)
			}
			for i, rec := range res.recs {
				ad, ok := rec.Fields["AuditData"].(map[string]any)
				if !ok || !reflect.DeepEqual(ad, decodeFile(t, elems[i])) {
					t.Errorf("record %d AuditData %T differs", i, rec.Fields["AuditData"])
				}
				if rec.Line != i+2 || len(rec.Defects) != 0 {
					t.Errorf("record %d origin %+v defects %v", i, rec.Origin, rec.Defects)
				}
				if !bytes.HasPrefix(data[rec.Offset:], []byte(logfmt.String(rec.Fields[header[0]]))) {
					t.Errorf("record %d offset %d does not point at its first cell", i, rec.Offset)
				}
			}
		})
	}
}

func TestPowerShellCSV(t *testing.T) {
	data := []byte("#TYPE Deserialized.Microsoft.Exchange.Data.Storage.Management.InboxRule\r\n" +
		"\"Name\",\"Enabled\",\"ForwardTo\",\"Description\"\r\n" +
		"\"fw\",\"True\",\"\"\"Eve\"\" [SMTP:eve@evil.example]\",\"If the message:\r\n\tis received\r\nTake the following actions:\"\r\n" +
		"\"bad \"quote\",\"True\"\r\n")
	r := NewReader(bytes.NewReader(data), Options{})
	rec, err := r.Next()
	if err != nil {
		t.Fatal(err)
	}
	if r.CSVType() != "Deserialized.Microsoft.Exchange.Data.Storage.Management.InboxRule" || r.Kind() != KindCSV {
		t.Errorf("type %q kind %v", r.CSVType(), r.Kind())
	}
	if rec.Fields["ForwardTo"] != `"Eve" [SMTP:eve@evil.example]` || !strings.Contains(rec.Fields["Description"].(string), "\r\n\tis received") || rec.Line != 3 {
		t.Errorf("record %+v", rec)
	}
	rec, err = r.Next()
	if err != nil || rec.Fields["Name"] != `bad "quote` || rec.Line != 6 || len(rec.Defects) != 1 {
		t.Errorf("lenient quote: %+v %v", rec, err)
	}
}

func TestDamagedInput(t *testing.T) {
	tests := []struct {
		name     string
		in       string
		opt      Options
		recs     []int // lines of the good records
		errLines []int
		errIs    []error
	}{
		{"truncated jsonl line", "{\"a\":1}\n{\"b\":\n{\"c\":3}\n", Options{}, []int{1, 3}, []int{2}, []error{logfmt.ErrTruncated}},
		{"bad value", "{\"a\":1}\n{\"b\":}\n{\"c\":3}\n", Options{}, []int{1, 3}, []int{2}, []error{logfmt.ErrSyntax}},
		{"newline in string", "{\"a\":\"x\n{\"c\":3}\n", Options{}, []int{2}, []int{1}, []error{logfmt.ErrSyntax}},
		{"garbage line", "{\"a\":1}\nnot json here\n{\"c\":3}\n", Options{Kind: KindJSONL}, []int{1, 3}, []int{2}, []error{logfmt.ErrSyntax}},
		{"scalar", "{\"a\":1}\n42\n{\"c\":3}\n", Options{}, []int{1, 3}, []int{2}, []error{logfmt.ErrNotRecord}},
		{"wrong closer", "{\"a\":[1}\n{\"c\":3}\n", Options{}, []int{2}, []int{1}, []error{logfmt.ErrSyntax}},
		{"too long", "{\"a\":\"" + strings.Repeat("x", 100) + "\"}\n{\"c\":3}\n", Options{Limits: logfmt.Limits{MaxRecordBytes: 50}}, []int{2}, []int{1}, []error{logfmt.ErrLimit}},
		{"too deep", "{\"a\":[[[[{}]]]]}\n{\"c\":3}\n", Options{Limits: logfmt.Limits{MaxDepth: 3}}, []int{2}, []int{1}, []error{logfmt.ErrLimit}},
		{"eof in value", "{\"a\":1}\n{\"b\":[1,", Options{}, []int{1}, []int{2}, []error{logfmt.ErrTruncated}},
		{"array not closed", "[{\"a\":1},\n{\"b\":2}", Options{}, []int{1, 2}, []int{2}, []error{logfmt.ErrTruncated}},
		{"array scalar element", "[{\"a\":1}, 3, {\"b\":2}]", Options{}, []int{1, 1}, []int{1}, []error{logfmt.ErrNotRecord}},
		{"csv unclosed quote", "a,b\n1,2\n3,\"4\n", Options{}, []int{2}, []int{3}, []error{logfmt.ErrTruncated}},
		{"csv long line", "a,b\n1," + strings.Repeat("x", 80) + "\n3,4\n", Options{Limits: logfmt.Limits{MaxRecordBytes: 40}}, []int{3}, []int{2}, []error{logfmt.ErrLimit}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := readAll(t, []byte(tt.in), tt.opt)
			var lines []int
			for _, r := range res.recs {
				lines = append(lines, r.Line)
			}
			if !reflect.DeepEqual(lines, tt.recs) {
				t.Errorf("record lines %v, want %v (errors %v)", lines, tt.recs, res.errs)
			}
			if len(res.errs) != len(tt.errLines) {
				t.Fatalf("errors %v, want %d", res.errs, len(tt.errLines))
			}
			for i, err := range res.errs {
				var pe *logfmt.ParseError
				errors.As(err, &pe)
				if pe.Line != tt.errLines[i] || !errors.Is(err, tt.errIs[i]) {
					t.Errorf("error %d: %v (line %d), want line %d %v", i, err, pe.Line, tt.errLines[i], tt.errIs[i])
				}
			}
		})
	}
}

func TestUTF16(t *testing.T) {
	b := logtest.Read(t, "exchange/proxylogon_msexchange_management_extract.jsonl")
	u := utf16.Encode([]rune(string(b)))
	enc := []byte{0xFF, 0xFE}
	for _, c := range u {
		enc = append(enc, byte(c), byte(c>>8))
	}
	want := readAll(t, b, Options{})
	got := readAll(t, enc, Options{})
	if len(got.recs) != len(want.recs) || len(got.errs) != 0 {
		t.Fatalf("utf-16: %d records, errors %v", len(got.recs), got.errs)
	}
	for i := range got.recs {
		if !reflect.DeepEqual(got.recs[i], want.recs[i]) {
			t.Errorf("record %d differs", i)
		}
	}
}

func TestSniff(t *testing.T) {
	elems, arr := samplesArray(t)
	tests := []struct {
		name string
		in   []byte
		want Kind
	}{
		{"pretty", logtest.Read(t, "platform/m365/ual-set-mailbox.splunk-example.json"), KindJSON},
		{"jsonl", logtest.Read(t, "panther/gsuite_external_forwarding.tests.jsonl"), KindJSONL},
		{"array", arr, KindArray},
		{"csv", purviewCSV(t, []string{"CreationDate", "UserIds", "Operations", "AuditData"}, elems), KindCSV},
		{"iis", logtest.Read(t, "platform/iis/iis-w3c-default-fields-sample.log"), KindUnknown},
		{"syslog", logtest.Read(t, "platform/unix-logs/fail2ban-tests-postfix.log"), KindUnknown},
		{"empty", nil, KindUnknown},
	}
	for _, tt := range tests {
		if got := SniffKind(tt.in); got != tt.want {
			t.Errorf("%s: SniffKind = %v, want %v", tt.name, got, tt.want)
		}
	}
	if g := Sniff(arr, "x.json"); g.Format != "jsonlog.array" || g.Confidence < 85 {
		t.Errorf("Sniff = %+v", g)
	}
}
