package logfmt

import (
	"fmt"
	"math/rand/v2"
	"reflect"
	"testing"
	"time"
)

// TestParseISOTime checks the fast path of ParseTime against the layouts
// it stands for: same time where it accepts, and it leaves to the layouts
// what it does not know.
func TestParseISOTime(t *testing.T) {
	slow := func(s string) (time.Time, error) {
		var err error
		for _, l := range timeLayouts {
			var tm time.Time
			if tm, err = time.Parse(l, s); err == nil {
				return tm.UTC(), nil
			}
		}
		return time.Time{}, err
	}
	cases := []string{
		"2024-02-01T16:07:34", "2024-02-01T16:07:34Z", "2024-02-01T16:07:34.1", "2024-02-01T16:07:34.123456789Z",
		"2024-02-29T00:00:00", "2023-02-29T00:00:00", "2024-13-01T00:00:00", "2024-00-01T00:00:00", "2024-01-00T00:00:00",
		"2024-01-01T24:00:00", "2024-01-01T23:60:00", "2024-01-01T23:59:60", "2024-01-01T23:59:59.", "2024-01-01T23:59:59.1234567891",
		"2024-01-01T23:59:59z", "2024-01-01T23:59:59+01:00", "0000-01-01T00:00:00", "9999-12-31T23:59:59.999999999Z",
		"2023-10-10T17:08:65", "2023-10-10T17:08:65Z", "2023-10-10T17:08:65.5Z", "2023-02-31T00:00:00Z", "2023-10-10T25:08:05.123",
		"2024-1-01T00:00:00", "2024-01-01 00:00:00", "2024-01-01T00:00:00ZZ", "+024-01-01T00:00:00", "2024-01-01T0a:00:00",
	}
	rng := rand.New(rand.NewPCG(1, 2))
	for range 2000 {
		tm := time.Unix(rng.Int64N(1<<35)-1<<34, rng.Int64N(1e9)).UTC()
		layout := []string{"2006-01-02T15:04:05", "2006-01-02T15:04:05Z", "2006-01-02T15:04:05.000", "2006-01-02T15:04:05.999999999Z"}[rng.IntN(4)]
		cases = append(cases, tm.Format(layout))
	}
	for _, s := range cases {
		got, ok, shaped := parseISOTime(s)
		if shaped && err0(slow(s)) == nil {
			t.Errorf("%q: fast path rejects it, a layout takes it", s)
		}
		want, err := slow(s)
		if ok && (err != nil || got != want) {
			t.Errorf("%q: fast path gives %v, layouts %v (%v)", s, got, want, err)
		}
		pt, perr := ParseTime(s)
		if pt != want || (perr == nil) != (err == nil) {
			t.Errorf("%q: ParseTime %v %v, layouts %v %v", s, pt, perr, want, err)
		}
		if perr != nil && perr.Error() != fmt.Sprintf("unrecognised time %q", s) {
			t.Errorf("%q: error %q", s, perr)
		}
	}
}

func err0(_ time.Time, err error) error { return err }

// TestFlattenPairs checks the one-pass FlattenPairs against flattenPairs
// (the algorithm that gathers repeated names) on lists with and without
// repeats, names in other cases, elements without a name, and the limit.
func TestFlattenPairs(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	names := []string{"ForwardTo", "forwardto", "Name", "Identity", "", "X"}
	for range 500 {
		var l []any
		for range rng.IntN(8) {
			e := map[string]any{}
			if n := names[rng.IntN(len(names))]; n != "" || rng.IntN(2) == 0 {
				key := []string{"Name", "name", "NAME"}[rng.IntN(3)]
				e[key] = n
			}
			e[[]string{"Value", "value", "NewValue"}[rng.IntN(3)]] = rng.IntN(3)
			l = append(l, e, "not an object")
		}
		for _, max := range []int{0, 3} {
			got := FlattenPairs(l, []string{"Name"}, []string{"Value", "NewValue"}, max)
			want := flattenPairs(l, []string{"Name"}, []string{"Value", "NewValue"}, max)
			if !reflect.DeepEqual(got, want) {
				t.Fatalf("FlattenPairs(%v, max %d) = %v, want %v", l, max, got, want)
			}
		}
	}
	if FlattenPairs("x", nil, nil, 0) != nil {
		t.Error("not a list: want nil")
	}
}

// TestSplitIP checks the forms SplitIP takes and what it gives back.
func TestSplitIP(t *testing.T) {
	for _, c := range []struct{ in, addr, port string }{
		{"1.2.3.4", "1.2.3.4", ""}, {" 1.2.3.4:52816 ", "1.2.3.4", "52816"}, {"1.2.3.4:080", "1.2.3.4", "80"},
		{"1.2.3.4:0", "1.2.3.4", "0"}, {"[2001:db8::1]:443", "2001:db8::1", "443"}, {"2001:DB8::1", "2001:db8::1", ""},
		{"::ffff:1.2.3.4", "1.2.3.4", ""}, {"[::1]", "::1", ""}, {"1.2.3.4:99999", "", ""}, {"x:1", "", ""}, {"", "", ""},
	} {
		addr, port, ok := SplitIP(c.in)
		if addr != c.addr || port != c.port || ok != (c.addr != "") {
			t.Errorf("SplitIP(%q) = %q %q %v, want %q %q", c.in, addr, port, ok, c.addr, c.port)
		}
	}
}
