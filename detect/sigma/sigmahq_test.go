package sigma

import (
	"os"
	"path/filepath"
	"testing"
)

// sharedTestdata is the shared Sigma test data (spec, SigmaHQ rules,
// regression cases), outside the module.
func sharedTestdata(t testing.TB, parts ...string) string {
	t.Helper()
	dir := filepath.Join(append([]string{"..", "..", "..", "shared", "testdata", "sigma"}, parts...)...)
	if _, err := os.Stat(dir); err != nil {
		t.Skipf("shared Sigma test data not found at %s (it lives beside the repository in ../shared/testdata/sigma)", dir)
	}
	return dir
}

var sigmaHQDirs = []string{"rules", "rules-emerging-threats", "rules-threat-hunting", "rules-placeholder", "rules-compliance", "rules-dfir"}

// loadSigmaHQ loads every SigmaHQ rule folder.
func loadSigmaHQ(t testing.TB, cfg Config) (*Ruleset, *Report) {
	t.Helper()
	root := sharedTestdata(t, "sigmahq")
	rs, rep, err := LoadFS(os.DirFS(root), ".", cfg)
	if err != nil {
		t.Fatal(err)
	}
	return rs, rep
}

func TestLoadSigmaHQ(t *testing.T) {
	rs, rep := loadSigmaHQ(t, Config{})
	t.Log(rep.Summary())
	if rep.Files < 3000 {
		t.Fatalf("only %d rule files found", rep.Files)
	}
	if len(rep.Invalid) != 0 {
		t.Errorf("%d invalid rules", len(rep.Invalid))
	}
	if len(rep.Unsupported) != 0 {
		t.Errorf("%d unsupported rules", len(rep.Unsupported))
	}
	if rep.Loaded+rep.Deprecated+len(rep.Invalid)+len(rep.Unsupported) != rep.Files {
		t.Errorf("counts do not add up: %+v", rep)
	}
	if len(rs.Rules) != rep.Loaded {
		t.Errorf("ruleset has %d rules, report says %d", len(rs.Rules), rep.Loaded)
	}
}
