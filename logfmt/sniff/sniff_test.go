package sniff

import (
	"testing"

	"github.com/mailtrip/mailtrip/logfmt/internal/logtest"
)

func TestBest(t *testing.T) {
	tests := []struct{ file, want string }{
		{"platform/m365/ual-mailitemsaccessed-bind.splunk-example.json", "m365.ual"},
		{"platform/entra/signinlogs-azure-monitor.splunk-example.json", "m365.signin"},
		{"exchange/proxylogon_msexchange_management_extract.jsonl", "m365.cmdletlog"},
		{"platform/gws/reports-login-failure.splunk-example.json", "gws.activity"},
		{"platform/iis/iis-w3c-default-fields-sample.log", "w3c.iis"},
		{"platform/unix-logs/fail2ban-tests-dovecot.log", "syslog.mail"},
		{"platform/unix-logs/fail2ban-tests-postfix.log", "syslog.mail"},
		{"platform/unix-logs/fail2ban-tests-roundcube-auth.log", "syslog.mail"},
		{"panther/gsuite_external_forwarding.tests.jsonl", "jsonlog.jsonl"},
		{"platform/eml/gmail-autoforward-x-forwarded-to.eml", ""},
	}
	for _, tt := range tests {
		g := Best(logtest.Read(t, tt.file), tt.file)
		if g.Format != tt.want {
			t.Errorf("%s: %+v (all: %+v)", tt.file, g, All(logtest.Read(t, tt.file), tt.file))
		}
	}
}

// FuzzAll checks that no input makes a sniffer panic.
// Seeds: testdata/fuzz/FuzzAll.
func FuzzAll(f *testing.F) {
	f.Add([]byte("{\"kind\":\"admin#reports#activity\"}"), "x.json")
	f.Fuzz(func(t *testing.T, head []byte, name string) {
		All(head, name)
	})
}
