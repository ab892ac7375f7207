package tripwire

import (
	"encoding/json"
	"math"
	"testing"
)

// TestEncodeDetail: the hand-written encoder writes what json.Marshal
// writes for every value type the traps use, and for ones it hands on.
func TestEncodeDetail(t *testing.T) {
	type other struct{ A int }
	cases := []map[string]any{
		nil,
		{},
		{"method": "GET", "path": "/s/x/<a&b>", "n": 3, "big": int64(-1 << 40), "ok": true, "none": nil,
			"port": uint16(53), "f": 1.0, "g": 1.5, "h": 1e22, "tiny": 1e-9, "neg": math.Copysign(0, -1),
			"headers": map[string][]string{"User-Agent": {"curl/8"}, "X": {"a", "b"}, "Nil": nil},
			"m":       map[string]string{"z": "1", "a": "2"}, "nested": map[string]any{"b": []any{1, "x", nil, map[string]any{}}},
			"list": []string{"a", "\u2028", "\x00\x1f\x7f", "é", "\xff\xfe"}, "nillist": []string(nil), "other": other{A: 1},
			"raw": json.RawMessage(`{"k":1}`), "esc": "\"\\\b\f\n\r\t", "u2029": "a\u2029b"},
	}
	for _, m := range cases {
		want, err := json.Marshal(m)
		if err != nil {
			t.Fatal(err)
		}
		got, err := encodeDetail(m)
		if err != nil || string(got) != string(want) {
			t.Errorf("encodeDetail = %s, %v\nwant             %s", got, err, want)
		}
	}
	if _, err := encodeDetail(map[string]any{"x": math.NaN()}); err == nil {
		t.Error("NaN encoded without an error")
	}
}

// FuzzEncodeDetail compares the encoder with json.Marshal on arbitrary
// strings as keys and values.
func FuzzEncodeDetail(f *testing.F) {
	for _, s := range []string{"", "plain", "<script>&</script>", "\xff", "\u2028\u2029", "\x00\"\\", "日本語"} {
		f.Add(s, s, 7)
	}
	f.Fuzz(func(t *testing.T, k, v string, n int) {
		m := map[string]any{k: v, "n": n, k + "/list": []string{v, k}, "h": map[string][]string{v: {k}}}
		want, err := json.Marshal(m)
		if err != nil {
			t.Skip()
		}
		got, err := encodeDetail(m)
		if err != nil || string(got) != string(want) {
			t.Fatalf("encodeDetail = %s, %v\nwant %s", got, err, want)
		}
	})
}
