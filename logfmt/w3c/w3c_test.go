package w3c

import (
	"bytes"
	"errors"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/mailtrip/mailtrip/logfmt"
	"github.com/mailtrip/mailtrip/logfmt/internal/logtest"
)

func TestIISSample(t *testing.T) {
	data := logtest.Read(t, "platform", "iis", "iis-w3c-default-fields-sample.log")
	if g := Sniff(data, "u_ex190903.log"); g.Confidence < 90 {
		t.Errorf("sniff %+v", g)
	}
	r := NewReader(bytes.NewReader(data), Options{})
	var recs []*Record
	for {
		rec, err := r.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		recs = append(recs, rec)
	}
	// Every non-directive, non-blank line is a record.
	want := 0
	for _, l := range strings.Split(string(data), "\n") {
		if l = strings.TrimSpace(l); l != "" && !strings.HasPrefix(l, "#") {
			want++
		}
	}
	if len(recs) != want {
		t.Fatalf("%d records, want %d", len(recs), want)
	}
	r0 := recs[0]
	if r0.Operation() != "GET /erp/conn.aspx" || r0.Str("cs-uri-query") != "proxy&port=3389&ip=127.0.0.1" || r0.ClientIP() != "10.0.2.17" || r0.ResultStatus() != "200" || r0.UserID() != "" || r0.Line != 7 {
		t.Errorf("record 0: %+v", r0)
	}
	if !r0.Time.Equal(time.Date(2019, 9, 3, 10, 13, 36, 0, time.UTC)) || r0.Software != "Microsoft Internet Information Services 10.0" {
		t.Errorf("time %v software %q", r0.Time, r0.Software)
	}
	if !bytes.HasPrefix(data[r0.Offset:], []byte("2019-09-03 10:13:36")) {
		t.Errorf("offset %d", r0.Offset)
	}
}

func TestDamaged(t *testing.T) {
	in := "1 2 3\n#Fields: date time cs-method cs-uri-stem c-ip sc-status\n2024-01-01 00:00:00 POST /EWS/Exchange.asmx 2001:db8::1 200\nshort line\n"
	r := NewReader(strings.NewReader(in), Options{})
	var errs []error
	var recs []*Record
	for {
		rec, err := r.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			errs = append(errs, err)
			continue
		}
		recs = append(recs, rec)
	}
	if len(recs) != 1 || recs[0].Service() != "ews" || recs[0].ClientIP() != "2001:db8::1" || len(errs) != 2 || !errors.Is(errs[0], logfmt.ErrSyntax) {
		t.Errorf("recs %+v errs %v", recs, errs)
	}
}

// FuzzReader checks that no input makes the reader panic or loop.
// Seeds: testdata/fuzz/FuzzReader.
func FuzzReader(f *testing.F) {
	f.Add([]byte("#Fields: date time c-ip\n2024-01-01 00:00:00 1.2.3.4\n#Fields: x\n- \n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		r := NewReader(bytes.NewReader(data), Options{})
		for i := 0; i < len(data)+10; i++ {
			rec, err := r.Next()
			if err == io.EOF {
				return
			}
			if err == nil {
				_ = rec.Operation() + rec.ClientIP() + rec.UserID() + rec.Service()
			}
		}
		t.Fatal("no EOF")
	})
}
