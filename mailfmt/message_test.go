package mailfmt

import "testing"

func TestHeaderLookup(t *testing.T) {
	h := Header{{"Received", "a"}, {"X-Forwarded-To", "b@c"}, {"received", "d"}}
	if got := h.Get("RECEIVED"); got != "a" {
		t.Errorf("Get: %q", got)
	}
	if got := h.Values("Received"); len(got) != 2 || got[1] != "d" {
		t.Errorf("Values: %q", got)
	}
	if !h.Has("x-forwarded-to") || h.Has("X-Forwarded") || h.Has("X-Forwarded-Tx") {
		t.Error("Has")
	}
	for _, tc := range []struct {
		a, b string
		want bool
	}{{"Subject", "subject", true}, {"Subject", "Subjec", false}, {"A-B", "a-b", true}, {"[", "{", false}, {"@", "`", false}} {
		if got := NameIs(tc.a, tc.b); got != tc.want {
			t.Errorf("NameIs(%q, %q) = %v", tc.a, tc.b, got)
		}
	}
}
