package sigma

import (
	"fmt"
	"strings"
	"testing"
)

// conditionRule has selections sel_a (A: 1), sel_b (B: 1), filter_x
// (X: 1), _hidden (H: 1) and the given condition.
func conditionRule(cond string) string {
	return fmt.Sprintf(`title: cond
id: cond
logsource: {product: test}
detection:
  sel_a: {A: 1}
  sel_b: {B: 1}
  filter_x: {X: 1}
  _hidden: {H: 1}
  condition: %s
`, cond)
}

func TestConditions(t *testing.T) {
	cases := []struct {
		cond  string
		event string
		want  bool
	}{
		{"sel_a", `{"A":1}`, true},
		{"sel_a", `{"B":1}`, false},
		{"sel_a and sel_b", `{"A":1,"B":1}`, true},
		{"sel_a and sel_b", `{"A":1}`, false},
		{"sel_a or sel_b", `{"B":1}`, true},
		{"not sel_a", `{"B":1}`, true},
		{"not sel_a", `{"A":1}`, false},
		{"sel_a and not filter_x", `{"A":1,"X":1}`, false},
		{"sel_a and not filter_x", `{"A":1}`, true},
		{"NOT sel_a AND sel_b", `{"B":1}`, true},
		{"sel_a or sel_b and filter_x", `{"A":1}`, true},    // and binds tighter
		{"(sel_a or sel_b) and filter_x", `{"A":1}`, false}, // parentheses
		{"not (sel_a or sel_b)", `{"X":1}`, true},
		{"not not sel_a", `{"A":1}`, true},
		{"1 of sel_*", `{"B":1}`, true},
		{"1 of sel_*", `{"X":1}`, false},
		{"all of sel_*", `{"A":1,"B":1}`, true},
		{"all of sel_*", `{"A":1}`, false},
		{"any of sel_*", `{"A":1}`, true},
		{"2 of them", `{"A":1,"X":1}`, true},
		{"2 of them", `{"A":1,"H":1}`, false}, // _hidden is not part of them
		{"1 of them", `{"H":1}`, false},
		{"all of them", `{"A":1,"B":1,"X":1}`, true},
		{"1 of sel_* and not 1 of filter_*", `{"A":1,"X":1}`, false},
		{"1 of sel_* and not 1 of filter_*", `{"A":1}`, true},
		{"_hidden", `{"H":1}`, true},
		{"1 of *", `{"H":1}`, true},
		{"all of sel_a", `{"A":1}`, true},
		{"(sel_a)", `{"A":1}`, true},
		{"[sel_a, sel_b]", `{"B":1}`, true}, // a list of conditions is or-ed
		{"\n    sel_a and\n    (\n      sel_b\n    )", `{"A":1,"B":1}`, true},
	}
	for _, tc := range cases {
		t.Run(tc.cond+" "+tc.event, func(t *testing.T) {
			rs := compileYAML(t, conditionRule(tc.cond), Config{IgnoreLogsource: true})
			got := len(matchedIDs(rs, jsonEvent(t, tc.event))) > 0
			if got != tc.want {
				t.Errorf("%q on %s = %v, want %v", tc.cond, tc.event, got, tc.want)
			}
		})
	}
}

func TestBadConditions(t *testing.T) {
	for _, cond := range []string{
		"sel_a and",
		"sel_a or or sel_b",
		"(sel_a",
		"sel_a)",
		"nosuch",
		"1 of nosuch_*",
		"sel_a | count() > 5",
		"3x of sel_*",
		"all of",
		"sel_a sel_b",
		"''",
		"sel_a & sel_b",
		strings.Repeat("(", 100) + "sel_a" + strings.Repeat(")", 100),
		strings.Repeat("not ", 100) + "sel_a",
	} {
		t.Run(cond, func(t *testing.T) {
			rules, err := Parse([]byte(conditionRule(cond)), "bad.yml")
			if err != nil {
				return // rejected while parsing is fine too
			}
			_, rep := Compile(rules, Config{})
			if rep.Loaded != 0 || len(rep.Invalid)+len(rep.Unsupported) != 1 {
				t.Fatalf("want the rule rejected: %s", rep.Summary())
			}
			p := append(rep.Invalid, rep.Unsupported...)[0]
			if p.Line == 0 || p.File != "bad.yml" {
				t.Errorf("problem lacks a position: %+v", p)
			}
		})
	}
}

func TestParseConditionString(t *testing.T) {
	cases := map[string]string{
		"a and b or c":           "((a and b) or c)",
		"a or b and c":           "(a or (b and c))",
		"not a and b":            "(not a and b)",
		"not (a and b)":          "not (a and b)",
		"1 of sel* or all of x*": "(1 of sel* or all of x*)",
		"a and b and c":          "(a and b and c)",
	}
	for in, want := range cases {
		n, err := parseCondition(in)
		if err != nil {
			t.Fatalf("%q: %v", in, err)
		}
		if got := n.String(); got != want {
			t.Errorf("%q parsed as %s, want %s", in, got, want)
		}
	}
}
