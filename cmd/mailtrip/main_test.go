package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/mailtrip/mailtrip/alert"
	"github.com/mailtrip/mailtrip/ingest"
)

// shared is the project's shared test data (../shared/testdata from the
// repository root).
const shared = "../../../shared/testdata"

// runCLI runs mailtrip in-process with a fixed, empty environment for
// configuration and default locations.
func runCLI(t *testing.T, env ingest.Env, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	t.Setenv("MAILTRIP_CONFIG", "")
	t.Setenv("MAILTRIP_DB", "")
	t.Setenv("XDG_CONFIG_HOME", t.TempDir())
	t.Setenv("XDG_STATE_HOME", t.TempDir()) // no user's store leaks in
	var out, errb bytes.Buffer
	code = run(context.Background(), &app{stdout: &out, stderr: &errb, env: env}, args)
	return code, out.String(), errb.String()
}

func decodeDoc(t *testing.T, s string) jsonDoc {
	t.Helper()
	var d jsonDoc
	if err := json.Unmarshal([]byte(s), &d); err != nil {
		t.Fatalf("output is not a scan document: %v\n%s", err, s)
	}
	return d
}

func TestVersion(t *testing.T) {
	code, out, _ := runCLI(t, docsEnv, "version")
	if code != 0 || !strings.HasPrefix(out, "mailtrip ") {
		t.Fatalf("version: code %d, output %q", code, out)
	}
	code, out, _ = runCLI(t, docsEnv, "version", "--format", "json")
	var v versionInfo
	if code != 0 || json.Unmarshal([]byte(out), &v) != nil || v.GoVersion == "" {
		t.Fatalf("version --format json: code %d, output %q", code, out)
	}
}

func TestUsageErrors(t *testing.T) {
	bad := filepath.Join(t.TempDir(), "bad.yaml")
	if err := os.WriteFile(bad, []byte("scan:\n  fial_on: low\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name string
		args []string
		want string // in stderr
	}{
		{"unknown command", []string{"frobnicate"}, "unknown command"},
		{"unknown flag", []string{"scan", "--no-such-flag", "x"}, "unknown flag"},
		{"bad format", []string{"scan", "--format", "yaml", "testdata/scan/journal.mbox"}, "--format"},
		{"bad input format", []string{"scan", "--input-format", "pst", "testdata/scan/journal.mbox"}, "--input-format"},
		{"bad fail-on", []string{"scan", "--fail-on", "severe", "testdata/scan/journal.mbox"}, "--fail-on"},
		{"unknown config key", []string{"--config", bad, "scan", "testdata/scan/journal.mbox"}, "fial_on"},
		{"missing config", []string{"--config", bad + ".missing", "scan"}, "read config"},
		{"dump needs a path", []string{"dump"}, "requires at least 1 arg"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			code, _, stderr := runCLI(t, docsEnv, tc.args...)
			if code != exitUsage {
				t.Errorf("exit code %d, want %d; stderr:\n%s", code, exitUsage, stderr)
			}
			if !strings.Contains(stderr, tc.want) {
				t.Errorf("stderr does not mention %q:\n%s", tc.want, stderr)
			}
		})
	}
}

func TestHelpOnEveryCommand(t *testing.T) {
	for _, cmd := range [][]string{{"--help"}, {"scan", "--help"}, {"dump", "--help"}, {"version", "--help"}, {"completion", "bash"}} {
		code, out, stderr := runCLI(t, docsEnv, cmd...)
		if code != 0 || len(out) < 100 {
			t.Errorf("%v: code %d, %d bytes of output; stderr %s", cmd, code, len(out), stderr)
		}
	}
}

// TestScanGmailSample scans the real Gmail auto-forwarded message.
func TestScanGmailSample(t *testing.T) {
	path := filepath.Join(shared, "platform/eml/gmail-autoforward-x-forwarded-to.eml")
	code, out, stderr := runCLI(t, docsEnv, "scan", "--format", "json", path)
	if code != exitOK {
		t.Fatalf("exit %d (a low-level finding stays below the default --fail-on medium); stderr:\n%s", code, stderr)
	}
	d := decodeDoc(t, out)
	if len(d.Alerts) != 1 {
		t.Fatalf("got %d alerts, want 1:\n%s", len(d.Alerts), out)
	}
	a := d.Alerts[0]
	if a.Rule.ID != "mailtrip-header-auto-forward" || a.Origin.File != path || a.Origin.Offset != 0 {
		t.Errorf("alert rule %s origin %+v", a.Rule.ID, a.Origin)
	}
	if !containsTag(a.Rule.Tags, alert.TagT1114_003) {
		t.Errorf("alert lacks %s: %v", alert.TagT1114_003, a.Rule.Tags)
	}
	if !strings.Contains(strings.Join(a.Reasons, "\n"), "palmer@dabbelt.com") {
		t.Errorf("reasons do not name the destination: %q", a.Reasons)
	}
	if a.MessageID == "" || a.Origin.RecordID != a.MessageID {
		t.Errorf("message id %q, origin record id %q", a.MessageID, a.Origin.RecordID)
	}
	// The same finding scanned again has the same id.
	_, out2, _ := runCLI(t, docsEnv, "scan", "--format", "json", path)
	if id2 := decodeDoc(t, out2).Alerts[0].ID; id2 != a.ID {
		t.Errorf("alert id changed between scans: %s then %s", a.ID, id2)
	}
	if code, _, _ := runCLI(t, docsEnv, "scan", "--fail-on", "low", "--format", "jsonl", path); code != exitFindings {
		t.Errorf("--fail-on low: exit %d, want %d", code, exitFindings)
	}
}

