package mbox

import (
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/mailtrip/mailtrip/mailfmt"
)

var update = flag.Bool("update", false, "rewrite golden files under testdata/")

// record is what a golden file holds for one Next call.
type record struct {
	Offset    int64            `json:"offset"`
	Size      int64            `json:"size,omitempty"`
	Envelope  string           `json:"envelope,omitempty"`
	Header    mailfmt.Header   `json:"header,omitempty"`
	Defects   []mailfmt.Defect `json:"defects,omitempty"`
	Body      string           `json:"body,omitempty"`
	BodySize  int64            `json:"body_size,omitempty"`
	Truncated bool             `json:"body_truncated,omitempty"`
	Err       string           `json:"err,omitempty"`
}

// readAll reads every record of an mbox stream; maxRecords guards
// against a reader that never reaches EOF.
func readAll(t testing.TB, r io.Reader, opt Options) []record {
	t.Helper()
	return readAllFrom(t, NewReader(r, opt))
}

func readAllFrom(t testing.TB, mr *Reader) []record {
	t.Helper()
	var out []record
	for i := 0; ; i++ {
		if i > 1_000_000 {
			t.Fatal("reader does not reach EOF")
		}
		m, err := mr.Next()
		if err == io.EOF {
			if m != nil {
				t.Fatal("message with io.EOF")
			}
			return out
		}
		var rec record
		if err != nil {
			var pe *mailfmt.ParseError
			if !errors.As(err, &pe) {
				t.Fatalf("non-ParseError: %v", err)
			}
			rec.Offset = pe.Offset
			rec.Err = err.Error()
		}
		if m != nil {
			rec.Offset = m.Offset
			rec.Size = m.Size
			rec.Envelope = m.Envelope
			rec.Header = m.Header
			rec.Defects = m.Defects
			rec.Body = string(m.Body)
			rec.BodySize = m.BodySize
			rec.Truncated = m.BodyTruncated
		}
		if m == nil && err == nil {
			t.Fatal("nil message and nil error")
		}
		out = append(out, rec)
	}
}

