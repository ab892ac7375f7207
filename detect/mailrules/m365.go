package mailrules

import (
	"cmp"
	"slices"
	"strings"

	"github.com/mailtrip/mailtrip/alert"
	"github.com/mailtrip/mailtrip/event"
	"github.com/mailtrip/mailtrip/logfmt/m365"
)

// m365Ops are the operations (UAL Operation, cmdlet names) this detector
// judges, lower-cased.
var m365Ops = map[string]bool{
	"new-inboxrule": true, "set-inboxrule": true, "enable-inboxrule": true, "updateinboxrules": true,
	"set-mailbox":       true,
	"new-transportrule": true, "set-transportrule": true,
	"add-mailboxpermission": true, "add-recipientpermission": true,
	"add-mailboxfolderpermission": true, "set-mailboxfolderpermission": true,
	"modifyfolderpermissions": true, "addfolderpermissions": true,
}

// field returns a top-level field by its Microsoft spelling or the
// lower-cased spelling SIEM copies use.
func field(f map[string]any, name, lower string) string {
	if v, ok := f[name]; ok {
		return str(v)
	}
	return str(f[lower])
}

// m365 judges a Microsoft 365 / Exchange record.
func (d *Detector) m365(e *event.Event) []finding {
	f := e.Fields
	op := field(f, "Operation", "operation")
	if op == "" {
		op = str(f[m365.KeyCmdlet])
	}
	// History: every record with a user and a client address or name.
	user := e.Mailbox
	if user == "" {
		user = field(f, "UserId", "userid")
	}
	client := field(f, "ClientInfoString", "clientinfostring")
	if client == "" {
		client = field(f, "UserAgent", "useragent")
	}
	ip := str(f[m365.KeyClientAddr])
	lop := strings.ToLower(op)
	judged := m365Ops[lop]
	if !judged && op == "" {
		judged = hasAny(f, "RuleIdentity", "MailboxOwnerId", "DeliverToMailboxAndForward", "ForwardingSmtpAddress", "StopProcessingRules")
	}
	src := d.hist.observe(user, ip, client, e.Time, d.opt.MinHistory)
	if !judged {
		return nil
	}
	r := m365Record(f)
	if failed(r.ResultStatus()) {
		return nil
	}
	actor := &alert.Actor{User: r.UserID(), IP: r.ClientIP(), UserAgent: client}
	var fs []finding
	switch {
	case r.Kind == m365.KindInboxRule || strings.HasSuffix(lop, "-inboxrule") || lop == "updateinboxrules":
		fs = d.inboxRule(r, src)
	case r.Kind == m365.KindMailbox || lop == "set-mailbox":
		fs = d.mailboxForwarding(r, src)
	case lop == "new-transportrule" || lop == "set-transportrule":
		fs = d.transportRule(r, src)
	case lop == "add-mailboxpermission" || lop == "add-recipientpermission":
		fs = d.mailboxPermission(r, lop, src)
	case lop == "add-mailboxfolderpermission" || lop == "set-mailboxfolderpermission":
		fs = d.folderPermissionCmdlet(r, src)
	case lop == "modifyfolderpermissions" || lop == "addfolderpermissions":
		fs = d.folderPermissionAudit(r, src)
	}
	for i := range fs {
		if fs[i].actor == nil {
			fs[i].actor = actor
		}
		if fs[i].evidence == nil {
			fs[i].evidence = map[string]any{}
		}
		if op != "" {
			fs[i].evidence["operation"] = op
		}
		d.decoyMessage(&fs[i], r.Str("Item.InternetMessageId"), r.Str("InternetMessageId"))
	}
	return fs
}

// m365Record returns the typed view of a record. UAL and cmdlet-log
// records are recognised by their Operation / Cmdlet key without indexing
// the record's keys (m365.View does that, and classifies exports).
func m365Record(f map[string]any) *m365.Record {
	if _, ok := f["Operation"]; ok {
		return &m365.Record{Kind: m365.KindUAL, Fields: f}
	}
	if _, ok := f[m365.KeyCmdlet]; ok {
		return &m365.Record{Kind: m365.KindCmdletLog, Fields: f}
	}
	return m365.View(f)
}

func hasAny(f map[string]any, keys ...string) bool {
	for _, k := range keys {
		if _, ok := f[k]; ok {
			return true
		}
		if _, ok := f[strings.ToLower(k)]; ok {
			return true
		}
	}
	return false
}

// failed says whether a result status says the change did not happen.
func failed(status string) bool {
	switch strings.ToLower(status) {
	case "false", "failed", "failure":
		return true
	}
	return false
}

