package mailrules

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/mailtrip/mailtrip/alert"
	"github.com/mailtrip/mailtrip/event"
)

// fakeDecoys plants a decoy in one mailbox.
type fakeDecoys struct{ mailbox, msgID string }

func (f fakeDecoys) IsDecoyMailbox(m string) (alert.Decoy, bool) {
	if strings.EqualFold(m, f.mailbox) {
		return alert.Decoy{ID: "dcy-1", Mailbox: f.mailbox, Folder: "INBOX"}, true
	}
	return alert.Decoy{}, false
}

func (f fakeDecoys) DecoyForMessageID(id string) (alert.Decoy, bool) {
	if f.msgID != "" && id == f.msgID {
		return alert.Decoy{ID: "dcy-2", Mailbox: f.mailbox}, true
	}
	return alert.Decoy{}, false
}

var _ Decoys = fakeDecoys{}

func TestM365Detections(t *testing.T) {
	const user, ip = "alice@corp.example", "203.0.113.9"
	inbox := func(params ...string) map[string]any {
		return ual("New-InboxRule", user, ip, append([]string{"Mailbox", user}, params...)...)
	}
	tests := []struct {
		name   string
		fields map[string]any
		opt    Options
		want   string // "rule:level" joined by ","; "" for none
		reason string // a reason that must be there
	}{
		// Forwarding rules.
		{"forward-external", inbox("Name", "Vendor copies", "ForwardTo", "eve@evil.example"), Options{},
			RuleExternalForward + ":medium", "outside the user's own domain(s) corp.example"},
		{"forward-attachment-external-configured", inbox("Name", "x-copy", "ForwardAsAttachmentTo", `"Eve" [SMTP:eve@evil.example]`), Options{InternalDomains: []string{"corp.example"}},
			RuleExternalForward + ":medium", "configured internal domains corp.example"},
		{"redirect-delete-keywords-critical", inbox("Name", ".", "RedirectTo", "eve@evil.example", "DeleteMessage", "True", "SubjectOrBodyContainsWords", "invoice;wire transfer"), Options{},
			RuleExternalForward + ":critical", `"invoice"`},
		{"forward-short-name-high", inbox("Name", "..", "ForwardTo", "eve@evil.example"), Options{},
			RuleExternalForward + ":high", "only punctuation"},
		{"forward-german-keyword", inbox("Name", "Buchhaltung", "ForwardTo", "eve@evil.example", "SubjectContainsWords", "Rechnung"), Options{},
			RuleExternalForward + ":high", `"rechnung"`},
		{"forward-unresolved-contact", inbox("Name", "copy", "ForwardTo", "Vendor Contact"), Options{},
			RuleExternalForward + ":low", "no SMTP address"},
		{"forward-decoy-mailbox", inbox("Name", "copy", "ForwardTo", "eve@evil.example"), Options{Decoys: fakeDecoys{mailbox: user}},
			RuleExternalForward + ":high", "planted decoy dcy-1"},
		// Benign look-alikes.
		{"forward-deputy-internal", inbox("Name", "Holiday cover", "ForwardTo", "bob@corp.example"), Options{}, "", ""},
		{"forward-subdomain-internal", inbox("Name", "EU office", "ForwardTo", "bob@eu.corp.example"), Options{InternalDomains: []string{"CORP.example."}}, "", ""},
		{"forward-legacy-dn-internal", inbox("Name", "Team", "ForwardTo", `Bob [EX:/o=ExchangeLabs/ou=Exchange Administrative Group/cn=Recipients/cn=bob]`), Options{}, "", ""},
		{"newsletter-filing", inbox("Name", "Newsletters", "FromAddressContainsWords", "news@", "MoveToFolder", "Newsletters", "StopProcessingRules", "True"), Options{}, "", ""},
		{"set-inboxrule-clears-forward", ual("Set-InboxRule", user, ip, "Identity", "copy", "ForwardTo", "$null"), Options{}, "", ""},
		// Hiding rules.
		{"hide-rss-markread", inbox("Name", "a", "MoveToFolder", `:\RSS Feeds`, "MarkAsRead", "True"), Options{},
			RuleHide + ":high", "RSS"},
		{"hide-german-conversation-history", inbox("Name", "Ablage", "MoveToFolder", "Unterhaltungsverlauf"), Options{},
			RuleHide + ":medium", "Conversation History"},
		{"hide-delete-only", inbox("Name", "Spam from shop", "FromAddressContainsWords", "shop.example", "DeleteMessage", "True"), Options{},
			RuleHide + ":low", "deletes the message"},
		{"hide-markread-keywords", inbox("Name", "Security", "SubjectContainsWords", "password;MFA", "MarkAsRead", "True"), Options{},
			RuleHide + ":low", `"password"`},
		{"hide-delete-internal-forward", inbox("Name", "Cleanup", "ForwardTo", "bob@corp.example", "DeleteMessage", "True", "SubjectContainsWords", "payment"), Options{},
			RuleHide + ":medium", "internal bob@corp.example"},
		{"remove-rule-ignored", map[string]any{"Operation": "UpdateInboxRules", "CreationTime": "2025-01-01T00:00:00", "UserId": user,
			"OperationProperties": []any{map[string]any{"Name": "RuleOperation", "Value": "RemoveMailboxRule"}, map[string]any{"Name": "RuleName", "Value": "."},
				map[string]any{"Name": "RuleActions", "Value": `[{"ActionType":"Forward","Recipients":["eve@evil.example"]}]`}}}, Options{}, "", ""},
		{"updateinboxrules-outlook-shape", map[string]any{"Operation": "UpdateInboxRules", "CreationTime": "2025-01-01T00:00:00", "UserId": user, "ClientIP": ip,
			"OperationProperties": []any{map[string]any{"Name": "RuleOperation", "Value": "AddMailboxRule"}, map[string]any{"Name": "RuleName", "Value": "."},
				map[string]any{"Name": "RuleActions", "Value": `[{"ActionType":"Forward","Recipients":["eve@evil.example"]},{"ActionType":"MoveToFolder","FolderName":"RSS Subscriptions"}]`}}},
			Options{}, RuleExternalForward + ":critical", "RSS Subscriptions"},
		{"failed-cmdlet-ignored", func() map[string]any {
			m := inbox("Name", "x", "ForwardTo", "eve@evil.example")
			m["ResultStatus"] = "False"
			return m
		}(), Options{}, "", ""},
		// Admin forwarding.
		{"set-mailbox-external", ual("Set-Mailbox", "admin@corp.example", ip, "Identity", user, "ForwardingSmtpAddress", "smtp:eve@evil.example", "DeliverToMailboxAndForward", "False"), Options{},
			RuleMailboxForwarding + ":high", "DeliverToMailboxAndForward False"},
		{"set-mailbox-internal", ual("Set-Mailbox", "admin@corp.example", ip, "Identity", user, "ForwardingSmtpAddress", "smtp:bob@corp.example"), Options{}, "", ""},
		{"set-mailbox-clear", ual("Set-Mailbox", "admin@corp.example", ip, "Identity", user, "ForwardingSmtpAddress", "$null", "ForwardingAddress", ""), Options{}, "", ""},
		{"set-mailbox-other-params", ual("Set-Mailbox", "admin@corp.example", ip, "Identity", user, "RetainDeletedItemsFor", "30"), Options{}, "", ""},
		{"set-mailbox-contact", ual("Set-Mailbox", "admin@corp.example", ip, "Identity", user, "ForwardingAddress", "Vendor Contact"), Options{},
			RuleMailboxForwarding + ":low", "no SMTP address"},
		// Transport rules.
		{"transport-bcc-external", ual("New-TransportRule", "admin@corp.example", ip, "Name", "Compliance copy", "BlindCopyTo", "archive@evil.example"), Options{},
			RuleTransportCopy + ":high", "no conditions"},
		{"transport-redirect-keywords", ual("Set-TransportRule", "admin@corp.example", ip, "Identity", "Finance", "RedirectMessageTo", "eve@evil.example", "SubjectContainsWords", "invoice"), Options{},
			RuleTransportCopy + ":high", `"invoice"`},
		{"transport-journal-internal", ual("New-TransportRule", "admin@corp.example", ip, "Name", "Legal hold", "BlindCopyTo", "legal@corp.example"), Options{}, "", ""},
		{"transport-disclaimer", ual("New-TransportRule", "admin@corp.example", ip, "Name", "Disclaimer", "ApplyHtmlDisclaimerText", "Confidential"), Options{}, "", ""},
		// Permissions.
		{"fullaccess-automapping-off", ual("Add-MailboxPermission", "admin@corp.example", ip, "Identity", "ceo@corp.example", "User", "eve", "AccessRights", "FullAccess", "AutoMapping", "False"), Options{},
			RuleMailboxPermission + ":high", "AutoMapping is off"},
		{"fullaccess-decoy", ual("Add-MailboxPermission", "admin@corp.example", ip, "Identity", "cfo@corp.example", "User", "bob", "AccessRights", "FullAccess"), Options{Decoys: fakeDecoys{mailbox: "cfo@corp.example"}},
			RuleMailboxPermission + ":high", "dcy-1"},
		{"readpermission-low", ual("Add-MailboxPermission", "admin@corp.example", ip, "Identity", "x@corp.example", "User", "bob", "AccessRights", "ReadPermission"), Options{},
			RuleMailboxPermission + ":low", "ReadPermission"},
		{"sendas", ual("Add-RecipientPermission", "admin@corp.example", ip, "Identity", "ceo@corp.example", "Trustee", "eve@evil.example", "AccessRights", "SendAs"), Options{},
			RuleMailboxPermission + ":high", "outside the organisation"},
		{"folder-default-reviewer-inbox", ual("Add-MailboxFolderPermission", user, ip, "Identity", user+`:\Inbox`, "User", "Default", "AccessRights", "Reviewer"), Options{},
			RuleMailboxPermission + ":high", "stands for everyone"},
		{"folder-anonymous-readitems-set", ual("Set-MailboxFolderPermission", user, ip, "Identity", user+`:\Sent Items`, "User", "Anonymous", "AccessRights", "ReadItems,FolderVisible"), Options{},
			RuleMailboxPermission + ":high", "stands for everyone"},
		{"folder-default-calendar", ual("Set-MailboxFolderPermission", user, ip, "Identity", user+`:\Calendar`, "User", "Default", "AccessRights", "Reviewer"), Options{},
			RuleMailboxPermission + ":low", "calendar"},
		{"folder-default-limiteddetails", ual("Set-MailboxFolderPermission", user, ip, "Identity", user+`:\Calendar`, "User", "Default", "AccessRights", "LimitedDetails"), Options{}, "", ""},
		{"folder-delegate", ual("Add-MailboxFolderPermission", user, ip, "Identity", user+`:\Inbox`, "User", "assistant@corp.example", "AccessRights", "Editor"), Options{},
			RuleMailboxPermission + ":low", "one user"},
		{"audit-everyone-readany", map[string]any{"Operation": "ModifyFolderPermissions", "CreationTime": "2025-01-01T00:00:00", "UserId": user, "MailboxOwnerUPN": user, "ResultStatus": "Succeeded",
			"Item": map[string]any{"ParentFolder": map[string]any{"MemberRights": "ReadAny, FolderVisible", "MemberSid": "S-1-1-0", "MemberUpn": "Everyone", "Name": "Inbox", "Path": `\Inbox`}}},
			Options{}, RuleMailboxPermission + ":high", "stands for everyone"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.opt.Now = fixedNow
			as := run(t, New(tt.opt), m365Event(tt.fields, "t.json", 1))
			if got := strings.Join(levels(as), ","); got != tt.want {
				t.Fatalf("alerts %q, want %q; reasons %v", got, tt.want, reasons(as))
			}
			if tt.reason != "" && !strings.Contains(strings.Join(reasons(as), "\n"), tt.reason) {
				t.Errorf("no reason mentions %q: %v", tt.reason, reasons(as))
			}
			for _, a := range as {
				if a.Summary == "" || len(a.Reasons) == 0 || a.ID == "" || a.Detector != Name || len(a.Rule.Tags) == 0 {
					t.Errorf("incomplete alert %+v", a)
				}
				if _, err := json.Marshal(a); err != nil {
					t.Error(err)
				}
			}
			if tt.opt.Decoys != nil && len(as) > 0 && (as[0].Decoy == nil || as[0].Decoy.ID != "dcy-1") {
				t.Errorf("decoy not named: %+v", as[0].Decoy)
			}
		})
	}
}

