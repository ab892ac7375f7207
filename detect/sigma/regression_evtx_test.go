package sigma

import (
	"context"
	"io/fs"
	"os"
	"path/filepath"
	"testing"

	"go.yaml.in/yaml/v3"

	"github.com/mailtrip/mailtrip/event"
	"github.com/mailtrip/mailtrip/logfmt/evtx"
)

// readEvtx reads a regression case's .evtx with the native reader, as
// mailtrip scan does.
func readEvtx(t *testing.T, path string) []*event.Event {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		t.Fatal(err)
	}
	ef, err := evtx.Open(f, fi.Size(), nil)
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	var evs []*event.Event
	for rec, err := range ef.Records(context.Background()) {
		if err != nil {
			t.Errorf("%s: %v", path, err)
			continue
		}
		evs = append(evs, &event.Event{Kind: event.KindLog, Fields: rec.Fields(),
			Origin: event.Origin{File: path, Offset: rec.Offset, Format: "evtx"}})
	}
	return evs
}

// TestSigmaHQRegressionEVTX runs each SigmaHQ regression case from its
// .evtx, read by logfmt/evtx, and expects the case's rule to match
// match_count times — the same counts as from the evtx_dump JSON.
func TestSigmaHQRegressionEVTX(t *testing.T) {
	root := sharedTestdata(t, "regression")
	rs, _ := loadSigmaHQ(t, Config{})
	ids := map[string]bool{}
	for _, cr := range rs.Rules {
		ids[cr.ID] = true
	}
	cases := 0
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || d.Name() != "info.yml" {
			return err
		}
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		var info regressionInfo
		if err := yaml.Unmarshal(data, &info); err != nil || len(info.RuleMetadata) == 0 {
			t.Errorf("%s: %v", p, err)
			return nil
		}
		id := info.RuleMetadata[0].ID
		for _, tc := range info.Tests {
			cases++
			t.Run(filepath.Base(filepath.Dir(p)), func(t *testing.T) {
				if !ids[id] {
					t.Fatalf("rule %s is not loaded", id)
				}
				got := 0
				for _, e := range readEvtx(t, filepath.Join(root, tc.Path)) {
					rs.Match(e, func(cr *CompiledRule, _ *Record) {
						if cr.ID == id {
							got++
						}
					})
				}
				want := tc.MatchCount
				if d, ok := regressionDivergences[id]; ok {
					want = d.count
				}
				if got != want {
					t.Errorf("rule %s (%s) over %s: %d matches, want %d", id, info.RuleMetadata[0].Title, tc.Path, got, want)
				}
			})
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if cases == 0 {
		t.Fatal("no regression cases found")
	}
}
