package baseline_test

import (
	"bufio"
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/mailtrip/mailtrip/detect/baseline"
	"github.com/mailtrip/mailtrip/event"
	"github.com/mailtrip/mailtrip/logfmt"
	"github.com/mailtrip/mailtrip/logfmt/gws"
	"github.com/mailtrip/mailtrip/logfmt/m365"
)

// shared returns the path of a file under ../shared/testdata (beside the
// repository).
func shared(t testing.TB, elem ...string) string {
	t.Helper()
	_, file, _, _ := runtime.Caller(0)
	p := filepath.Join(append([]string{filepath.Dir(file), "..", "..", "..", "shared", "testdata"}, elem...)...)
	if _, err := os.Stat(p); err != nil {
		t.Fatalf("shared sample missing (the tests need ../shared/testdata beside the repository): %v", err)
	}
	return p
}

func readFile(t testing.TB, format string, elem ...string) []*event.Event {
	t.Helper()
	p := shared(t, elem...)
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	return readEvents(t, p, format, bytes.NewReader(b))
}

// TestPlatformSamples: the real samples alone raise nothing — one
// MailItemsAccessed Bind, an Entra sign-in interrupted by MFA (50076), a
// UAL login and login failure, Google login success and failure.
func TestPlatformSamples(t *testing.T) {
	var evs []*event.Event
	for _, f := range []string{"ual-mailitemsaccessed-bind", "ual-userloggedin", "ual-userloginfailed",
		"ual-add-mailboxpermission", "ual-modifyfolderpermissions", "ual-set-mailbox"} {
		evs = append(evs, readFile(t, "m365.ual", "platform", "m365", f+".splunk-example.json")...)
	}
	evs = append(evs, readFile(t, "m365.signin", "platform", "entra", "signinlogs-azure-monitor.splunk-example.json")...)
	for _, f := range []string{"reports-login-failure", "reports-login-success"} {
		evs = append(evs, readFile(t, "gws.activity", "platform", "gws", f+".splunk-example.json")...)
	}
	if len(evs) != 9 {
		t.Fatalf("%d events, want 9", len(evs))
	}
	st := &memState{}
	as := run(t, baseline.New(baseline.Options{State: st, Decoys: decoyIndex{}}), evs, 2)
	for _, a := range as {
		t.Errorf("unexpected alert %s: %s %v", a.Rule.ID, a.Summary, a.Reasons)
	}
	// The successful sign-ins and the access were learned.
	for _, u := range []string{"user15@splunkresearch.onmicrosoft.com", "user1@splunkresearch.com"} {
		if b, _ := st.Load(t.Context(), baseline.ProfileKey(u)); len(b) == 0 {
			t.Errorf("no profile saved for %s", u)
		}
	}
	// A failure alone creates no profile (spraying made-up names must not fill the store).
	if b, _ := st.Load(t.Context(), baseline.ProfileKey("user30@contoso.onmicrosoft.com")); len(b) != 0 {
		t.Errorf("profile saved for a user with only a failure: %s", b)
	}
}

// TestFail2banSamples runs the fail2ban test logs (attack lines from many
// real servers, over years): what fires must be a sign-in rule about
// repeated failures, never an access rule.
func TestFail2banSamples(t *testing.T) {
	for _, f := range []string{"fail2ban-tests-dovecot.log", "fail2ban-tests-roundcube-auth.log"} {
		t.Run(f, func(t *testing.T) {
			evs := readFile(t, "syslog", "platform", "unix-logs", f)
			as := run(t, baseline.New(baseline.Options{}), evs, 2)
			for _, a := range as {
				if !strings.HasPrefix(a.Rule.ID, "mailtrip-signin-spray") && !strings.HasPrefix(a.Rule.ID, "mailtrip-signin-bruteforce") &&
					!strings.HasPrefix(a.Rule.ID, "mailtrip-signin-success-after") {
					t.Errorf("unexpected %s: %s", a.Rule.ID, a.Summary)
				}
				t.Logf("%s %s: %s", a.Rule.ID, a.Rule.Level, a.Summary)
			}
			t.Logf("%d events, %d alerts", len(evs), len(as))
		})
	}
}

// TestPantherSamples: Panther's labelled M365 and Workspace records are
// forwarding changes (mailrules' subject); none is a kind this detector
// covers, so whatever their expected label, no baseline alert may fire.
func TestPantherSamples(t *testing.T) {
	for _, f := range []string{"microsoft_exchange_external_forwarding.tests.jsonl", "gsuite_external_forwarding.tests.jsonl"} {
		fh, err := os.Open(shared(t, "panther", f))
		if err != nil {
			t.Fatal(err)
		}
		defer fh.Close()
		var evs []*event.Event
		sc := bufio.NewScanner(fh)
		sc.Buffer(nil, 1<<20)
		line := int64(0)
		for sc.Scan() {
			line++
			var rec struct {
				Name     string
				Expected bool
				Log      map[string]any
			}
			dec := json.NewDecoder(strings.NewReader(sc.Text()))
			dec.UseNumber()
			if err := dec.Decode(&rec); err != nil {
				t.Fatalf("%s:%d: %v", f, line, err)
			}
			o := event.Origin{File: f, Line: line}
			if strings.HasPrefix(f, "gsuite") {
				r := &gws.Record{Fields: rec.Log}
				evs = append(evs, &event.Event{Kind: event.KindLog, Origin: o, Mailbox: r.UserID(), Fields: rec.Log})
			} else {
				r := m365.Normalize(rec.Log, logfmt.Origin{Line: int(line)})
				evs = append(evs, &event.Event{Kind: event.KindLog, Origin: o, Time: r.Time, Mailbox: r.UserID(), Fields: r.Fields})
			}
		}
		as := run(t, baseline.New(baseline.Options{}), evs, 2)
		for _, a := range as {
			t.Errorf("%s: unexpected %s: %s", f, a.Rule.ID, a.Summary)
		}
	}
}
