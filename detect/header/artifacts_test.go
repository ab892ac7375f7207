package header

import (
	"slices"
	"testing"
)

func TestAutoForwardRules(t *testing.T) {
	tests := []struct {
		name     string
		head     string // fields prepended to fwdBase
		envelope string
		body     string
		internal []string
		want     []string // exact rules that fire, in order
		kind     Kind     // kind of want[0]
		dests    []string // destinations of want[0]
	}{
		// Exchange
		{name: "exchange autoforwarded",
			head: "X-MS-Exchange-Organization-AutoForwarded: true\nDelivered-To: bob@drop.example\n",
			want: []string{RuleExchangeAutoForwarded}, kind: AutoForward, dests: []string{"bob@drop.example"}},
		{name: "exchange autoforwarded upper case",
			head: "X-MS-Exchange-Organization-AutoForwarded: TRUE\n",
			want: []string{RuleExchangeAutoForwarded}, kind: AutoForward},
		{name: "exchange autoforwarded false",
			head: "X-MS-Exchange-Organization-AutoForwarded: false\n"},
		{name: "exchange autoforwarded on auto-reply",
			head: "X-MS-Exchange-Organization-AutoForwarded: true\nAuto-Submitted: auto-replied\n"},
		{name: "exchange inbox rules loop",
			head: "X-MS-Exchange-Inbox-Rules-Loop: bob@corp.example\n",
			want: []string{RuleExchangeInboxRulesLoop}, kind: AutoForward},
		{name: "exchange inbox rules loop on rule autoreply",
			head: "X-MS-Exchange-Inbox-Rules-Loop: bob@corp.example\nauto-submitted: auto-generated\n" +
				"Subject: Automatic reply: Quarterly numbers\n"},
		{name: "exchange inbox rules loop on X-Autoreply",
			head: "X-MS-Exchange-Inbox-Rules-Loop: bob@corp.example\nX-Autoreply: yes\n"},
		{name: "exchange forwarding loop",
			head: "X-MS-Exchange-ForwardingLoop: bob@corp.example;f7a17af6-1c5c-4a36-aa8b-f5be247aa4ba\nDelivered-To: bob@home.example\n",
			want: []string{RuleExchangeForwardingLoop}, kind: AutoForward, dests: []string{"bob@home.example"}},
		{name: "exchange transport rules loop",
			head: "X-MS-Exchange-Transport-Rules-Loop: 1\n",
			want: []string{RuleExchangeTransportRuleLoop}, kind: AutoForward},
		{name: "exchange X-LD-Processed alone is not a forward",
			head: "X-LD-Processed: 46c98d88-e344-4ed4-8496-4ed7712e255d,ExtAddr,ExtFwd\n"},
		{name: "exchange recipient P2 type is not a forward",
			head: "X-MS-Exchange-Organization-Recipient-P2-Type: Bcc\n"},

		// Gmail
		{name: "gmail x-forwarded-to",
			head: "X-Forwarded-To: Carol@Drop.Example\nX-Forwarded-For: bob@corp.example carol@drop.example\n",
			want: []string{RuleGmailForwardedTo}, kind: AutoForward, dests: []string{"carol@drop.example"}},
		{name: "gmail x-forwarded-for alone",
			head: "X-Forwarded-For: bob@corp.example carol@drop.example\n",
			want: []string{RuleGmailForwardedTo}, kind: AutoForward, dests: []string{"carol@drop.example"}},
		{name: "x-forwarded-for with an IP is not a forward",
			head: "X-Forwarded-For: 203.0.113.9\n"},
		{name: "x-forwarded-for with one address is not a forward",
			head: "X-Forwarded-For: bob@corp.example\n"},
		{name: "gmail caf return path",
			head: "Return-Path: <bob+caf_=carol=drop.example@corp.example>\n",
			want: []string{RuleGmailCAFEnvelope}, kind: AutoForward, dests: []string{"carol@drop.example"}},
		{name: "gmail caf mbox envelope",
			envelope: "bob+caf_=carol=drop.example@corp.example Mon Mar  2 10:00:01 2026",
			want:     []string{RuleGmailCAFEnvelope}, kind: AutoForward, dests: []string{"carol@drop.example"}},
		{name: "plus address is not caf",
			head: "Return-Path: <bob+newsletters@corp.example>\n"},

		// generic, Sieve, Zimbra
		{name: "x-mailfwdby",
			head: "X-MailFwdBy: relay.corp.example\n",
			want: []string{RuleMailFwdBy}, kind: AutoForward},
		{name: "sieve redirected from",
			head: "X-Sieve: Pigeonhole Sieve 0.5.19 (4eae2f79)\nX-Sieve-Redirected-From: bob@corp.example\nDelivered-To: carol@corp.example\n",
			want: []string{RuleSieveRedirectedFrom}, kind: Redirect, dests: []string{"carol@corp.example"}},
		{name: "x-sieve alone is not a redirect",
			head: "X-Sieve: Pigeonhole Sieve 0.5.19 (4eae2f79)\n"},
		{name: "sieve redirect with auto-generated still fires",
			head: "X-Sieve-Redirected-From: bob@corp.example\nAuto-Submitted: auto-generated\n",
			want: []string{RuleSieveRedirectedFrom}, kind: Redirect},
		{name: "zimbra forwarded",
			head: "X-Zimbra-Forwarded: carol@drop.example\n",
			want: []string{RuleZimbraForwarded}, kind: Redirect},

		// RFC 5322 Resent- block
		{name: "resent block",
			head: "Resent-From: Bob <bob@corp.example>\nResent-To: Carol <carol@drop.example>, dave@drop.example\n" +
				"Resent-Date: Tue, 3 Mar 2026 08:00:00 +0000\nResent-Message-ID: <r1@corp.example>\n",
			want: []string{RuleResentBlock}, kind: Redirect, dests: []string{"carol@drop.example", "dave@drop.example"}},
		{name: "resent from and date without recipients (mutt bounce kept Bcc)",
			head: "Resent-From: bob@corp.example\nResent-Date: Tue, 3 Mar 2026 08:00:00 +0000\nDelivered-To: carol@drop.example\n",
			want: []string{RuleResentBlock}, kind: Redirect, dests: []string{"carol@drop.example"}},
		{name: "lone resent-message-id is not a block",
			head: "Resent-Message-ID: <r1@corp.example>\n"},
		{name: "resent-from without date is not a block",
			head: "Resent-From: bob@corp.example\n"},

		// SRS
		{name: "srs0 return path",
			head: "Return-Path: <SRS0=a4e0=WV=sender.example=alice@forwarder.example>\n",
			want: []string{RuleSRSReturnPath}, kind: AutoForward},
		{name: "srs1 return path",
			head: "Return-Path: <SRS1=x9ab=forwarder.example==a4e0=WV=sender.example=alice@second.example>\n",
			want: []string{RuleSRSReturnPath}, kind: AutoForward},
		{name: "exchange online srs return path",
			head: "Return-Path: <bounces+SRS=xxxxx=YYYYY@school.onmicrosoft.com>\n",
			want: []string{RuleSRSReturnPath}, kind: AutoForward},
		{name: "srs mbox envelope",
			envelope: "SRS0=a4e0=WV=sender.example=alice@forwarder.example Mon Mar  2 10:00:01 2026",
			want:     []string{RuleSRSReturnPath}, kind: AutoForward},
		{name: "address merely containing srs",
			head: "Return-Path: <srs-team@sender.example>\n"},

		// Delivered-To chains
		{name: "delivered-to chain across organisations",
			head: "Delivered-To: carol@drop.example\nDelivered-To: bob@corp.example\n",
			want: []string{RuleDeliveredToChain}, kind: AutoForward, dests: []string{"carol@drop.example"}},
		{name: "delivered-to chain inside one domain (list expansion)",
			head: "Delivered-To: bob@corp.example\nDelivered-To: staff@lists.corp.example\n"},
		{name: "delivered-to chain under co.uk inside one organisation",
			head: "Delivered-To: bob@mail.corp.co.uk\nDelivered-To: staff@corp.co.uk\n"},
		{name: "delivered-to chain across co.uk organisations",
			head: "Delivered-To: bob@other.co.uk\nDelivered-To: staff@corp.co.uk\n",
			want: []string{RuleDeliveredToChain}, kind: AutoForward},
		{name: "delivered-to chain of a mailing list",
			head: "Delivered-To: bob@corp.example\nDelivered-To: dev@lists.project.example\nList-Id: <dev.lists.project.example>\n"},
		{name: "delivered-to chain between internal domains",
			head:     "Delivered-To: bob@corp-group.example\nDelivered-To: bob@corp.example\n",
			internal: []string{"corp.example", "corp-group.example"}},
		{name: "single delivered-to",
			head: "Delivered-To: bob@corp.example\n"},
		{name: "qmail autoresponder delivered-to is no address",
			head: "Delivered-To: Autoresponder\nDelivered-To: bob@corp.example\n"},

		// near misses: automated, but not forwards
		{name: "auto-reply",
			head: "Auto-Submitted: auto-replied\nX-Autoreply: yes\nPrecedence: auto_reply\nSubject: Out of Office: Quarterly numbers\n"},
		{name: "bounce",
			head: "From: Mail Delivery Subsystem <MAILER-DAEMON@corp.example>\nReturn-Path: <>\n" +
				"Content-Type: multipart/report; report-type=delivery-status; boundary=b1\n",
			body: "--b1\nContent-Type: message/rfc822\n\nX-Forwarded-To: carol@drop.example\n"},
		{name: "calendar",
			head: "Content-Type: text/calendar; method=REQUEST\nX-MS-Exchange-Calendar-Series-Instance-Id: BAAAAI\n"},
		{name: "mailing list",
			head: "List-Id: <dev.lists.project.example>\nList-Unsubscribe: <mailto:leave@lists.project.example>\nPrecedence: list\n"},
		{name: "fwd subject without artifact",
			head: "Subject: Fwd: Quarterly numbers\n",
			body: "---------- Forwarded message ---------\nFrom: Alice <alice@sender.example>\n"},

		// combinations report one finding per rule
		{name: "gmail forward with chain and caf",
			head: "Delivered-To: carol@drop.example\nReturn-Path: <bob+caf_=carol=drop.example@corp.example>\n" +
				"X-Forwarded-To: carol@drop.example\nX-Forwarded-For: bob@corp.example carol@drop.example\nDelivered-To: bob@corp.example\n",
			want: []string{RuleGmailForwardedTo, RuleGmailCAFEnvelope, RuleDeliveredToChain}, kind: AutoForward,
			dests: []string{"carol@drop.example"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			m := fwdMsg(t, tc.head+fwdBase+"\n"+tc.body)
			m.Envelope = tc.envelope
			got := autoForward(m, internalMatcher(tc.internal))
			if rs := fwdRules(got); !slices.Equal(rs, tc.want) {
				t.Fatalf("rules = %v, want %v", rs, tc.want)
			}
			if len(tc.want) == 0 {
				return
			}
			f := got[0]
			if f.Kind != tc.kind {
				t.Errorf("kind = %q, want %q", f.Kind, tc.kind)
			}
			if tc.dests != nil && !slices.Equal(f.Destinations, tc.dests) {
				t.Errorf("destinations = %v, want %v", f.Destinations, tc.dests)
			}
			if len(f.Evidence) == 0 || f.Platform == "" {
				t.Errorf("finding lacks evidence or platform: %+v", f)
			}
			for _, e := range f.Evidence {
				if e.Name == "" || e.Value == "" || e.Where == "" {
					t.Errorf("incomplete evidence %+v", e)
				}
			}
		})
	}
}

