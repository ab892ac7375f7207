package header

import (
	"path/filepath"
	"slices"
	"testing"
)

// gmailSample is a real Gmail/Workspace auto-forwarded message (see
// ../shared/testdata/platform/PROVENANCE.md).
var gmailSample = filepath.Join("..", "..", "..", "shared", "testdata", "platform", "eml", "gmail-autoforward-x-forwarded-to.eml")

func TestClassifyGmailSample(t *testing.T) {
	m := readFwdMsg(t, gmailSample)
	r := Classify(m, Options{})
	if !r.Forwarded() || r.Redirected() {
		t.Fatalf("Forwarded=%v Redirected=%v, want a forward; rules %v", r.Forwarded(), r.Redirected(), fwdRules(r.Auto))
	}
	for _, rule := range []string{RuleGmailForwardedTo, RuleGmailCAFEnvelope, RuleDeliveredToChain} {
		f := fwdFind(r.Auto, rule)
		if f == nil {
			t.Errorf("rule %s did not fire; got %v", rule, fwdRules(r.Auto))
			continue
		}
		if !slices.Equal(f.Destinations, []string{"palmer@dabbelt.com"}) {
			t.Errorf("%s destinations = %v, want [palmer@dabbelt.com]", rule, f.Destinations)
		}
	}
	if f := fwdFind(r.Auto, RuleGmailForwardedTo); f != nil && f.Platform != "gmail" {
		t.Errorf("platform = %q, want gmail", f.Platform)
	}
	if got := r.Destinations(); !slices.Equal(got, []string{"palmer@dabbelt.com"}) {
		t.Errorf("Destinations() = %v", got)
	}
	if r.AutoReply || r.Bounce || r.Calendar {
		t.Errorf("near-miss flags set on a forward: %+v", r)
	}
}

func TestClassifyNearMisses(t *testing.T) {
	tests := []struct {
		name                              string
		head, body                        string
		autoReply, bounce, list, calendar bool
	}{
		{name: "plain"},
		{name: "rfc 3834 auto-replied", head: "Auto-Submitted: auto-replied\n", autoReply: true},
		{name: "auto-replied with parameter", head: "Auto-Submitted: auto-replied; owner-email=bob@corp.example\n", autoReply: true},
		{name: "auto-generated is not an auto-reply", head: "Auto-Submitted: auto-generated\n"},
		{name: "auto-submitted no", head: "Auto-Submitted: no\n"},
		{name: "gmail x-autoreply", head: "X-Autoreply: yes\n", autoReply: true},
		{name: "cpanel x-autorespond", head: "X-Autorespond: Out of office\n", autoReply: true},
		{name: "precedence auto_reply", head: "Precedence: auto_reply\n", autoReply: true},
		{name: "exchange automatic reply subject", head: "Subject: Automatic reply: Quarterly numbers\n", autoReply: true},
		{name: "encoded out of office subject", head: "Subject: =?UTF-8?Q?Out_of_Office=3A_Quarterly?=\n", autoReply: true},
		{name: "dsn", head: "Content-Type: multipart/report; report-type=delivery-status; boundary=x\n", bounce: true},
		{name: "mailer-daemon", head: "From: MAILER-DAEMON@corp.example\n", bounce: true},
		{name: "empty return path", head: "Return-Path: <>\n", bounce: true},
		{name: "list-id", head: "List-Id: <dev.lists.project.example>\n", list: true},
		{name: "list-unsubscribe newsletter", head: "List-Unsubscribe: <https://news.example/u>\n", list: true},
		{name: "precedence bulk", head: "Precedence: bulk\n", list: true},
		{name: "text/calendar", head: "Content-Type: text/calendar; method=REQUEST\n", calendar: true},
		{name: "calendar part", head: "Content-Type: multipart/alternative; boundary=b\n",
			body: "--b\nContent-Type: TEXT/CALENDAR; method=REQUEST\n\nBEGIN:VCALENDAR\n", calendar: true},
		{name: "exchange calendar header", head: "X-MS-Exchange-Calendar-Series-Instance-Id: BAAAAI\n", calendar: true},
		{name: "calendar words in a plain body", body: "content-type: text/calendar is how invites travel\n"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := Classify(fwdMsg(t, tc.head+fwdBase+"\n"+tc.body), Options{})
			if r.AutoReply != tc.autoReply || r.Bounce != tc.bounce || r.List != tc.list || r.Calendar != tc.calendar {
				t.Fatalf("flags autoReply=%v bounce=%v list=%v calendar=%v, want %v %v %v %v",
					r.AutoReply, r.Bounce, r.List, r.Calendar, tc.autoReply, tc.bounce, tc.list, tc.calendar)
			}
			if len(r.Auto) != 0 {
				t.Fatalf("near miss flagged as forward: %v", fwdRules(r.Auto))
			}
		})
	}
}

func TestClassifyNil(t *testing.T) {
	if r := Classify(nil, DefaultOptions); r.Forwarded() || r.LooksForwarded() {
		t.Fatalf("Classify(nil) = %+v", r)
	}
}

func TestRegistrable(t *testing.T) {
	tests := map[string]string{
		"corp.example":          "corp.example",
		"lists.corp.example":    "corp.example",
		"a.b.corp.example.":     "corp.example",
		"mail.corp.co.uk":       "corp.co.uk",
		"corp.co.uk":            "corp.co.uk",
		"shop.example.com.au":   "example.com.au",
		"mx.isp.ne.jp":          "isp.ne.jp",
		"mail.example.de":       "example.de",
		"example.com":           "example.com",
		"localhost":             "localhost",
		"Mail.Corp.Example.COM": "example.com",
	}
	for in, want := range tests {
		if got := registrable(in); got != want {
			t.Errorf("registrable(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestAddresses(t *testing.T) {
	tests := []struct {
		in   string
		want []string
	}{
		{`"Mary Smith" <Mary@Example.NET>`, []string{"mary@example.net"}},
		{"palmer@sifive.com palmer@dabbelt.com", []string{"palmer@sifive.com", "palmer@dabbelt.com"}},
		{"alice@contoso.com;f7a17af6-1c5c-4a36-aa8b-f5be247aa4ba", []string{"alice@contoso.com"}},
		{"a@x.example, <a@x.example>, (comment) b@y.example.", []string{"a@x.example", "b@y.example"}},
		{"<mailto:leave@lists.example.org>", []string{"leave@lists.example.org"}},
		{"203.0.113.9", nil},
		{"Autoresponder", nil},
		{"user@localhost", nil},
		{"<>", nil},
	}
	for _, tc := range tests {
		if got := addresses(tc.in); !slices.Equal(got, tc.want) {
			t.Errorf("addresses(%q) = %v, want %v", tc.in, got, tc.want)
		}
	}
}
