package header

import (
	"net/mail"
	"time"
)

// ParseDate parses an RFC 5322 date-time (section 3.3, with the obsolete
// forms of 4.3: two- and three-digit years, named zones, comments):
//
//	date-time  = [ day-of-week "," ] date time [CFWS]
//	date       = day month year
//	time       = hour ":" minute [ ":" second ] FWS zone
//	zone       = ( "+" / "-" ) 4DIGIT / obs-zone
//
// The common shape is read by hand without allocating, because a scan
// parses the Date of every message; anything else falls back to
// net/mail.ParseDate, which tries several layouts. ok is false when
// neither understands s. Divergence from net/mail: the obs-zone names
// (EST, PDT, ...) get the offsets RFC 5322 4.3 gives them, where net/mail
// records them with offset zero unless the local time zone knows them; and
// two-digit years 50 to 68 are 1950-1968 as RFC 5322 4.3 says, where
// net/mail reads 2050-2068.
func ParseDate(s string) (t time.Time, ok bool) {
	if t, ok := parseDateFast(s); ok {
		return t, true
	}
	t, err := mail.ParseDate(s)
	return t, err == nil
}

var months = [12]string{"jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"}

// namedZones are the obs-zone names of RFC 5322 4.3 with their offsets in
// hours.
var namedZones = map[string]int{
	"ut": 0, "gmt": 0, "z": 0, "utc": 0,
	"est": -5, "edt": -4, "cst": -6, "cdt": -5, "mst": -7, "mdt": -6, "pst": -8, "pdt": -7,
}

// dateScanner walks a date string.
type dateScanner struct {
	s string
	i int
}

func (d *dateScanner) space() {
	for d.i < len(d.s) && (d.s[d.i] == ' ' || d.s[d.i] == '\t' || d.s[d.i] == '\r' || d.s[d.i] == '\n') {
		d.i++
	}
}

// num reads 1 to max digits.
func (d *dateScanner) num(max int) (int, int) {
	n, k := 0, 0
	for d.i < len(d.s) && k < max && d.s[d.i] >= '0' && d.s[d.i] <= '9' {
		n = n*10 + int(d.s[d.i]-'0')
		d.i++
		k++
	}
	return n, k
}

// word reads ASCII letters, lower-cased into buf.
func (d *dateScanner) word(buf []byte) []byte {
	for d.i < len(d.s) {
		c := d.s[d.i]
		if c >= 'A' && c <= 'Z' {
			c += 'a' - 'A'
		} else if c < 'a' || c > 'z' {
			break
		}
		if len(buf) < cap(buf) {
			buf = append(buf, c)
		}
		d.i++
	}
	return buf
}

func (d *dateScanner) lit(c byte) bool {
	if d.i < len(d.s) && d.s[d.i] == c {
		d.i++
		return true
	}
	return false
}

func parseDateFast(s string) (time.Time, bool) {
	d := dateScanner{s: s}
	var wb [8]byte
	d.space()
	// Optional day-of-week followed by a comma.
	if w := d.word(wb[:0]); len(w) > 0 {
		d.space()
		if !d.lit(',') {
			return time.Time{}, false
		}
		d.space()
	}
	day, k := d.num(2)
	if k == 0 {
		return time.Time{}, false
	}
	d.space()
	mw := d.word(wb[:0])
	month := 0
	for i, m := range months {
		if string(mw) == m {
			month = i + 1
			break
		}
	}
	if month == 0 {
		return time.Time{}, false
	}
	d.space()
	year, k := d.num(4)
	switch {
	case k == 4:
	case k == 2 && year < 50: // obs-year: 00-49 is 2000-2049
		year += 2000
	case k == 2 || k == 3: // 50-99 and three digits: add 1900
		year += 1900
	default:
		return time.Time{}, false
	}
	d.space()
	hour, k1 := d.num(2)
	if k1 == 0 || !d.lit(':') {
		return time.Time{}, false
	}
	minute, k2 := d.num(2)
	if k2 != 2 {
		return time.Time{}, false
	}
	sec := 0
	if d.lit(':') {
		var k3 int
		if sec, k3 = d.num(2); k3 != 2 {
			return time.Time{}, false
		}
	}
	d.space()
	var offset int
	switch {
	case d.lit('+'), d.i < len(d.s) && d.s[d.i] == '-':
		sign := 1
		if d.s[d.i-1] != '+' {
			d.i++
			sign = -1
		}
		z, k := d.num(4)
		if k != 4 {
			return time.Time{}, false
		}
		offset = sign * ((z/100)*3600 + (z%100)*60)
	default:
		zw := d.word(wb[:0])
		h, ok := namedZones[string(zw)]
		if !ok {
			return time.Time{}, false
		}
		offset = h * 3600
	}
	// Only a comment or white space may follow.
	d.space()
	if d.i < len(d.s) && d.s[d.i] != '(' {
		return time.Time{}, false
	}
	if day < 1 || day > 31 || hour > 23 || minute > 59 || sec > 60 {
		return time.Time{}, false
	}
	t := time.Date(year, time.Month(month), day, hour, minute, sec, 0, fixedZone(offset))
	if t.Day() != day { // 31 Feb and the like
		return time.Time{}, false
	}
	return t, true
}

// zoneCache holds the common fixed zones so that parsing does not allocate
// a *time.Location per message.
var zoneCache = func() map[int]*time.Location {
	m := map[int]*time.Location{}
	for q := -12 * 4; q <= 14*4; q++ {
		off := q * 15 * 60
		m[off] = time.FixedZone("", off)
	}
	return m
}()

func fixedZone(offset int) *time.Location {
	if offset == 0 {
		return time.UTC
	}
	if l, ok := zoneCache[offset]; ok {
		return l
	}
	return time.FixedZone("", offset)
}
