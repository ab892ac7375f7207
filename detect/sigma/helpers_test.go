package sigma

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/mailtrip/mailtrip/event"
)

// compileYAML parses and compiles rule documents, failing on any problem.
func compileYAML(t testing.TB, src string, cfg Config) *Ruleset {
	t.Helper()
	rules, err := Parse([]byte(src), "test.yml")
	if err != nil {
		t.Fatalf("parse: %v\n%s", err, src)
	}
	rs, rep := Compile(rules, cfg)
	if len(rep.Invalid)+len(rep.Unsupported) > 0 {
		t.Fatalf("compile: %s\n%s", rep.Summary(), src)
	}
	return rs
}

// selectionRule is a rule with one selection made of the given YAML lines.
func selectionRule(lines ...string) string {
	var b strings.Builder
	b.WriteString("title: test\nid: test-rule\nlogsource: {product: test}\ndetection:\n  sel:\n")
	for _, l := range lines {
		b.WriteString("    " + l + "\n")
	}
	b.WriteString("  condition: sel\n")
	return b.String()
}

// jsonEvent decodes a JSON object into an event.
func jsonEvent(t testing.TB, js string) *event.Event {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal([]byte(js), &m); err != nil {
		t.Fatalf("event %s: %v", js, err)
	}
	return &event.Event{Kind: event.KindLog, Fields: m, Origin: event.Origin{File: "test.jsonl", Offset: -1, Line: 1}}
}

// matchedIDs lists the ids of the rules e matches.
func matchedIDs(rs *Ruleset, e *event.Event) []string {
	var ids []string
	rs.Match(e, func(cr *CompiledRule, _ *Record) { ids = append(ids, cr.Ref()) })
	return ids
}

// matchCase is one rule-selection/event pair.
type matchCase struct {
	name  string
	sel   []string // selection lines
	event string   // JSON
	want  bool
}

func runMatchCases(t *testing.T, cases []matchCase, cfg Config) {
	t.Helper()
	cfg.IgnoreLogsource = true
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			rs := compileYAML(t, selectionRule(tc.sel...), cfg)
			got := len(matchedIDs(rs, jsonEvent(t, tc.event))) > 0
			if got != tc.want {
				t.Errorf("match = %v, want %v\nselection: %s\nevent: %s", got, tc.want, strings.Join(tc.sel, "; "), tc.event)
			}
		})
	}
}

// readShared reads a file of the shared Sigma test data.
func readShared(t testing.TB, parts ...string) (string, error) {
	t.Helper()
	dir := sharedTestdata(t, parts[:len(parts)-1]...)
	data, err := os.ReadFile(filepath.Join(dir, parts[len(parts)-1]))
	return string(data), err
}
