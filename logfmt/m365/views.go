package m365

import (
	"strconv"
	"strings"

	"github.com/mailtrip/mailtrip/logfmt"
)

// MailAccess is what a MailItemsAccessed record says (Exchange mailbox
// auditing: https://learn.microsoft.com/purview/audit-log-investigate-accounts).
type MailAccess struct {
	// AccessType is "Bind" (individual items, each listed) or "Sync" (a
	// whole folder synchronised by a desktop/IMAP/EWS client; items are
	// not listed).
	AccessType     string
	Throttled      bool // IsThrottled: more than 1000 records in 24 h, some were not logged
	OperationCount int  // items the record stands for (aggregated records)
	ClientInfo     string
	AppID          string
	Folders        []Folder
}

// Folder is one entry of Folders[].
type Folder struct {
	ID, Path string
	Items    []FolderItem
}

// FolderItem is one entry of Folders[].FolderItems[].
type FolderItem struct {
	InternetMessageID string
	SizeInBytes       int64
}

// MessageIDs returns the InternetMessageIds of every folder item.
func (m MailAccess) MessageIDs() []string {
	var ids []string
	for _, f := range m.Folders {
		for _, it := range f.Items {
			if it.InternetMessageID != "" {
				ids = append(ids, it.InternetMessageID)
			}
		}
	}
	return ids
}

// MailAccess returns the MailItemsAccessed view of the record; ok is
// false for other operations. MailAccessType and IsThrottled are read
// from OperationProperties (the current shape) or from top-level fields
// (older records and some SIEM copies).
func (r *Record) MailAccess() (MailAccess, bool) {
	if !strings.EqualFold(r.Operation(), "MailItemsAccessed") {
		return MailAccess{}, false
	}
	m := MailAccess{
		AccessType: r.first("OperationProperties_flat.MailAccessType", "MailAccessType"),
		ClientInfo: r.Str("ClientInfoString"),
		AppID:      r.first("AppId", "ClientAppId"),
	}
	m.Throttled = strings.EqualFold(r.first("OperationProperties_flat.IsThrottled", "IsThrottled"), "true")
	m.OperationCount, _ = strconv.Atoi(r.Str("OperationCount"))
	folders, _ := logfmt.Lookup(r.Fields, "Folders")
	fl, _ := folders.([]any)
	for _, f := range fl {
		fm, ok := f.(map[string]any)
		if !ok {
			continue
		}
		folder := Folder{ID: logfmt.Str(fm, "Id"), Path: logfmt.Str(fm, "Path")}
		items, _ := logfmt.Lookup(fm, "FolderItems")
		il, _ := items.([]any)
		for _, it := range il {
			im, ok := it.(map[string]any)
			if !ok {
				continue
			}
			size, _ := strconv.ParseInt(logfmt.Str(im, "SizeInBytes"), 10, 64)
			folder.Items = append(folder.Items, FolderItem{InternetMessageID: logfmt.Str(im, "InternetMessageId"), SizeInBytes: size})
		}
		m.Folders = append(m.Folders, folder)
	}
	return m, true
}

// InboxRule is an inbox rule as created, changed or exported.
type InboxRule struct {
	// Source: the operation ("New-InboxRule", "Set-InboxRule",
	// "UpdateInboxRules") or "export" for a Get-InboxRule row.
	Source  string
	Name    string
	Mailbox string
	// RuleOperation is UpdateInboxRules' RuleOperation
	// ("AddMailboxRule", "ModifyMailboxRule", "RemoveMailboxRule").
	RuleOperation string
	Actions       []RuleAction
	// Params are all the rule's parameters (flattened Parameters, or
	// OperationProperties, or the export's columns) as strings.
	Params map[string]string
}

// RuleAction is one thing a rule does.
type RuleAction struct {
	// Type is the parameter name (ForwardTo, RedirectTo,
	// ForwardAsAttachmentTo, DeleteMessage, SoftDeleteMessage,
	// MoveToFolder, CopyToFolder, MarkAsRead, StopProcessingRules) or, for
	// UpdateInboxRules, the ActionType of RuleActions.
	Type       string
	Recipients []Address
	Folder     string
}

// ruleParams are the New-InboxRule parameters that are actions.
var ruleParams = []string{
	"ForwardTo", "RedirectTo", "ForwardAsAttachmentTo", "DeleteMessage", "SoftDeleteMessage",
	"MoveToFolder", "CopyToFolder", "MarkAsRead", "MarkImportance", "StopProcessingRules", "SendTextMessageNotificationTo",
}

