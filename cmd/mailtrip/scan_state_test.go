package main

import (
	"path/filepath"
	"strings"
	"testing"
)

// TestScanState: with --state a second scan of the same logs reports
// nothing new, and the store holds the alert once.
func TestScanState(t *testing.T) {
	db := filepath.Join(t.TempDir(), "m.db")
	in := filepath.Join(shared, "platform", "m365", "ual-add-mailboxpermission.splunk-example.json")
	code, out, errOut := runCLI(t, docsEnv, "scan", "--state", "--db", db, "--format", "jsonl", in)
	if code != exitFindings || !strings.Contains(out, "mailtrip-mailbox-permission") {
		t.Fatalf("first scan: exit %d\n%s%s", code, out, errOut)
	}
	code, out, errOut = runCLI(t, docsEnv, "scan", "--state", "--db", db, "--format", "jsonl", in)
	if code != exitOK || strings.TrimSpace(out) != "" || !strings.Contains(errOut, "reported by an earlier scan") {
		t.Fatalf("second scan: exit %d, want 0 and nothing new\n%s%s", code, out, errOut)
	}
	code, out, _ = runCLI(t, docsEnv, "alerts", "list", "--db", db, "--format", "jsonl")
	if code != 0 || strings.Count(out, "mailtrip-mailbox-permission") != 1 {
		t.Fatalf("store holds:\n%s", out)
	}
}
