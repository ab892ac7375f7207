package decoy

import "testing"

// TestMessageIDKey: two decoys from one seed with different keys share
// their content's shape but never a Message-ID; the same key repeats it.
func TestMessageIDKey(t *testing.T) {
	opt := Options{Seed: 5, Org: DefaultOrg()}
	opt.Crumbs.MessageIDKey = "aaaaaaaaaaaaaaaa"
	a, err := Generate(opt)
	if err != nil {
		t.Fatal(err)
	}
	again, _ := Generate(opt)
	opt.Crumbs.MessageIDKey = "bbbbbbbbbbbbbbbb"
	b, _ := Generate(opt)
	if a.MessageID == b.MessageID || a.Subject != b.Subject {
		t.Errorf("keys: %s / %s, subjects %q / %q", a.MessageID, b.MessageID, a.Subject, b.Subject)
	}
	if again.MessageID != a.MessageID || string(again.Raw) != string(a.Raw) {
		t.Error("the same options gave different decoys")
	}
}