func reasons(as []alert.Alert) []string {
	var out []string
	for _, a := range as {
		out = append(out, a.Reasons...)
	}
	return out
}

func TestExports(t *testing.T) {
	// Get-InboxRule | Export-Csv rows and Get-Mailbox rows as the CSV
	// reader gives them (every column a string).
	rule := map[string]any{"Name": "..", "Enabled": "True", "MailboxOwnerId": "Homer Simpson", "RuleIdentity": "123",
		"ForwardTo": `"Eve" [SMTP:eve@evil.example]`, "DeleteMessage": "True", "StopProcessingRules": "True", "SubjectContainsWords": "invoice;payment"}
	as := run(t, New(Options{InternalDomains: []string{"simpsons.example"}}), m365Event(rule, "rules.csv", 2))
	if got := strings.Join(levels(as), ","); got != RuleExternalForward+":critical" {
		t.Errorf("export rule: %s %v", got, reasons(as))
	}
	// Without internal domains and with an owner known only by name,
	// the destination cannot be judged.
	as = run(t, New(Options{}), m365Event(map[string]any{"Name": "copy", "Enabled": "False", "MailboxOwnerId": "Homer Simpson", "RuleIdentity": "124",
		"ForwardTo": "eve@evil.example", "StopProcessingRules": "False"}, "rules.csv", 3))
	if got := strings.Join(levels(as), ","); got != RuleExternalForward+":informational" {
		t.Errorf("disabled unresolved rule: %s %v", got, reasons(as))
	}
	mbx := map[string]any{"UserPrincipalName": "bart@simpsons.example", "PrimarySmtpAddress": "bart@simpsons.example", "ForwardingAddress": "",
		"ForwardingSmtpAddress": "smtp:bart@gmail.example", "DeliverToMailboxAndForward": "False"}
	as = run(t, New(Options{}), m365Event(mbx, "mbx.csv", 2))
	if got := strings.Join(levels(as), ","); got != RuleMailboxForwarding+":high" || as[0].Mailbox != "bart@simpsons.example" {
		t.Errorf("mailbox export: %s %v", got, reasons(as))
	}
	mbx["ForwardingSmtpAddress"] = ""
	if as = run(t, New(Options{}), m365Event(mbx, "mbx.csv", 3)); len(as) != 0 {
		t.Errorf("mailbox without forwarding: %v", levels(as))
	}
}