// InboxRule returns the rule view of New-InboxRule, Set-InboxRule,
// Enable-InboxRule, UpdateInboxRules records and Get-InboxRule export
// rows; ok is false for other records. UpdateInboxRules comes in two
// shapes: OperationProperties (RuleName, RuleActions as JSON text,
// RuleCondition, RuleOperation), written for rules made in Outlook, and
// Parameters like New-InboxRule's; both are read.
func (r *Record) InboxRule() (InboxRule, bool) {
	op := r.Operation()
	rule := InboxRule{Source: op, Params: map[string]string{}}
	switch {
	case r.Kind == KindInboxRule:
		rule.Source = "export"
		for k, v := range r.Fields {
			if s := logfmt.String(v); s != "" {
				rule.Params[k] = s
			}
		}
		rule.Mailbox = r.first("MailboxOwnerId", "Mailbox")
	case strings.HasSuffix(strings.ToLower(op), "-inboxrule") || strings.EqualFold(op, "UpdateInboxRules"):
		for _, src := range []string{"Parameters", "OperationProperties"} {
			v, _ := r.Lookup(src + FlatSuffix)
			m, _ := v.(map[string]any)
			for k, v := range m {
				rule.Params[k] = logfmt.String(v)
			}
		}
		rule.Mailbox = r.first("Parameters_flat.Mailbox", "MailboxOwnerUPN", "ObjectId", "UserId")
	default:
		return InboxRule{}, false
	}
	p := func(names ...string) string {
		for _, n := range names {
			for k, v := range rule.Params {
				if strings.EqualFold(k, n) && v != "" {
					return v
				}
			}
		}
		return ""
	}
	rule.Name = p("Name", "RuleName", "Identity")
	rule.RuleOperation = p("RuleOperation")
	for _, name := range ruleParams {
		v := p(name)
		if v == "" || strings.EqualFold(v, "false") {
			continue
		}
		a := RuleAction{Type: name}
		switch name {
		case "ForwardTo", "RedirectTo", "ForwardAsAttachmentTo", "SendTextMessageNotificationTo":
			a.Recipients = ParseAddressList(v)
		case "MoveToFolder", "CopyToFolder":
			a.Folder = v
		}
		rule.Actions = append(rule.Actions, a)
	}
	if ra := p("RuleActions"); ra != "" {
		rule.Actions = append(rule.Actions, parseRuleActions(ra)...)
	}
	return rule, true
}

// parseRuleActions reads UpdateInboxRules' RuleActions, JSON text listing
// actions with an ActionType. Its layout is not documented; this walks
// the JSON and takes, for every object with an ActionType, the addresses
// and folder names found below it. Text that is not JSON gives one
// action typed by the text.
func parseRuleActions(s string) []RuleAction {
	v, err := decodeLoose(s)
	if err != nil {
		return []RuleAction{{Type: strings.TrimSpace(s)}}
	}
	var out []RuleAction
	var walk func(v any)
	walk = func(v any) {
		switch x := v.(type) {
		case map[string]any:
			if t := logfmt.Str(x, "ActionType"); t != "" {
				a := RuleAction{Type: ruleActionParam(t)}
				collect(x, &a, "")
				out = append(out, a)
				return
			}
			for _, e := range x {
				walk(e)
			}
		case []any:
			for _, e := range x {
				walk(e)
			}
		}
	}
	walk(v)
	return out
}

// ruleActionParam maps an ActionType to the New-InboxRule parameter name
// when there is one, so that both shapes read the same.
func ruleActionParam(t string) string {
	switch strings.ToLower(t) {
	case "forward", "forwardto":
		return "ForwardTo"
	case "redirect", "redirectto":
		return "RedirectTo"
	case "forwardasattachment", "forwardasattachmentto":
		return "ForwardAsAttachmentTo"
	case "delete", "deletemessage", "permanentdelete":
		return "DeleteMessage"
	case "movetofolder", "move":
		return "MoveToFolder"
	case "copytofolder", "copy":
		return "CopyToFolder"
	case "markasread":
		return "MarkAsRead"
	}
	return t
}

func collect(v any, a *RuleAction, key string) {
	switch x := v.(type) {
	case map[string]any:
		for k, e := range x {
			collect(e, a, k)
		}
	case []any:
		for _, e := range x {
			collect(e, a, key)
		}
	case string:
		lk := strings.ToLower(key)
		switch {
		case strings.Contains(lk, "folder") && a.Folder == "":
			a.Folder = x
		default:
			for _, ad := range ParseAddressList(x) {
				if ad.Addr != "" {
					a.Recipients = append(a.Recipients, ad)
				}
			}
		}
	}
}
