package mailrules

import (
	"bufio"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/mailtrip/mailtrip/alert"
	"github.com/mailtrip/mailtrip/event"
)

// forwardingRules are the rules Panther's "external forwarding" tests
// are about.
var forwardingRules = map[string]bool{
	RuleExternalForward: true, RuleMailboxForwarding: true, RuleGmailForward: true,
	RuleTransportCopy: true, RuleSieveRedirect: true,
}

// TestPantherLabels: every record of Panther's forwarding rule tests
// meets its label. expected true: a forwarding alert of level medium or
// higher; expected false: no alert of this detector at all. The records
// are read as ingest reads them (m365.Normalize, gws.Split).
func TestPantherLabels(t *testing.T) {
	files, _ := filepath.Glob(filepath.Join(shared(t, "panther"), "*.jsonl"))
	if len(files) == 0 {
		t.Fatal("no Panther test files")
	}
	met, total := 0, 0
	for _, file := range files {
		fh, err := os.Open(file)
		if err != nil {
			t.Fatal(err)
		}
		sc := bufio.NewScanner(fh)
		sc.Buffer(make([]byte, 1<<20), 1<<20)
		line := 0
		for sc.Scan() {
			line++
			var tc struct {
				Name     string          `json:"name"`
				Expected bool            `json:"expected"`
				Log      json.RawMessage `json:"log"`
			}
			if err := json.Unmarshal(sc.Bytes(), &tc); err != nil {
				t.Fatalf("%s:%d: %v", file, line, err)
			}
			fields := decode(t, tc.Log)
			var evs []*event.Event
			if strings.HasPrefix(filepath.Base(file), "gsuite") {
				evs = gwsEvents(fields, file, line)
			} else {
				evs = []*event.Event{m365Event(fields, file, line)}
			}
			as := run(t, New(Options{Now: fixedNow}), evs...)
			fired := false
			for _, a := range as {
				if forwardingRules[a.Rule.ID] && a.Rule.Level >= alert.Medium {
					fired = true
				}
			}
			ok := fired == tc.Expected && (tc.Expected || len(as) == 0)
			total++
			if ok {
				met++
			}
			t.Run(tc.Name, func(t *testing.T) {
				if !ok {
					t.Errorf("expected %v, alerts %v", tc.Expected, levels(as))
				}
				for _, a := range as {
					if len(a.Reasons) == 0 || a.Summary == "" {
						t.Errorf("alert without reasons or summary: %+v", a)
					}
				}
			})
		}
		fh.Close()
	}
	t.Logf("Panther labels met: %d/%d", met, total)
}

func readShared(t *testing.T, elem ...string) *event.Event {
	t.Helper()
	p := shared(t, elem...)
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	return m365Event(decode(t, b), p, 0)
}

// TestPlatformSamples: the real Splunk-sourced records and what the issue
// says about each.
func TestPlatformSamples(t *testing.T) {
	tests := []struct {
		file string
		want []string // rule:level of the alerts, in order
	}{
		// FullAccess on another user's mailbox: an alert.
		{"ual-add-mailboxpermission.splunk-example.json", []string{RuleMailboxPermission + ":medium"}},
		// Everyone gets FreeBusySimple on Inbox: reads no mail, nothing.
		{"ual-modifyfolderpermissions.splunk-example.json", nil},
		// Set-Mailbox clearing ForwardingAddress: no forwarding alert.
		{"ual-set-mailbox.splunk-example.json", nil},
		{"ual-mailitemsaccessed-bind.splunk-example.json", nil},
		{"ual-userloggedin.splunk-example.json", nil},
		{"ual-userloginfailed.splunk-example.json", nil},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			as := run(t, New(Options{Now: fixedNow}), readShared(t, "platform", "m365", tt.file))
			if got := levels(as); strings.Join(got, ",") != strings.Join(tt.want, ",") {
				t.Errorf("alerts %v, want %v", got, tt.want)
			}
			for _, a := range as {
				if a.Actor == nil || a.Actor.User != "pbareiss@rodsoto.onmicrosoft.com" || a.Actor.IP != "18.159.234.121" || a.Mailbox != "jhernan" || a.Origin.RecordID == "" {
					t.Errorf("alert fields: %+v %+v", a.Actor, a)
				}
			}
		})
	}
	// The Workspace login samples are no business of this detector.
	for _, f := range []string{"reports-login-failure.splunk-example.json", "reports-login-success.splunk-example.json"} {
		b, _ := os.ReadFile(shared(t, "platform", "gws", f))
		if as := run(t, New(Options{}), gwsEvents(decode(t, b), f, 0)...); len(as) != 0 {
			t.Errorf("%s: %v", f, levels(as))
		}
	}
	// The proxylogon cmdlet log (OAB virtual directory cmdlets): routine
	// admin cmdlets as far as mail rules go.
	fh, err := os.Open(shared(t, "exchange", "proxylogon_msexchange_management_extract.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	defer fh.Close()
	sc := bufio.NewScanner(fh)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	n := 0
	for sc.Scan() {
		n++
		ev := m365Event(decode(t, sc.Bytes()), "proxylogon", n)
		if ev.Origin.Format != "m365.cmdletlog" {
			t.Errorf("line %d read as %s", n, ev.Origin.Format)
		}
		if as := run(t, New(Options{}), ev); len(as) != 0 {
			t.Errorf("cmdlet line %d: %v", n, levels(as))
		}
	}
}