func TestCmdletLog(t *testing.T) {
	rec := map[string]any{"SourceName": "MSExchange CmdletLogs", "Channel": "MSExchange Management", "TimeCreated": "2021-03-14T01:40:12.987Z", "EventID": json.Number("1"),
		"Message": `Cmdlet succeeded. Cmdlet New-InboxRule, parameters -Mailbox "ceo@corp.example" -Name "." -ForwardTo "eve@evil.example" -DeleteMessage "True".`}
	as := run(t, New(Options{InternalDomains: []string{"corp.example"}}), m365Event(rec, "cmdlet.jsonl", 1))
	if got := strings.Join(levels(as), ","); got != RuleExternalForward+":critical" {
		t.Errorf("cmdlet log rule: %s %v", got, reasons(as))
	}
}

func TestUnusualSource(t *testing.T) {
	d := New(Options{Now: fixedNow})
	var evs []*event.Event
	for i := range 6 {
		m := map[string]any{"Operation": "MailItemsAccessed", "CreationTime": "2024-12-30T00:00:00", "UserId": "alice@corp.example",
			"ClientIPAddress": "198.51.100." + string(rune('1'+i)), "ClientInfoString": "Client=OWA;Action=ViaProxy"}
		evs = append(evs, m365Event(m, "u.json", i+1))
	}
	// A hide rule from the usual network: low.
	usual := ual("New-InboxRule", "alice@corp.example", "198.51.100.77", "Name", "Shop", "DeleteMessage", "True")
	// The same rule from elsewhere: one more reason, medium.
	odd := ual("New-InboxRule", "alice@corp.example", "203.0.113.5:4431", "Name", "Shop", "DeleteMessage", "True")
	as := run(t, d, append(evs, m365Event(usual, "u.json", 7), m365Event(odd, "u.json", 8))...)
	if got := strings.Join(levels(as), ","); got != RuleHide+":low,"+RuleHide+":medium" {
		t.Fatalf("%s %v", got, reasons(as))
	}
	if !strings.Contains(strings.Join(as[1].Reasons, "\n"), "203.0.113.0/24") {
		t.Errorf("reasons %v", as[1].Reasons)
	}

	// An attacker signs in from a new network, then makes the rule: the
	// sign-in minutes earlier does not make the network the user's own.
	d = New(Options{Now: fixedNow})
	signin := map[string]any{"Operation": "UserLoggedIn", "CreationTime": "2025-01-01T09:55:00", "UserId": "alice@corp.example",
		"ClientIP": "192.0.2.44", "ResultStatus": "Succeeded", "Workload": "AzureActiveDirectory"}
	as = run(t, d, append(evs, m365Event(signin, "u.json", 7), m365Event(odd, "u.json", 8))...)
	if len(as) != 1 || !strings.Contains(strings.Join(as[0].Reasons, "\n"), "none of the user's") {
		t.Fatalf("rule after a sign-in from elsewhere: %v", reasons(as))
	}
	fresh := ual("New-InboxRule", "alice@corp.example", "192.0.2.44:4431", "Name", "Shop", "DeleteMessage", "True")
	d = New(Options{Now: fixedNow})
	as = run(t, d, append(evs, m365Event(signin, "u.json", 7), m365Event(fresh, "u.json", 8))...)
	if got := strings.Join(levels(as), ","); got != RuleHide+":medium" || !strings.Contains(strings.Join(as[0].Reasons, "\n"), "first seen for this user only") {
		t.Fatalf("rule from the network the attacker just signed in from: %s %v", got, reasons(as))
	}
}

