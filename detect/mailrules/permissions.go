package mailrules

import (
	"cmp"
	"fmt"
	"strings"

	"github.com/mailtrip/mailtrip/alert"
	"github.com/mailtrip/mailtrip/logfmt/m365"
)

// mailboxRights are the Add-MailboxPermission / Add-RecipientPermission
// rights and the level a grant of each starts at
// (https://learn.microsoft.com/powershell/module/exchange/add-mailboxpermission).
var mailboxRights = map[string]alert.Level{
	"fullaccess":       alert.Medium, // read everything in the mailbox
	"sendas":           alert.Medium, // send mail as the mailbox
	"changepermission": alert.Medium, // grant themselves more
	"changeowner":      alert.Medium,
	"deleteitem":       alert.Low,
	"readpermission":   alert.Low,
	"externalaccount":  alert.Low,
}

// mailboxPermission judges Add-MailboxPermission and
// Add-RecipientPermission.
func (d *Detector) mailboxPermission(r *m365.Record, lop string, unusual unusualSource) []finding {
	target := r.Param("Identity")
	grantee := r.Param("User")
	if lop == "add-recipientpermission" {
		grantee = r.Param("Trustee")
	}
	rights := r.Param("AccessRights")
	if rights == "" {
		return nil
	}
	f := finding{rule: RuleMailboxPermission, level: alert.Informational, mailbox: target}
	var granted []string
	for _, x := range strings.FieldsFunc(rights, func(r rune) bool { return r == ',' || r == ';' || r == ' ' }) {
		if l, ok := mailboxRights[strings.ToLower(x)]; ok {
			granted = append(granted, x)
			if l > f.level {
				f.level = l
			}
		}
	}
	if len(granted) == 0 {
		return nil
	}
	f.summary = fmt.Sprintf("%s was granted %s on mailbox %s", orName(grantee), strings.Join(granted, ", "), orMailbox(target))
	f.reason("%s grants %s on %s to %s", r.Operation(), strings.Join(granted, ", "), orMailbox(target), orName(grantee))
	for _, g := range granted {
		switch strings.ToLower(g) {
		case "fullaccess":
			f.reason("FullAccess lets the grantee open and read every folder of the mailbox")
		case "sendas":
			f.reason("SendAs lets the grantee send mail that appears to come from the mailbox")
		}
	}
	n := 0
	if isWide(grantee) {
		f.reason("the grantee %q stands for everyone", grantee)
		n++
	}
	j := newJudge(d.domains, ownDomains(r, target)...)
	if j.where(grantee) == external {
		f.reason("the grantee %s is outside the organisation: %s", grantee, j.basis())
		n++
	}
	if strings.EqualFold(r.Param("AutoMapping"), "false") {
		f.reason("AutoMapping is off, so the mailbox does not appear in the grantee's Outlook and the access is less visible")
		n++
	}
	for _, u := range unusual.reasons() {
		f.reason("the change was %s", u)
		n++
	}
	f.raise(min(n, 1), alert.High)
	f.evidence = map[string]any{"target_mailbox": target, "grantee": grantee, "access_rights": rights}
	d.markDecoy(&f, alert.High, target)
	return []finding{f}
}

func orName(s string) string {
	if s == "" {
		return "someone"
	}
	return s
}

// folderPermissionCmdlet judges Add-/Set-MailboxFolderPermission
// (Identity "mailbox:\Folder", User, AccessRights).
func (d *Detector) folderPermissionCmdlet(r *m365.Record, unusual unusualSource) []finding {
	id := r.Param("Identity")
	mailbox, folder, ok := strings.Cut(id, ":")
	if !ok {
		mailbox, folder = id, ""
	}
	folder = strings.TrimLeft(folder, `\/`)
	return d.folderGrant(r, mailbox, folder, r.Param("User"), "", r.Param("AccessRights"), unusual)
}

// folderPermissionAudit judges the mailbox audit records
// ModifyFolderPermissions and AddFolderPermissions, whose
// Item.ParentFolder names the folder, the member and its rights
// (MemberRights: "ReadAny, Create, ...", or "FreeBusySimple").
func (d *Detector) folderPermissionAudit(r *m365.Record, unusual unusualSource) []finding {
	folder := r.Str("Item.ParentFolder.Name")
	if folder == "" {
		folder = strings.TrimLeft(r.Str("Item.ParentFolder.Path"), `\/`)
	}
	mailbox := r.Str("MailboxOwnerUPN")
	if mailbox == "" {
		mailbox = r.UserID()
	}
	return d.folderGrant(r, mailbox, folder, r.Str("Item.ParentFolder.MemberUpn"), r.Str("Item.ParentFolder.MemberSid"), r.Str("Item.ParentFolder.MemberRights"), unusual)
}

// folderGrant scores one folder permission grant: rights that read items
// given to everyone on a mail folder are high; to an outside address
// medium; to one person low; rights that read no mail (free/busy,
// AvailabilityOnly, LimitedDetails, None) are no finding.
func (d *Detector) folderGrant(r *m365.Record, mailbox, folder, grantee, sid, rights string, unusual unusualSource) []finding {
	reads := readsMail(rights)
	if len(reads) == 0 {
		return nil
	}
	wide := isWide(grantee) || isWide(sid)
	j := newJudge(d.domains, ownDomains(r, mailbox)...)
	ext := j.where(grantee) == external
	calendar := calendarLike[folderKey(folder)]
	f := finding{rule: RuleMailboxPermission, level: alert.Low, mailbox: mailbox, folder: folder}
	f.summary = fmt.Sprintf("%s was granted %s on folder %q of %s", orName(grantee), rights, folder, orMailbox(mailbox))
	f.reason("the rights %s let the grantee read the folder's items", strings.Join(reads, ", "))
	switch {
	case wide && !calendar:
		f.level = alert.High
		f.reason("the grantee %q stands for everyone, so every user (or anyone) can read mail in %q", cmp.Or(grantee, sid), folder)
	case wide:
		f.reason("the grantee %q stands for everyone, but %q is a calendar or contacts folder, which organisations often share", cmp.Or(grantee, sid), folder)
	case ext:
		f.level = alert.Medium
		f.reason("the grantee %s is outside the organisation: %s", grantee, j.basis())
	default:
		f.reason("granted to one user (delegation to an assistant or deputy looks like this)")
	}
	if unusual.count() > 0 && !calendar {
		for _, u := range unusual.reasons() {
			f.reason("the change was %s", u)
		}
		f.raise(1, alert.High)
	}
	f.evidence = map[string]any{"target_mailbox": mailbox, "folder": folder, "grantee": cmp.Or(grantee, sid), "access_rights": rights}
	d.markDecoy(&f, alert.High, mailbox)
	return []finding{f}
}