func TestAutoForwardNilSafe(t *testing.T) {
	if got := autoForward(nil, nil); got != nil {
		t.Fatalf("autoForward(nil) = %v", got)
	}
	if got := autoForward(fwdMsg(t, "X-Forwarded-To: carol@drop.example\n"+fwdBase+"\n"), nil); len(got) != 1 {
		t.Fatalf("nil internal: got %v", fwdRules(got))
	}
}

func TestEvidenceDecoded(t *testing.T) {
	m := fwdMsg(t, "X-MailFwdBy: =?UTF-8?Q?J=C3=BCrgen?= <juergen@corp.example>\n"+fwdBase+"\n")
	f := fwdFind(autoForward(m, nil), RuleMailFwdBy)
	if f == nil {
		t.Fatal("x-mailfwdby did not fire")
	}
	if got, want := f.Evidence[0].Value, "Jürgen <juergen@corp.example>"; got != want {
		t.Fatalf("evidence value = %q, want %q", got, want)
	}
	if f.Evidence[0].Name != "X-MailFwdBy" {
		t.Fatalf("evidence name = %q, want the spelling as found", f.Evidence[0].Name)
	}
}

func TestContainsFoldASCII(t *testing.T) {
	for _, tc := range []struct {
		s, p string
		want bool
	}{
		{"MAILER-DAEMON@x", "mailer-daemon", true},
		{"a Mailer-Daemon", "mailer-daemon", true},
		{"mailer-daemo", "mailer-daemon", false},
		{"report.EML", ".eml", true},
		{"", "x", false},
		{"abc", "", true},
		{"mmmailer-daemon", "mailer-daemon", true},
	} {
		if got := containsFoldASCII(tc.s, tc.p); got != tc.want {
			t.Errorf("containsFoldASCII(%q, %q) = %v", tc.s, tc.p, got)
		}
	}
}