func TestGmail(t *testing.T) {
	tests := []struct {
		name string
		act  string
		opt  Options
		want string
	}{
		{"reports-forwarding-out-of-domain", `{"kind":"admin#reports#activity","id":{"time":"2024-01-01T00:00:00Z","uniqueQualifier":"1","applicationName":"user_accounts"},"actor":{"email":"amy@corp.example"},"ipAddress":"203.0.113.1","events":[{"type":"email_forwarding_change","name":"email_forwarding_out_of_domain","parameters":[{"name":"email_forwarding_destination_address","value":"amy@gmail.example"}]}]}`,
			Options{}, RuleGmailForward + ":high"},
		{"out-of-domain-but-configured-internal", `{"id":{"applicationName":"user_accounts"},"actor":{"email":"amy@corp.example"},"type":"email_forwarding_change","name":"email_forwarding_out_of_domain","parameters":{"email_forwarding_destination_address":"amy@corp-sub.example"}}`,
			Options{InternalDomains: []string{"corp-sub.example"}}, RuleGmailForward + ":low"},
		{"email-monitor", `{"id":{"applicationName":"admin","uniqueQualifier":"2"},"actor":{"email":"admin@corp.example"},"events":[{"type":"USER_SETTINGS","name":"CREATE_EMAIL_MONITOR","parameters":[{"name":"USER_EMAIL","value":"cfo@corp.example"},{"name":"EMAIL_MONITOR_DEST_EMAIL","value":"watcher@corp.example"}]}]}`,
			Options{}, RuleGmailMonitor + ":medium"},
		{"email-monitor-decoy", `{"id":{"applicationName":"admin","uniqueQualifier":"2"},"actor":{"email":"admin@corp.example"},"events":[{"type":"USER_SETTINGS","name":"CREATE_EMAIL_MONITOR","parameters":[{"name":"USER_EMAIL","value":"cfo@corp.example"},{"name":"EMAIL_MONITOR_DEST_EMAIL","value":"watcher@corp.example"}]}]}`,
			Options{Decoys: fakeDecoys{mailbox: "cfo@corp.example"}}, RuleGmailMonitor + ":high"},
		{"routing-rule-external", `{"id":{"applicationName":"admin"},"actor":{"email":"admin@corp.example"},"events":[{"type":"EMAIL_SETTINGS","name":"CREATE_GMAIL_SETTING","parameters":[{"name":"SETTING_NAME","value":"ROUTING"},{"name":"NEW_VALUE","value":"{also deliver to: [bcc@evil.example]}"}]}]}`,
			Options{}, RuleGmailRouting + ":medium"},
		{"routing-rule-internal", `{"id":{"applicationName":"admin"},"actor":{"email":"admin@corp.example"},"events":[{"type":"EMAIL_SETTINGS","name":"CREATE_GMAIL_SETTING","parameters":[{"name":"SETTING_NAME","value":"ROUTING"},{"name":"NEW_VALUE","value":"{also deliver to: [legal@corp.example]}"}]}]}`,
			Options{}, ""},
		{"unrelated-setting", `{"id":{"applicationName":"admin"},"actor":{"email":"admin@corp.example"},"events":[{"type":"EMAIL_SETTINGS","name":"CHANGE_GMAIL_SETTING","parameters":[{"name":"SETTING_NAME","value":"SPAM_FILTER"},{"name":"NEW_VALUE","value":"x@evil.example"}]}]}`,
			Options{}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			as := run(t, New(tt.opt), gwsEvents(decode(t, []byte(tt.act)), "g.json", 1)...)
			if got := strings.Join(levels(as), ","); got != tt.want {
				t.Errorf("%q, want %q; %v", got, tt.want, reasons(as))
			}
		})
	}
}

