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

// TestThemeFor: ThemeFor names the theme Generate picks for a seed, and
// every theme has document names, none a token-like run of 16 letters.
func TestThemeFor(t *testing.T) {
	for seed := int64(1); seed <= 200; seed++ {
		d, err := Generate(Options{Seed: seed, Org: DefaultOrg()})
		if err != nil {
			t.Fatal(err)
		}
		if got := ThemeFor(seed); got != d.Theme {
			t.Fatalf("seed %d: ThemeFor %q, Generate %q", seed, got, d.Theme)
		}
	}
	for _, th := range Themes() {
		if len(DocNames(th)) == 0 {
			t.Errorf("theme %s has no document names", th)
		}
	}
}
