package sigma

import (
	"slices"
	"testing"
)

func TestRegexpLiterals(t *testing.T) {
	for _, tc := range []struct {
		expr string
		want []string
	}{
		{`foo.*bar`, []string{"foo"}},
		{`a.*longer`, []string{"longer"}},
		{`(?i)Invoke-Mimi`, []string{"e-mimi"}}, // k ends a run: (?i)k also matches the Kelvin sign
		{`(?i)set.*&&`, []string{"et"}},         // s too (long s); "&&" is as long, "et" comes first
		{`Invoke-Mimi`, []string{"invoke-mimi"}},
		{`(cmd|powershell)\.exe`, []string{".exe"}},
		{`(cmd|powershell)x`, []string{"cmd", "powershell"}},
		{`[Ww]script\.exe`, []string{"wscript.exe"}},
		{`(?i)[w]script`, []string{"cript"}},
		{`\\[a-z]{1,32}\.[a-z]+`, []string{`\`}},
		{`(abc)+de`, []string{"abc"}},
		{`(abc)*`, nil},
		{`a|.*`, nil},
		{`é+x`, []string{"é"}},
		{`(?i)éx`, []string{"x"}},
		{`[`, nil},
	} {
		got := regexpLiterals(tc.expr)
		if !slices.Equal(got, tc.want) {
			t.Errorf("regexpLiterals(%q) = %q, want %q", tc.expr, got, tc.want)
		}
	}
}

// TestPrefilterEdgeCases covers where a literal prefilter could wrongly
// skip a rule: Unicode case folding, numbers, keywords in numbers, EventID
// restrictions, and rules that cannot match.
func TestPrefilterEdgeCases(t *testing.T) {
	runMatchCases(t, []matchCase{
		{"re (?i)k matches the Kelvin sign", []string{`CommandLine|re: '(?i)kerberos::golden'`}, `{"CommandLine":"\u212aerberos::golden"}`, true},
		{"re (?i)s matches the long s", []string{`CommandLine|re: '(?i)sekurlsa'`}, `{"CommandLine":"\u017fekurlsa"}`, true},
		{"cyrillic upper case", []string{`CommandLine|contains: 'кириллица'`}, `{"CommandLine":"x КИРИЛЛИЦА y"}`, true},
		{"cyrillic in ASCII value", []string{`CommandLine|contains: 'кириллица'`}, `{"CommandLine":"x kirillica y"}`, false},
		{"non-ASCII pattern, Kelvin value", []string{`CommandLine|contains: 'é-key'`}, `{"CommandLine":"É-\u212aEY"}`, true},
		{"caseless non-ASCII", []string{`CommandLine|contains: '✓ done'`}, `{"CommandLine":"all ✓ DONE"}`, true},
		{"integer against number", []string{`DestinationPort: 4444`}, `{"DestinationPort":4444}`, true},
		{"integer against text", []string{`DestinationPort: 4444`}, `{"DestinationPort":"4444"}`, true},
		{"integer against other", []string{`DestinationPort: 4444`}, `{"DestinationPort":44445}`, false},
		{"EventID as text", []string{`EventID: 4688`, `NewProcessName|endswith: '\cmd.exe'`}, `{"EventID":"4688","NewProcessName":"C:\\cmd.exe"}`, true},
		{"EventID differs", []string{`EventID: 4688`, `NewProcessName|endswith: '\cmd.exe'`}, `{"EventID":4689,"NewProcessName":"C:\\cmd.exe"}`, false},
		{"contains all", []string{`CommandLine|contains|all: ['-nop', 'hidden', 'enc']`}, `{"CommandLine":"PowerShell -NOP -W Hidden -Enc AAA"}`, true},
		{"contains all, one missing", []string{`CommandLine|contains|all: ['-nop', 'hidden', 'enc']`}, `{"CommandLine":"powershell -nop -enc AAA"}`, false},
		{"list value", []string{`Tags|contains: secret`}, `{"Tags":["a","top SECRET"]}`, true},
		{"long literal cut", []string{`Hashes|contains: 'SHA256=9F2A1C0E7B3D4A5F6E7D8C9B0A1F2E3D'`}, `{"Hashes":"MD5=1,SHA256=9F2A1C0E7B3D4A5F6E7D8C9B0A1F2E3D"}`, true},
		{"long literal cut, head differs", []string{`Hashes|contains: 'SHA256=9F2A1C0E7B3D4A5F6E7D8C9B0A1F2E3D'`}, `{"Hashes":"SHA1=9F2A1C0E7B3D4A5F6E7D8C9B0A1F2E3D"}`, false},
	}, Config{})
}

func TestKeywordPrefilter(t *testing.T) {
	rules := `title: kw
id: kw
logsource: {product: windows}
detection:
  keywords: ['sekurlsa::', '4444', 'ДОБРО']
  condition: keywords
---
title: kw2
id: kw2
logsource: {product: windows}
detection:
  keywords: ['mimikatz']
  filter:
    EventID: 15
  condition: keywords and not filter
`
	rs := compileYAML(t, rules, Config{})
	for _, tc := range []struct {
		event string
		want  []string
	}{
		{`{"Channel":"Security","EventID":4688,"CommandLine":"x SEKURLSA::logonpasswords"}`, []string{"kw"}},
		{`{"Channel":"Security","EventID":4688,"Port":4444}`, []string{"kw"}},
		{`{"Channel":"Security","EventID":4688,"Nested":{"a":["добро"]}}`, []string{"kw"}},
		{`{"Channel":"Microsoft-Windows-Sysmon/Operational","EventID":1,"Image":"C:\\mimikatz.exe"}`, []string{"kw2"}},
		{`{"Channel":"Microsoft-Windows-Sysmon/Operational","EventID":15,"Image":"C:\\mimikatz.exe"}`, nil},
		{`{"Channel":"Security","EventID":4688,"CommandLine":"whoami"}`, nil},
	} {
		got := matchedIDs(rs, jsonEvent(t, tc.event))
		slices.Sort(got)
		if !slices.Equal(got, tc.want) {
			t.Errorf("%s: matched %v, want %v", tc.event, got, tc.want)
		}
	}
}