func containsTag(tags []string, tag string) bool {
	for _, t := range tags {
		if t == tag {
			return true
		}
	}
	return false
}

// TestScanFixtures scans an mbox journal collecting a rule's copies and a
// Maildir with a manual forward and one Gmail auto-forward, and compares the
// whole JSON document with a golden file.
func TestScanFixtures(t *testing.T) {
	code, out, stderr := runCLI(t, docsEnv, "scan", "--format", "json", "--workers", "2",
		"testdata/scan/journal.mbox", "testdata/scan/maildir")
	if code != exitFindings {
		t.Fatalf("exit %d, want %d (the journal is flagged high); stderr:\n%s", code, exitFindings, stderr)
	}
	d := decodeDoc(t, out)
	rules := map[string]int{}
	for _, a := range d.Alerts {
		rules[a.Rule.ID]++
	}
	if rules["mailtrip-header-auto-forward"] != 6 || rules["mailtrip-header-unmatched-autoforward"] != 1 || len(d.Alerts) != 7 {
		t.Errorf("alerts by rule: %v", rules)
	}
	for _, m := range d.Mailboxes {
		want := m.Mailbox == "testdata/scan/journal.mbox"
		if m.Flagged != want {
			t.Errorf("mailbox %s flagged=%v, want %v", m.Mailbox, m.Flagged, want)
		}
	}
	if d.Summary.Messages != 10 || d.Summary.Mailboxes != 2 {
		t.Errorf("summary: %+v", d.Summary)
	}
	golden(t, "testdata/scan/fixtures.golden.json", normalize(out))
}

var volatile = regexp.MustCompile(`"(detected_at|elapsed_seconds)": [^,\n]+`)

// normalize removes what changes from run to run.
func normalize(s string) []byte {
	return []byte(volatile.ReplaceAllString(s, `"$1": "X"`))
}

func golden(t *testing.T, path string, got []byte) {
	t.Helper()
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test ./cmd/mailtrip -update)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs from the output; if the change is intended, run go test ./cmd/mailtrip -update\n%s", path, got)
	}
}

func TestDump(t *testing.T) {
	code, out, stderr := runCLI(t, docsEnv, "dump", "testdata/scan/journal.mbox")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if len(lines) != 6 {
		t.Fatalf("%d records, want 6", len(lines))
	}
	var prev int64 = -1
	for _, l := range lines {
		var r dumpRecord
		if err := json.Unmarshal([]byte(l), &r); err != nil {
			t.Fatal(err)
		}
		if r.Origin.Offset <= prev || r.Mailbox != "testdata/scan/journal.mbox" || len(r.Headers) < 4 {
			t.Errorf("record out of order or incomplete: %+v", r)
		}
		prev = r.Origin.Offset
	}
	golden(t, "testdata/scan/journal.dump.golden.jsonl", []byte(out))
}

