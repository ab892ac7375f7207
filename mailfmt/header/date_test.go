package header

import (
	"net/mail"
	"testing"
	"time"
)

func TestParseDate(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want string // RFC 3339, "" = not a date
	}{
		{"Mon, 4 Mar 2024 09:10:00 +0000", "2024-03-04T09:10:00Z"},
		{"Fri, 04 Oct 2019 08:09:12 -0700 (PDT)", "2019-10-04T08:09:12-07:00"},
		{"4 Mar 2024 09:10 +0530", "2024-03-04T09:10:00+05:30"},
		{"Tue,  5 Mar 2024 10:00:00 +0100", "2024-03-05T10:00:00+01:00"},
		{"Wed, 6 Mar 24 11:00:00 GMT", "2024-03-06T11:00:00Z"},
		{"Wed, 6 Mar 99 11:00:00 EST", "1999-03-06T11:00:00-05:00"},
		{"1 May 60 0:00 +0000", "1960-05-01T00:00:00Z"},
		{"Thu, 7 MAR 2024 17:09:10 pdt", "2024-03-07T17:09:10-07:00"},
		{"Thu, 31 Feb 2024 17:09:10 +0000", ""},
		{"Thu, 7 Mar 2024 25:09:10 +0000", ""},
		{"yesterday", ""},
		{"", ""},
	} {
		t.Run(tc.in, func(t *testing.T) {
			got, ok := ParseDate(tc.in)
			if tc.want == "" {
				if ok {
					t.Errorf("parsed as %v, want failure", got)
				}
				return
			}
			want, _ := time.Parse(time.RFC3339, tc.want)
			if !ok || !got.Equal(want) {
				t.Errorf("got %v %v, want %v", got, ok, want)
			}
			_, off := got.Zone()
			_, woff := want.Zone()
			if off != woff {
				t.Errorf("zone offset %d, want %d", off, woff)
			}
		})
	}
}

// FuzzParseDate: the fast path agrees with net/mail wherever it accepts.
func FuzzParseDate(f *testing.F) {
	for _, s := range []string{"Mon, 4 Mar 2024 09:10:00 +0000", "4 Mar 24 9:10 EST (x)", "Fri, 04 Oct 2019 08:09:12 -0700 (PDT)"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		fast, ok := parseDateFast(s)
		if !ok {
			return
		}
		ref, err := mail.ParseDate(s)
		if name, _ := ref.Zone(); name != "" && name != "UTC" {
			// net/mail gives named zones (EST, PDT) offset 0 unless the
			// local zone knows them; RFC 5322 4.3 defines their offsets.
			return
		}
		if err == nil && ref.Year()-fast.Year() == 100 {
			// Two-digit years 50-68: net/mail (time.Parse) reads 20xx,
			// RFC 5322 4.3 says 19xx.
			return
		}
		if err == nil && !ref.Equal(fast) {
			t.Errorf("%q: fast %v, net/mail %v", s, fast, ref)
		}
	})
}

func BenchmarkParseDate(b *testing.B) {
	for b.Loop() {
		ParseDate("Fri, 04 Oct 2019 08:09:12 -0700 (PDT)")
	}
}