// ownDomains are the record's own domains: the acting user's, the
// mailbox's and the tenant's.
func ownDomains(r *m365.Record, more ...string) []string {
	return append([]string{r.UserID(), r.Str("MailboxOwnerUPN"), r.Str("OrganizationName"), r.Param("Identity")}, more...)
}

// conditionKeys are the parts of a rule's parameters (New-InboxRule
// parameters, export columns, UpdateInboxRules properties) that hold its
// conditions.
func isConditionKey(k string) bool {
	lk := strings.ToLower(k)
	return strings.HasSuffix(lk, "words") || strings.HasSuffix(lk, "patterns") || strings.Contains(lk, "condition") ||
		lk == "description" || lk == "from" || lk == "sentto" || lk == "fromaddresscontainswords"
}

// inboxRule judges New-/Set-/Enable-InboxRule, UpdateInboxRules and
// Get-InboxRule export rows.
func (d *Detector) inboxRule(r *m365.Record, unusual unusualSource) []finding {
	rule, ok := r.InboxRule()
	if !ok {
		return nil
	}
	if strings.EqualFold(rule.RuleOperation, "RemoveMailboxRule") {
		return nil
	}
	rf := &ruleFacts{source: rule.Source, name: rule.Name, mailbox: rule.Mailbox, unusual: unusual, forwardR: RuleExternalForward}
	if rf.mailbox == "" {
		rf.mailbox = r.UserID()
	}
	for _, a := range rule.Actions {
		switch a.Type {
		case "ForwardTo", "RedirectTo", "ForwardAsAttachmentTo":
			for _, ad := range a.Recipients {
				if isEmptyValue(ad.Raw) {
					continue
				}
				rf.forwards = append(rf.forwards, dest{how: a.Type, addr: ad.Addr, raw: ad.Raw})
			}
		case "DeleteMessage", "SoftDeleteMessage":
			if v := rule.Params[a.Type]; v == "" || !isEmptyValue(v) {
				rf.deletes = a.Type
			}
		case "MoveToFolder":
			if !isEmptyValue(a.Folder) {
				rf.moves = append(rf.moves, a.Folder)
			}
		case "MarkAsRead":
			rf.markRead = !isEmptyValue(rule.Params[a.Type]) || rule.Params[a.Type] == ""
		case "StopProcessingRules":
			rf.stop = !isEmptyValue(rule.Params[a.Type]) || rule.Params[a.Type] == ""
		}
	}
	for k, v := range rule.Params {
		if isConditionKey(k) && !isEmptyValue(v) {
			rf.conds = append(rf.conds, k+": "+v)
		}
	}
	slices.Sort(rf.conds)
	if v, ok := rule.Params["Enabled"]; ok && strings.EqualFold(v, "false") {
		rf.disabled = true
	}
	return d.judgeRule(rf, newJudge(d.domains, ownDomains(r, rule.Mailbox)...))
}

// mailboxForwarding judges Set-Mailbox forwarding parameters and
// Get-Mailbox export rows: ForwardingSmtpAddress / ForwardingAddress
// set to an outside address. Clearing them is not a finding.
func (d *Detector) mailboxForwarding(r *m365.Record, unusual unusualSource) []finding {
	target := r.Param("Identity")
	if r.Kind == m365.KindMailbox {
		target = r.UserID()
	}
	get := func(name string) (string, bool) {
		if r.Kind == m365.KindMailbox {
			v, ok := r.Lookup(name)
			return str(v), ok
		}
		for k, v := range r.Parameters() {
			if strings.EqualFold(k, name) {
				return str(v), true
			}
		}
		return "", false
	}
	var dests []dest
	for _, p := range []string{"ForwardingSmtpAddress", "ForwardingAddress"} {
		v, ok := get(p)
		if !ok || isEmptyValue(v) {
			continue
		}
		for _, a := range m365.ParseAddressList(v) {
			dests = append(dests, dest{how: p, addr: a.Addr, raw: a.Raw})
		}
	}
	if len(dests) == 0 {
		return nil
	}
	j := newJudge(d.domains, ownDomains(r, target)...)
	var ext, in, unres []string
	for _, ds := range dests {
		switch j.where(ds.addr) {
		case external:
			ext = appendNew(ext, ds.addr)
		case internal:
			in = appendNew(in, ds.addr)
		default:
			unres = appendNew(unres, cmp.Or(ds.addr, ds.raw))
		}
	}
	if len(ext) == 0 && len(unres) == 0 {
		return nil
	}
	f := finding{rule: RuleMailboxForwarding, level: alert.High, mailbox: target}
	if len(ext) > 0 {
		f.summary = "Mailbox " + orMailbox(target) + " forwards all its mail to " + strings.Join(ext, ", ") + " outside the organisation"
		f.reason("all mail of the mailbox is forwarded to %s: %s", strings.Join(ext, ", "), j.basis())
	} else {
		f.level = alert.Low
		f.summary = "Mailbox " + orMailbox(target) + " forwards all its mail to " + strings.Join(unres, ", ")
		f.reason("all mail of the mailbox is forwarded to %s: %s", strings.Join(unres, ", "), unresolvedWhy(j, unres))
	}
	if v, ok := get("DeliverToMailboxAndForward"); ok && strings.EqualFold(v, "false") {
		f.reason("no copy is kept in the mailbox (DeliverToMailboxAndForward False)")
	}
	if r.Kind != m365.KindMailbox && r.UserID() != "" && !strings.EqualFold(r.UserID(), target) {
		f.reason("set by %s on another user's mailbox", r.UserID())
	}
	for _, u := range unusual.reasons() {
		f.reason("the change was %s", u)
	}
	if len(ext) == 0 {
		f.raise(min(unusual.count(), 1), alert.Medium)
	}
	f.evidence = map[string]any{"recipients.external": ext, "recipients.unresolved": unres, "target_mailbox": target}
	if len(in) > 0 {
		f.evidence["recipients.internal"] = in
	}
	d.markDecoy(&f, alert.High, target)
	return []finding{f}
}