// TestScanDefaultLocations runs scan with no PATH against a home folder
// holding a Maildir, a Thunderbird profile and an Outlook file.
func TestScanDefaultLocations(t *testing.T) {
	home := t.TempDir()
	copyTree(t, "testdata/scan/maildir", filepath.Join(home, "Maildir"))
	tb := filepath.Join(home, ".thunderbird", "abcd.default", "Mail", "Local Folders")
	if err := os.MkdirAll(tb, 0o755); err != nil {
		t.Fatal(err)
	}
	data, _ := os.ReadFile("testdata/scan/journal.mbox")
	writeFile(t, filepath.Join(tb, "Inbox"), data)
	writeFile(t, filepath.Join(tb, "Inbox.msf"), []byte("// <!-- <mdb:mork:z v=\"1.4\"/> -->"))
	writeFile(t, filepath.Join(home, "Documents", "Outlook Files", "alice.pst"), []byte("!BDN\x00\x00"))
	env := ingest.Env{Home: home, Root: home}
	code, out, stderr := runCLI(t, env, "scan", "--format", "json")
	if code != exitFindings {
		t.Fatalf("exit %d; stderr:\n%s", code, stderr)
	}
	for _, want := range []string{"Maildir", "Thunderbird", "alice.pst", "readpst"} {
		if !strings.Contains(stderr, want) {
			t.Errorf("stderr does not say it found %q:\n%s", want, stderr)
		}
	}
	d := decodeDoc(t, out)
	if d.Summary.Messages != 10 {
		t.Errorf("scanned %d messages, want 10", d.Summary.Messages)
	}
	// With nothing there, scan says where it looked and finds nothing.
	code, _, stderr = runCLI(t, ingest.Env{Home: t.TempDir()}, "scan", "--format", "jsonl")
	if code != exitOK || !strings.Contains(stderr, "no local mail stores found") {
		t.Errorf("empty home: exit %d, stderr:\n%s", code, stderr)
	}
}

func writeFile(t *testing.T, path string, data []byte) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
}

func copyTree(t *testing.T, src, dst string) {
	t.Helper()
	err := filepath.Walk(src, func(p string, fi os.FileInfo, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(src, p)
		if fi.IsDir() {
			return os.MkdirAll(filepath.Join(dst, rel), 0o755)
		}
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		return os.WriteFile(filepath.Join(dst, rel), data, 0o644)
	})
	if err != nil {
		t.Fatal(err)
	}
}

// TestDumpEVTX: dump reads EVTX records as JSON (the fields Sigma rules
// name) and as XML; a mail file given to --format xml is an input error
// that says why.
func TestDumpEVTX(t *testing.T) {
	path := filepath.Join(shared, "sigma", "regression")
	var evtxFile string
	_ = filepath.WalkDir(path, func(p string, d os.DirEntry, err error) error {
		if err == nil && evtxFile == "" && strings.HasSuffix(p, ".evtx") {
			evtxFile = p
		}
		return nil
	})
	if evtxFile == "" {
		t.Fatalf("no .evtx under %s", path)
	}
	code, out, errOut := runCLI(t, docsEnv, "dump", evtxFile)
	if code != 0 {
		t.Fatalf("dump: exit %d\n%s", code, errOut)
	}
	var rec struct {
		Kind   string         `json:"kind"`
		Origin map[string]any `json:"origin"`
		Fields map[string]any `json:"fields"`
	}
	if err := json.Unmarshal([]byte(strings.SplitN(out, "\n", 2)[0]), &rec); err != nil {
		t.Fatal(err)
	}
	if rec.Kind != "log" || rec.Origin["format"] != "evtx" || rec.Fields["EventID"] == nil || rec.Fields["Channel"] == nil {
		t.Errorf("first record: %+v", rec)
	}
	code, out, _ = runCLI(t, docsEnv, "dump", "--format", "xml", evtxFile)
	if code != 0 || !strings.HasPrefix(out, "<Event xmlns=") || strings.Count(out, "<Event ") != strings.Count(out, "</Event>") {
		t.Errorf("dump --format xml: exit %d\n%.300s", code, out)
	}
	code, _, errOut = runCLI(t, docsEnv, "dump", "--format", "xml", "testdata/scan/journal.mbox")
	if code != exitInput || !strings.Contains(errOut, "EVTX") {
		t.Errorf("xml of an mbox: exit %d, stderr %s", code, errOut)
	}
}

// TestRulesCommands: the built-in pack validates, its test events pass,
// and list names both the pack and the built-in detectors' rules; a user
// folder with a failing test case exits 1.
func TestRulesCommands(t *testing.T) {
	if code, out, errOut := runCLI(t, docsEnv, "rules", "validate"); code != 0 || !strings.Contains(out, "0 unsupported, 0 invalid") {
		t.Fatalf("validate: exit %d\n%s%s", code, out, errOut)
	}
	if code, out, errOut := runCLI(t, docsEnv, "rules", "test"); code != 0 || !strings.Contains(out, " 0 failed") {
		t.Fatalf("test: exit %d\n%s%s", code, out, errOut)
	}
	code, out, _ := runCLI(t, docsEnv, "rules", "list", "--format", "jsonl")
	if code != 0 || !strings.Contains(out, `"source":"built-in"`) || !strings.Contains(out, `"source":"mailrules"`) {
		t.Fatalf("list: exit %d\n%.500s", code, out)
	}
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "pst.yml"), []byte(`title: PST copied
id: 0b7a3c1e-1111-4222-8333-944455556666
status: experimental
logsource: {product: windows, category: process_creation}
detection:
  sel: {CommandLine|contains: '.pst'}
  condition: sel
level: medium
`))
	writeFile(t, filepath.Join(dir, "tests", "pst", "match-copy.json"), []byte(`{"EventID": 1, "Channel": "Microsoft-Windows-Sysmon/Operational", "Image": "C:\\Windows\\System32\\cmd.exe", "CommandLine": "copy a.pst b"}`))
	writeFile(t, filepath.Join(dir, "tests", "pst", "nearmiss-ost.json"), []byte(`{"EventID": 1, "Channel": "Microsoft-Windows-Sysmon/Operational", "Image": "C:\\Windows\\System32\\cmd.exe", "CommandLine": "copy a.pst.bak c"}`))
	code, out, _ = runCLI(t, docsEnv, "rules", "test", dir)
	if code != exitFindings || !strings.Contains(out, "FAIL") || !strings.Contains(out, "nearmiss-ost.json") {
		t.Fatalf("a failing near miss: exit %d\n%s", code, out)
	}
}

