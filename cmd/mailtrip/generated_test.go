package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/mailtrip/mailtrip/internal/mailgen"
)

// TestScanGeneratedMailboxes runs the whole CLI over generated mailboxes
// with ground-truth labels: a hidden rule's destination (mbox), a user who
// forwards by hand a lot (Maildir), a mailbox without forwards (.eml
// folder), and a default mix in CRLF mbox. The scan must report exactly
// the labelled auto-forwarded and redirected messages, and flag exactly the
// hidden rule's mailbox.
func TestScanGeneratedMailboxes(t *testing.T) {
	dir := t.TempDir()
	want := map[string]bool{} // Message-IDs that must be reported
	record := func(labels []mailgen.Label, err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		for _, l := range labels {
			if mailgen.IsForwarded(l.Class) {
				want[l.MessageID] = true
			}
		}
	}
	hidden := filepath.Join(dir, "hidden-rule.mbox")
	f, err := os.Create(hidden)
	if err != nil {
		t.Fatal(err)
	}
	record(mailgen.WriteMbox(f, mailgen.ScenarioConfig(mailgen.ScenarioHiddenRule, 11, 400)))
	f.Close()
	record(mailgen.WriteMaildir(filepath.Join(dir, "manual.maildir"), mailgen.ScenarioConfig(mailgen.ScenarioManualForwarder, 12, 400)))
	record(mailgen.WriteEMLDir(filepath.Join(dir, "quiet-eml"), mailgen.ScenarioConfig(mailgen.ScenarioNoForwards, 13, 200)))
	mixed := filepath.Join(dir, "mixed-crlf.mbox")
	f, err = os.Create(mixed)
	if err != nil {
		t.Fatal(err)
	}
	record(mailgen.WriteMbox(f, mailgen.Config{Seed: 14, Messages: 600, CRLF: true, NoLarge: true}))
	f.Close()

	code, out, stderr := runCLI(t, docsEnv, "scan", "--format", "json", dir)
	if code != exitFindings {
		t.Fatalf("exit %d, want %d; stderr:\n%s", code, exitFindings, stderr)
	}
	d := decodeDoc(t, out)
	got := map[string]bool{}
	var flagged []string
	for _, a := range d.Alerts {
		switch a.Rule.ID {
		case "mailtrip-header-auto-forward", "mailtrip-header-redirect":
			if got[a.MessageID] {
				t.Errorf("%s reported twice", a.MessageID)
			}
			got[a.MessageID] = true
			if !want[a.MessageID] {
				t.Errorf("false positive: %s (%s)", a.MessageID, strings.Join(a.Reasons, "; "))
			}
		case "mailtrip-header-unmatched-autoforward":
			flagged = append(flagged, filepath.Base(a.Mailbox))
		}
	}
	for id := range want {
		if !got[id] {
			t.Errorf("missed: %s", id)
		}
	}
	if len(flagged) != 1 || flagged[0] != "hidden-rule.mbox" {
		t.Errorf("flagged mailboxes %v, want [hidden-rule.mbox]", flagged)
	}
	if d.Summary.InputErrors != 0 {
		t.Errorf("input errors: %v", d.Summary.Errors)
	}
	t.Logf("%d messages, %d labelled forwarded, %d reported, mailboxes flagged %v", d.Summary.Messages, len(want), len(got), flagged)
}
