package decoy

import "math/rand/v2"

// theme is one kind of decoy: what it is about and the pools its text is
// drawn from. Every field is a list of templates (see expand.go).
type theme struct {
	name     string
	from, to []string // departments of sender and recipient, in preference order
	subjects []string // conversation subject (without RE:/FW:)
	opens    []string // body of the first message of a conversation
	replies  []string // body of a later message
	details  []string // the enticing specifics (amounts, accounts, codes)
	files    []string // file names of attachments and shared documents
	// pools holds theme nouns the shared link/host/credential sentences
	// use: "doc" (a document), "anchor" (link text), "portal" (a system).
	pools map[string][]string
}

// Shared breadcrumb sentences; theme nouns come from the theme's pools.
var crumbPools = map[string][]string{
	"linkline": {
		"{The|Their|My} {doc} is {here|uploaded here|on the portal|in the usual place}: {link}",
		"{I've|I have} {saved|uploaded|put} {the|a} {copy|scan|PDF|latest version} {to|in} {SharePoint|the shared folder|the team drive|OneDrive|the {sdept} site}: {link}",
		"{Link|Direct link|Here's the link}{:| -} {link}",
		"{Please|Pls|Can you} {review|check|sign off on|look at} the {doc} {here|via this link|at} {link}{ {soon}|}",
		"{You can|You'll be able to} {open|access|download} the {doc} {from|at|using} {link}{ (needs VPN)| - SSO should work| once you're signed in|}",
		"{Access|Open|View} {it|the {doc}} {here|via the portal}{:| -} {link}",
		"{Attached|Shared} {via|through} {the portal|a secure link|OneDrive} {because|since} {it's too big|the mail gateway strips it|of the file size}: {link}",
	},
	"linkmore": {
		"{Also|Plus|And} the {doc}{:| -} {link}",
		"{Backup|Alternate|Mirror} link{ if the first one fails| in case SSO acts up|}: {link}",
		"{Second|Other|Related} {file|document|sheet}: {link}",
		"{link} {(older version)|(previous draft)|- supporting docs|for the appendix}",
	},
	"hostline": {
		"{The|Our} {portal} {is|now lives at|moved to|sits on} {host}{ - VPN only| (internal only)|, use the VPN| on the corporate network|}{.|}",
		"{Connect|Log in|Sign in} {to|on|via} {host} {to get to the {portal}|for the {portal}|from the office network|over the VPN}{.|}",
		"{If|When} {SSO|the normal link|the old address} {fails|doesn't work|is down}, {use|try|go straight to} {host}{ directly| instead|}{.|}",
		"{Server|Host|Address|Hostname}{:|=} {host}{ ({portal})|}",
		"{The|A} {backup|secondary|failover|new} {portal} {is up|was set up|is live} {on|at} {host}{ since {day}| as of this week|}{.|}",
	},
	"credboth": {
		"{Temporary|Temp|Interim|Shared} {login|access|credentials} for {service}{:| -}\n{User|Username|Login|User ID}: {user}\n{Password|Pass|PW|Pwd}: {pass}",
		"{Use|You can use|Please use} {my|the shared|the team|the service} {login|account} {on|for} {service} {until your access is set up|while {cfirst} is out|for today|for now}: {user} / {pass}",
		"{service} {login|access|account}{:| is} {user}{ and the password is | / |, pw: }{pass}{ - {please |}change it after| - don't share it| (rotates {day})|}",
		"{Creds|Credentials|Login details} {for|to} {service}{ as requested|, as discussed|}{:| -} {user} {/|and} {pass}",
		"{I've|We've|IT has} {set up|created|reset} {an account|a login|your access} on {service}{.|:} {Username|User|Login}: {user}{,|;| -} {temporary |initial |one-time |}{password|passcode}: {pass}",
	},
	"credpass": {
		"{The|Your} {temporary|one-time|interim|new} {password|passcode} {for {service}|for the {portal}} is {pass}{.|}",
		"{Password|Passcode|PW} {for {service}|to get in}{:| -} {pass}",
	},
	"creduser": {
		"{Your|The} {user name|username|login} {for {service}|on the {portal}} is {user}{.|}",
		"{Log in|Sign in} {to {service}|there} {as|with} {user}{ using SSO| with your usual password|}{.|}",
	},
}

// themes in the order Themes lists them.
var themes = []*theme{
	themePayments, themeInvoices, themeCredentials, themeCrypto, themePayroll,
	themeMergers, themeLegal, themeHR, themeITAdmin,
}

// Themes returns the names of the themes Generate accepts.
func Themes() []string {
	out := make([]string, len(themes))
	for i, t := range themes {
		out[i] = t.name
	}
	return out
}

func themeByName(name string) *theme {
	for _, t := range themes {
		if t.name == name {
			return t
		}
	}
	return nil
}

// ThemeFor returns the theme Generate picks for seed when Options.Theme is
// empty, so a caller can prepare theme-specific breadcrumbs (DocNames)
// before generating.
func ThemeFor(seed int64) string {
	r := rand.New(rand.NewPCG(uint64(seed), 0x6d61696c74726970))
	return themes[r.IntN(len(themes))].name
}

// docNames are file names of documents an intruder would open, by theme,
// for the links a decoy carries. None holds a run of 16 letters, which a
// token search would take for a sub-id.
var docNames = map[string][]string{
	"payments":    {"wire-instructions.pdf", "vendor-bank-details.pdf", "remittance-advice.pdf", "payment-run-approval.xlsx", "bank-change-form.pdf"},
	"invoices":    {"invoice-INV-20931.pdf", "statement-of-account.pdf", "overdue-invoices.xlsx", "credit-note-CN-4471.pdf"},
	"credentials": {"VPN-setup-guide.pdf", "mfa-backup-codes.txt", "passwords-backup.xlsx", "remote-access.pdf"},
	"crypto":      {"wallet-recovery.pdf", "cold-storage-procedure.docx", "exchange-accounts.xlsx", "seed-backup.txt"},
	"payroll":     {"Q3-payroll.pdf", "salary-review-2025.xlsx", "bonus-allocation.xlsx", "payroll-bank-file.csv"},
	"mergers":     {"merger-term-sheet.pdf", "board-minutes-draft.docx", "data-room-index.xlsx", "valuation-model.xlsx"},
	"legal":       {"litigation-hold-notice.pdf", "settlement-draft.docx", "privileged-memo.pdf", "subpoena-response.pdf"},
	"hr":          {"employee-ssn-export.csv", "restructuring-plan.pptx", "compensation-bands.xlsx", "termination-list.xlsx"},
	"itadmin":     {"admin-accounts.xlsx", "break-glass-procedure.pdf", "domain-admins.kdbx", "firewall-config.txt"},
}

// DocNames returns file names fitting theme for links to decoy documents
// (nil for an unknown theme).
func DocNames(theme string) []string { return docNames[theme] }