// TestScanEVTXWithSigma: scan reads a .evtx natively and runs Sigma rules
// on its records (a SigmaHQ regression case and its rule).
func TestScanEVTXWithSigma(t *testing.T) {
	dir := filepath.Join(shared, "sigma", "regression", "regression_data", "rules", "windows", "process_creation",
		"proc_creation_win_susp_local_system_owner_account_discovery")
	rules := filepath.Join(shared, "sigma", "sigmahq", "rules", "windows", "process_creation")
	code, out, errOut := runCLI(t, docsEnv, "scan", "--format", "jsonl", "--rules", rules,
		filepath.Join(dir, "502b42de-4306-40b4-9596-6f590c81f073.evtx"))
	if code != exitOK && code != exitFindings {
		t.Fatalf("exit %d\n%s", code, errOut)
	}
	if !strings.Contains(out, `"id":"502b42de-4306-40b4-9596-6f590c81f073"`) || !strings.Contains(out, `"format":"evtx"`) {
		t.Errorf("no alert of rule 502b42de from the .evtx:\n%.2000s\n%s", out, errOut)
	}
}

// TestScanRulesMapping: a user mapping file teaches the Sigma engine a
// log the built-in mappings do not know, and renames its fields.
func TestScanRulesMapping(t *testing.T) {
	dir := t.TempDir()
	rulesDir := filepath.Join(dir, "rules")
	writeFile(t, filepath.Join(rulesDir, "gw.yml"), []byte(`title: Mail gateway forwards outside
id: 6a1d0c52-5b8e-4f0e-9a55-3f5b2a1c9d01
status: experimental
logsource: {product: acme, service: mailgw}
detection:
  sel: {Action: forward_external}
  condition: sel
level: high
`))
	writeFile(t, filepath.Join(dir, "map.yml"), []byte(`sources:
  - product: acme
    service: mailgw
    conditions: {vendor: [acme]}
    fieldmappings: {Action: act}
`))
	logf := filepath.Join(dir, "gw.jsonl")
	writeFile(t, logf, []byte(`{"vendor":"acme","act":"forward_external","user":"bob@example.com"}`+"\n"+
		`{"vendor":"acme","act":"deliver","user":"ann@example.com"}`+"\n"))
	_, out, _ := runCLI(t, docsEnv, "scan", "--format", "jsonl", "--no-builtin-rules", "--rules", rulesDir, logf)
	if strings.Contains(out, "6a1d0c52") {
		t.Fatalf("matched without the mapping (the log has no Action field):\n%s", out)
	}
	code, out, errOut := runCLI(t, docsEnv, "scan", "--format", "jsonl", "--no-builtin-rules", "--rules", rulesDir,
		"--rules-mapping", filepath.Join(dir, "map.yml"), logf)
	if code != exitFindings || strings.Count(out, "6a1d0c52") != 1 {
		t.Fatalf("with the mapping: exit %d, want one alert\n%s%s", code, out, errOut)
	}
}

// TestScanStdin: "-" reads standard input, recognised like a file.
func TestScanStdin(t *testing.T) {
	data, err := os.ReadFile(filepath.Join(shared, "platform", "m365", "ual-add-mailboxpermission.splunk-example.json"))
	if err != nil {
		t.Fatal(err)
	}
	isolateScan(t)
	var out, errb bytes.Buffer
	code := run(context.Background(), &app{stdin: bytes.NewReader(data), stdout: &out, stderr: &errb, env: docsEnv},
		[]string{"scan", "--format", "jsonl", "-"})
	if code != exitFindings || !strings.Contains(out.String(), "mailtrip-mailbox-permission") {
		t.Fatalf("exit %d\n%s%s", code, out.String(), errb.String())
	}
}