func TestSieveRecords(t *testing.T) {
	tests := []struct {
		name, path, src string
		opt             Options
		want            string
	}{
		{"redirect-off-domain-owner-from-path", "/var/vmail/corp.example/alice/sieve/main.sieve",
			"redirect \"eve@evil.example\";\n", Options{}, RuleSieveRedirect + ":medium"},
		{"redirect-copy-internal", "/var/vmail/corp.example/alice/sieve/main.sieve",
			"require \"copy\";\nredirect :copy \"bob@corp.example\";\n", Options{}, ""},
		{"redirect-keywords-discard", "/home/alice/.dovecot.sieve",
			"if header :contains \"subject\" [\"Invoice\", \"Zahlung\"] { redirect \"eve@evil.example\"; discard; stop; }\n", Options{InternalDomains: []string{"corp.example"}},
			RuleSieveRedirect + ":critical"},
		{"spam-filing-benign", "/home/alice/.dovecot.sieve",
			"require \"fileinto\";\nif header :contains \"X-Spam-Flag\" \"YES\" { fileinto \"Junk\"; }\n", Options{}, ""},
		{"mark-read-invoices", "/home/alice/.dovecot.sieve",
			"require \"imap4flags\";\nif header :contains \"subject\" \"invoice\" { addflag \"\\\\Seen\"; }\n", Options{}, RuleHide + ":low"},
		{"fileinto-rss", "/home/alice/.dovecot.sieve",
			"require \"fileinto\";\nif address :is \"from\" \"it@corp.example\" { fileinto \"RSS Feeds\"; }\n", Options{}, RuleHide + ":medium"},
		{"newsletter-fileinto", "/home/alice/.dovecot.sieve",
			"require \"fileinto\";\nif header :contains \"list-id\" \"news\" { fileinto \"Newsletters\"; }\n", Options{}, ""},
		{"dot-forward-external", "/home/alice/.forward", "alice@gmail.example\n", Options{InternalDomains: []string{"corp.example"}}, RuleSieveRedirect + ":medium"},
		{"dot-forward-local-user", "/home/alice/.forward", "\\alice, bob\n", Options{}, ""},
		{"procmail-forward-copy-keyword", "/home/alice/.procmailrc", ":0 c\n* ^Subject:.*password\n! eve@evil.example\n", Options{InternalDomains: []string{"corp.example"}}, RuleSieveRedirect + ":high"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			as := run(t, New(tt.opt), sieveEvents(t, tt.src, tt.path)...)
			if got := strings.Join(levels(as), ","); got != tt.want {
				t.Errorf("%q, want %q; %v", got, tt.want, reasons(as))
			}
		})
	}
}

func TestRulesDocumented(t *testing.T) {
	b, err := readFile("../../docs/mailrules.md")
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range Rules() {
		if !strings.Contains(b, "`"+r.ID+"`") {
			t.Errorf("docs/mailrules.md does not document %s", r.ID)
		}
	}
}

// TestConcurrent: the pipeline calls Detect from one goroutine per core.
func TestConcurrent(t *testing.T) {
	d := New(Options{})
	done := make(chan int)
	for g := range 4 {
		go func() {
			n := 0
			for i := range 200 {
				ev := m365Event(ual("New-InboxRule", "u@corp.example", "198.51.100.1", "Name", ".", "ForwardTo", "e@evil.example"), "c", g*1000+i)
				_ = d.Detect(t.Context(), ev, func(alert.Alert) { n++ })
			}
			done <- n
		}()
	}
	for range 4 {
		if n := <-done; n != 200 {
			t.Errorf("%d alerts, want 200", n)
		}
	}
}
