package mailrules

import (
	"cmp"
	"strings"

	"github.com/mailtrip/mailtrip/alert"
	"github.com/mailtrip/mailtrip/event"
	"github.com/mailtrip/mailtrip/logfmt/gws"
)

// gws judges a Google Workspace audit event:
//
//   - user_accounts email_forwarding_out_of_domain (type
//     email_forwarding_change; parameter email_forwarding_destination_address):
//     Google itself logged forwarding to an address outside the domain;
//     other email_forwarding_change events are judged by their
//     destination's domain;
//   - admin CREATE_EMAIL_MONITOR (USER_EMAIL, EMAIL_MONITOR_DEST_EMAIL):
//     every message of a user is copied to another account;
//   - admin CREATE_GMAIL_SETTING / CHANGE_GMAIL_SETTING whose setting is
//     a routing, compliance or forwarding rule and whose NEW_VALUE names
//     an outside address.
func (d *Detector) gws(e *event.Event) []finding {
	r := &gws.Record{Fields: e.Fields}
	name := r.EventName()
	user := r.UserID()
	src := d.hist.observe(cmp.Or(e.Mailbox, user), r.ClientIP(), "", e.Time, d.opt.MinHistory)
	actor := &alert.Actor{User: user, IP: r.ClientIP()}
	var fs []finding
	switch {
	case name == "email_forwarding_out_of_domain" || strings.EqualFold(r.EventType(), "email_forwarding_change"):
		fs = d.gmailForward(r, name, user, src)
	case strings.EqualFold(name, "CREATE_EMAIL_MONITOR"):
		fs = d.gmailMonitor(r, user, src)
	case strings.EqualFold(name, "CREATE_GMAIL_SETTING") || strings.EqualFold(name, "CHANGE_GMAIL_SETTING"):
		fs = d.gmailRouting(r, user, src)
	}
	for i := range fs {
		fs[i].actor = actor
		fs[i].evidence["event.name"] = name
		if app := r.Application(); app != "" {
			fs[i].evidence["application"] = app
		}
	}
	return fs
}

func (d *Detector) gmailForward(r *gws.Record, name, user string, unusual unusualSource) []finding {
	to := r.Param("email_forwarding_destination_address")
	if isEmptyValue(to) {
		return nil
	}
	j := newJudge(d.domains, user)
	f := finding{rule: RuleGmailForward, level: alert.High, mailbox: user}
	outOfDomain := name == "email_forwarding_out_of_domain"
	switch w := j.where(to); {
	case w == internal && len(d.domains) > 0:
		f.level = alert.Low
		f.reason("forwarding to %s, which Google logged as outside the Workspace domain but is in the configured internal domains", to)
	case w == internal && !outOfDomain:
		return nil
	case w == external || outOfDomain:
		if outOfDomain {
			f.reason("Google Workspace logged forwarding of %s's mail to %s as out of domain (%s)", orMailbox(user), to, name)
		} else {
			f.reason("forwarding of %s's mail to %s: %s", orMailbox(user), to, j.basis())
		}
	default:
		f.level = alert.Low
		f.reason("forwarding to %s: %s", to, unresolvedWhy(j, []string{to}))
	}
	f.summary = "Gmail account " + orMailbox(user) + " forwards its mail to " + to
	for _, u := range unusual.reasons() {
		f.reason("the change was %s", u)
	}
	f.evidence = map[string]any{"destination": to}
	d.markDecoy(&f, alert.High, user)
	return []finding{f}
}

func (d *Detector) gmailMonitor(r *gws.Record, admin string, unusual unusualSource) []finding {
	src := r.Param("USER_EMAIL")
	to := r.Param("EMAIL_MONITOR_DEST_EMAIL")
	if to == "" && src == "" {
		return nil
	}
	f := finding{rule: RuleGmailMonitor, level: alert.Medium, mailbox: src}
	f.summary = "An email monitor copies " + orMailbox(src) + "'s mail to " + orName(to)
	f.reason("%s created an email monitor: every message %s sends or receives is copied to %s until %s", orName(admin), orMailbox(src), orName(to), cmp.Or(r.Param("END_DATE_TIME"), "its end date"))
	j := newJudge(d.domains, src, admin)
	if j.where(to) == external {
		f.level = alert.High
		f.reason("the destination %s is outside the organisation: %s", to, j.basis())
	}
	for _, u := range unusual.reasons() {
		f.reason("the change was %s", u)
	}
	f.raise(min(unusual.count(), 1), alert.High)
	f.evidence = map[string]any{"monitored": src, "destination": to}
	d.markDecoy(&f, alert.High, src)
	return []finding{f}
}

// routingWords mark a Gmail setting as one that sends mail on.
var routingWords = []string{"rout", "forward", "bcc", "recipient", "compliance", "redirect", "deliver"}

func (d *Detector) gmailRouting(r *gws.Record, admin string, unusual unusualSource) []finding {
	setting := r.Param("SETTING_NAME")
	value := r.Param("NEW_VALUE")
	text := strings.ToLower(setting + " " + value)
	routing := false
	for _, w := range routingWords {
		if strings.Contains(text, w) {
			routing = true
			break
		}
	}
	if !routing {
		return nil
	}
	j := newJudge(d.domains, admin)
	var ext []string
	for _, a := range addrsInText(value) {
		if j.where(a) == external {
			ext = append(ext, a)
		}
	}
	if len(ext) == 0 {
		return nil
	}
	f := finding{rule: RuleGmailRouting, level: alert.Medium}
	f.summary = "Gmail setting " + quoteName(setting) + " sends mail to " + strings.Join(ext, ", ")
	f.reason("the %s setting %q names %s: %s", r.EventName(), setting, strings.Join(ext, ", "), j.basis())
	for _, u := range unusual.reasons() {
		f.reason("the change was %s", u)
	}
	f.raise(min(unusual.count(), 1), alert.High)
	f.evidence = map[string]any{"setting": setting, "new_value": value, "recipients.external": ext}
	return []finding{f}
}
