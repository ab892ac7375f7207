package sigma

import (
	"encoding/json"
	"testing"

	"github.com/mailtrip/mailtrip/event"
)

// fuzzEvent is what fuzzed rules are matched against.
var fuzzEvent = map[string]any{
	"Channel": "Microsoft-Windows-Sysmon/Operational", "EventID": 1.0,
	"Image": `C:\Windows\System32\cmd.exe`, "CommandLine": "cmd /c whoami -all",
	"Tags": []any{"a", "b"}, "Nested": map[string]any{"ip": "10.1.2.3"},
	"Time": "2024-05-06T07:30:00Z",
}

// FuzzParseRule parses, compiles and runs arbitrary rule files: none may
// panic, and whatever compiles must match without panicking.
func FuzzParseRule(f *testing.F) {
	f.Add([]byte(selectionRule("Image|endswith: '\\cmd.exe'")))
	f.Add([]byte(windowsRules))
	f.Add([]byte(conditionRule("1 of sel_* and not filter_x")))
	f.Fuzz(func(t *testing.T, data []byte) {
		rules, _ := Parse(data, "fuzz.yml")
		for _, ignore := range []bool{false, true} {
			rs, rep := Compile(rules, Config{IgnoreLogsource: ignore, Placeholders: map[string][]string{"p": {"x*"}}})
			if rep.Loaded != len(rs.Rules) {
				t.Fatalf("report says %d loaded, ruleset has %d", rep.Loaded, len(rs.Rules))
			}
			rs.Match(&event.Event{Fields: fuzzEvent}, func(*CompiledRule, *Record) {})
		}
	})
}

// FuzzParseCondition parses arbitrary conditions and resolves them against
// a fixed set of search identifiers.
func FuzzParseCondition(f *testing.F) {
	for _, s := range []string{"sel", "a and not b", "1 of sel_* or all of them", "(a or b) and (c)", "not not a", "2 of x*", "a | count() > 4"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		n, err := parseCondition(s)
		if err != nil {
			return
		}
		if n.String() == "" {
			t.Fatal("empty rendering")
		}
		if r, err := n.resolve([]string{"a", "b", "sel", "sel_1", "_x", "x1"}); err == nil {
			d := &detection{sels: map[string]matcher{}}
			for _, name := range []string{"a", "b", "sel", "sel_1", "_x", "x1"} {
				d.sels[name] = constMatcher(name < "s")
			}
			d.build(r).match(&Record{})
		}
	})
}

// FuzzMatch runs the SigmaHQ-like rules of the tests on arbitrary JSON
// events: matching must never panic.
func FuzzMatch(f *testing.F) {
	rules, err := Parse([]byte(windowsRules+"---\n"+filterRules+"---\n"+selectionRule(
		"CommandLine|contains|all: [a, b]", "Time|hour|gte: 3", "Nested.ip|cidr: 10.0.0.0/8",
		"Image|re: '(?i)cmd'", "Size|gt: 5", "X|fieldref: Y", "Z|exists: false")), "fuzz.yml")
	if err != nil {
		f.Fatal(err)
	}
	rs, rep := Compile(rules, Config{})
	if len(rep.Invalid)+len(rep.Unsupported) > 0 {
		f.Fatal(rep.Summary())
	}
	seed, _ := json.Marshal(fuzzEvent)
	f.Add(seed)
	f.Add([]byte(`{"Event":{"System":{"Channel":"Security","EventID":4688},"EventData":{"Data":[{"#attributes":{"Name":"NewProcessName"},"#text":"x"}]}}}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		var m map[string]any
		if json.Unmarshal(data, &m) != nil {
			return
		}
		e := &event.Event{Fields: m}
		rs.Match(e, func(cr *CompiledRule, r *Record) { Evidence(cr, r) })
		FieldsFromEvtxJSON(m)
		NewRecord(e).Time()
	})
}