// transportRule judges New-/Set-TransportRule actions that copy or
// redirect mail: BlindCopyTo, RedirectMessageTo, AddToRecipients, CopyTo.
func (d *Detector) transportRule(r *m365.Record, unusual unusualSource) []finding {
	var ext, in, unres, actions []string
	j := newJudge(d.domains, ownDomains(r)...)
	params := r.Parameters()
	for _, p := range []string{"BlindCopyTo", "RedirectMessageTo", "AddToRecipients", "CopyTo"} {
		var v string
		for k, x := range params {
			if strings.EqualFold(k, p) {
				v = str(x)
				if l := strList(x); len(l) > 1 {
					v = strings.Join(l, ";")
				}
			}
		}
		if isEmptyValue(v) {
			continue
		}
		actions = append(actions, p)
		for _, a := range m365.ParseAddressList(v) {
			switch j.where(a.Addr) {
			case external:
				ext = appendNew(ext, a.Addr)
			case internal:
				in = appendNew(in, a.Addr)
			default:
				unres = appendNew(unres, cmp.Or(a.Addr, a.Raw))
			}
		}
	}
	if len(ext) == 0 && len(unres) == 0 {
		return nil
	}
	name := r.Param("Name")
	if name == "" {
		name = r.Param("Identity")
	}
	f := finding{rule: RuleTransportCopy, level: alert.High}
	if len(ext) > 0 {
		f.summary = "Transport rule " + quoteName(name) + " sends copies of the organisation's mail to " + strings.Join(ext, ", ")
		f.reason("%s names %s: %s", strings.Join(actions, ", "), strings.Join(ext, ", "), j.basis())
	} else {
		f.level = alert.Low
		f.summary = "Transport rule " + quoteName(name) + " sends copies of mail to " + strings.Join(unres, ", ")
		f.reason("%s names %s: %s", strings.Join(actions, ", "), strings.Join(unres, ", "), unresolvedWhy(j, unres))
	}
	var conds []string
	for k, v := range params {
		lk := strings.ToLower(k)
		if strings.HasPrefix(lk, "from") || strings.HasPrefix(lk, "sentto") || strings.Contains(lk, "contains") || strings.Contains(lk, "matches") || strings.HasSuffix(lk, "scope") {
			conds = append(conds, k+": "+str(v))
		}
	}
	slices.Sort(conds)
	if len(conds) == 0 {
		f.reason("the rule has no conditions: it applies to all mail passing through the organisation")
	}
	if kw := matchKeywords(strings.Join(conds, "\n")); len(kw) > 0 {
		f.reason("its conditions look for %s (payment or credential words)", quoteList(kw))
	}
	for _, u := range unusual.reasons() {
		f.reason("the change was %s", u)
	}
	f.evidence = map[string]any{"rule.name": name, "recipients.external": ext, "recipients.unresolved": unres, "actions": actions}
	if len(conds) > 0 {
		f.evidence["conditions"] = conds
	}
	return []finding{f}
}