// TestGolden reads testdata/mbox/<scenario>/input.mbox and compares the
// records with want.json next to it (go test -update rewrites them).
func TestGolden(t *testing.T) {
	dirs, err := filepath.Glob("testdata/mbox/*")
	if err != nil || len(dirs) == 0 {
		t.Fatalf("no fixtures: %v", err)
	}
	for _, dir := range dirs {
		t.Run(filepath.Base(dir), func(t *testing.T) {
			in, err := os.ReadFile(filepath.Join(dir, "input.mbox"))
			if err != nil {
				t.Fatal(err)
			}
			opt := Options{}
			if strings.Contains(dir, "small-limits") {
				opt.Limits = mailfmt.Limits{MaxLineBytes: 64, MaxHeaderBytes: 256, MaxFields: 5, MaxBodyBytes: 16}
			}
			got := readAll(t, bytes.NewReader(in), opt)
			gotJSON, _ := json.MarshalIndent(got, "", "  ")
			gotJSON = append(gotJSON, '\n')
			golden := filepath.Join(dir, "want.json")
			if *update {
				if err := os.WriteFile(golden, gotJSON, 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(gotJSON, want) {
				t.Errorf("mismatch with %s (run go test -update and review the diff)\ngot:\n%s", golden, gotJSON)
			}
			checkInvariants(t, in, got)
			checkSplit(t, in, opt, got)
			checkInMemory(t, in, opt, got)
		})
	}
}

// checkInMemory: NewBytesReader gives the same messages as NewReader and
// never writes to its input.
func checkInMemory(t testing.TB, in []byte, opt Options, want []record) {
	t.Helper()
	data := bytes.Clone(in)
	got := readAllFrom(t, NewBytesReader(data, opt))
	a, _ := json.Marshal(got)
	b, _ := json.Marshal(want)
	if !bytes.Equal(a, b) {
		t.Errorf("in-memory read differs from streaming read:\n%s\n%s", a, b)
	}
	if !bytes.Equal(data, in) {
		t.Errorf("in-memory read changed its input")
	}
}

// checkInvariants: messages tile the input (offset+size of one is the
// offset of the next message) and Body is a prefix-sized view.
func checkInvariants(t testing.TB, in []byte, recs []record) {
	t.Helper()
	for i, r := range recs {
		if r.Err != "" && r.Size == 0 {
			continue
		}
		if r.Offset < 0 || r.Offset+r.Size > int64(len(in)) {
			t.Errorf("record %d: offset %d size %d outside input of %d", i, r.Offset, r.Size, len(in))
			continue
		}
		if !bytes.HasPrefix(in[r.Offset:], []byte("From ")) {
			t.Errorf("record %d: offset %d is not at a From line", i, r.Offset)
		}
		if i+1 < len(recs) && recs[i+1].Err == "" && r.Offset+r.Size != recs[i+1].Offset {
			t.Errorf("record %d: ends at %d, next starts at %d", i, r.Offset+r.Size, recs[i+1].Offset)
		}
		if int64(len(r.Body)) > r.BodySize {
			t.Errorf("record %d: body %d > body size %d", i, len(r.Body), r.BodySize)
		}
	}
}

// checkSplit: reading the pieces given by Boundaries gives the same
// records as one sequential read, for several part counts.
func checkSplit(t testing.TB, in []byte, opt Options, want []record) {
	t.Helper()
	ra := bytes.NewReader(in)
	for _, parts := range []int{2, 3, 5, 8, 33} {
		starts, err := Boundaries(ra, int64(len(in)), parts)
		if err != nil {
			t.Fatal(err)
		}
		var got []record
		for i, s := range starts {
			end := int64(len(in))
			if i+1 < len(starts) {
				end = starts[i+1]
			}
			if i > 0 && s <= starts[i-1] {
				t.Fatalf("parts %d: starts not increasing: %v", parts, starts)
			}
			o := opt
			o.BaseOffset = s
			got = append(got, readAll(t, io.NewSectionReader(ra, s, end-s), o)...)
		}
		a, _ := json.Marshal(got)
		b, _ := json.Marshal(want)
		if !bytes.Equal(a, b) {
			t.Fatalf("parts %d (starts %v): split read differs from sequential read\nsplit: %s\nseq:   %s", parts, starts, a, b)
		}
	}
}

// TestSplitEqualsSequential checks Boundaries on larger generated
// mailboxes, LF and CRLF.
func TestSplitEqualsSequential(t *testing.T) {
	for _, tc := range []struct {
		name string
		data []byte
	}{
		{"lf", genMbox(7, 3<<20, false)},
		{"crlf", genMbox(8, 3<<20, true)},
		{"lf-junk-first", append([]byte("not an mbox\n\n"), genMbox(9, 1<<20, false)...)},
		{"crlf-small", genMbox(10, 600<<10, true)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			want := readAll(t, bytes.NewReader(tc.data), Options{})
			if len(want) < 2 {
				t.Fatalf("only %d messages", len(want))
			}
			checkInvariants(t, tc.data, want)
			checkSplit(t, tc.data, Options{}, want)
			checkInMemory(t, tc.data, Options{}, want)
		})
	}
}

// TestHugeHeaderLine: a 10 MB header line is a ParseError(ErrLimit) and
// the reader resynchronises on the next message.
func TestHugeHeaderLine(t *testing.T) {
	for _, eol := range []string{"\n", "\r\n"} {
		name := map[string]string{"\n": "lf", "\r\n": "crlf"}[eol]
		t.Run(name, func(t *testing.T) {
			var b bytes.Buffer
			b.WriteString("From a@b Mon Jan  1 00:00:00 2024" + eol + "Subject: ok" + eol + eol + "body" + eol + eol)
			second := int64(b.Len())
			b.WriteString("From c@d" + eol + "X-Huge: ")
			b.Write(bytes.Repeat([]byte("x"), 10<<20))
			b.WriteString(eol + "Subject: big" + eol + eol + "body" + eol + eol)
			third := int64(b.Len())
			b.WriteString("From e@f" + eol + "Subject: after" + eol + eol + "tail" + eol)

			recs := readAll(t, bytes.NewReader(b.Bytes()), Options{})
			if len(recs) != 3 {
				t.Fatalf("got %d records: %+v", len(recs), recs)
			}
			if recs[0].Err != "" || recs[0].Header.Get("Subject") != "ok" {
				t.Errorf("first: %+v", recs[0])
			}
			if !strings.Contains(recs[1].Err, mailfmt.ErrLimit.Error()) || recs[1].Offset != second+int64(len("From c@d"+eol)) {
				t.Errorf("second: offset %d err %q, want ErrLimit at %d", recs[1].Offset, recs[1].Err, second+int64(len("From c@d"+eol)))
			}
			if recs[2].Err != "" || recs[2].Offset != third || recs[2].Header.Get("Subject") != "after" {
				t.Errorf("third: %+v", recs[2])
			}
			checkSplit(t, b.Bytes(), Options{}, recs)
		})
	}
}

func TestSniff(t *testing.T) {
	tests := []struct {
		in   string
		want bool
	}{
		{"From a@b Mon Jan  1 00:00:00 2024\nSubject: x\n", true},
		{"From - Mon Jan 01 00:00:00 2024\r\nX-Mozilla-Status: 0001\r\n", true},
		{"From a@b\nReturn-Path: <a@b>\n", true},
		{"From: a@b\nSubject: x\n", false},
		{"From a@b\n\nbody", false},
		{"From a@b", false},
		{"Subject: x\n", false},
		{"", false},
		{"\x00\x01From ", false},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			if got := Sniff([]byte(tt.in)); got != tt.want {
				t.Errorf("Sniff = %v, want %v", got, tt.want)
			}
		})
	}
}

func TestUnquote(t *testing.T) {
	tests := []struct{ in, want string }{
		{"", ""},
		{">From a\n", "From a\n"},
		{">>From a\n>>>From b\n", ">From a\n>>From b\n"},
		{"x >From a\n", "x >From a\n"},
		{"a\n>From b\nc >From d\n>From e", "a\nFrom b\nc >From d\nFrom e"},
		{">Fromage\n", ">Fromage\n"},
		{">From ", "From "},
		{">From >From \n", "From >From \n"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			if got := string(unquote([]byte(tt.in))); got != tt.want {
				t.Errorf("unquote(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}
