package decoy

var themeCredentials = &theme{
	name: "credentials",
	from: []string{"IT", "Security"},
	to:   []string{"Finance", "Executive Office", "Legal", "Treasury", "Human Resources", "Sales", "Operations"},
	subjects: []string{
		"{VPN|Remote access|GlobalProtect|AnyConnect} {access|profile|setup|credentials} {for|-} {rname|your new laptop|{day}}",
		"{MFA|2FA|Authenticator} {backup|recovery} codes{ - keep safe| ({ticket})|}",
		"{Your|Temporary|New} {password|access|login} {for|to} {servicename}{ ({ticket})| - expires {day}|}",
		"{RE: |}{ticket}{ -|:} {locked out|cannot log in|token not working|new phone MFA}",
		"{Travel|Remote|Break-glass} {access|login} {while|for when} {you're|you are} {abroad|travelling|off-site}",
	},
	opens: []string{
		"{As requested|Per your ticket|Following your call}{ ({ticket})|}, {I've|I have|we have} {set up|reset|re-issued} {your|the} {VPN|remote access|MFA} {profile|access|enrolment}{ for your trip| while your phone is replaced|}. {Details|Everything you need} {below|are below}{ - please delete this email after setup|}.",
		"{Since|Because} {you're|you will be} {travelling|abroad|without your phone} {next week|until {date}|from {day}}, {here are|below are|I generated} {ten|10|a set of} {backup|one-time|recovery} codes for {MFA|your authenticator|Duo}. {Each|Every} code {works once|can be used once}.",
		"{Your|The} {account|login|password} {was|has been} {locked|disabled|reset} {after|following} {too many failed attempts|a suspicious sign-in|the password expiry}{ on {day}|}. {I've|We've} {issued|set} a {temporary|one-time} {password|credential} {below|for you}.",
		"{New|Updated} {VPN|remote access} {gateway|endpoint} {goes live|is live|replaces the old one} {on {date}|from {day}|this weekend}{.|;} {please|you'll need to} {update|re-import} {your|the} {client|profile} {before|by} {Monday|{day}}.",
	},
	replies: []string{
		"{Thanks|Thank you}{ -|!} {It|That} {worked|works now|did the trick}{. I'm in| - connected from the hotel|}. {Do I|Should I} {change|keep} the {password|codes} {or|-} {is it|are they} {permanent|good until I'm back}?",
		"{Still|Again} {not working|getting an error|locked out}{ - |. }{it says|the client says|I get} {authentication failed|certificate error|invalid token} {when|after} {I enter|I type} the {code|password}.",
		"{Please|Pls} {change|rotate} {it|the password} {at|on} {first login|your next sign-in}{ and don't forward this| - this mailbox is archived|}.",
		"{Closing|Resolving|Marking} {ticket|the ticket} {ticket} {as resolved|now}{ - reopen if needed|. Shout if anything breaks|}.",
	},
	details: []string{
		"{Backup|Recovery|One-time} codes:\n{codes}",
		"{VPN|Gateway|Portal}: {vpnhost}\n{Group|Profile|Realm}: {Staff-Remote|Finance-VPN|Exec-Travel|Default}\n{Split tunnel|Client}: {off|on|AnyConnect 5|GlobalProtect 6}",
		"{PIN|Token PIN|Enrolment code}: {pin}{ (valid {days} days)|}",
	},
	files: []string{"{VPN_Setup|MFA_Backup_Codes|Remote_Access_Guide|Travel_Access|Enrolment}_{filedate}.{pdf|txt|docx}"},
	pools: map[string][]string{
		"doc":    {"{setup|enrolment} guide", "{VPN|client} profile", "{remote access|travel} {runbook|instructions}", "{MFA|token} {enrolment|reset} form"},
		"anchor": {"VPN setup guide", "Download VPN profile", "MFA enrolment", "{file}", "Self-service portal", "Reset your password"},
		"portal": {"VPN gateway", "remote access portal", "SSO portal", "MFA self-service"},
	},
}

var themeITAdmin = &theme{
	name: "itadmin",
	from: []string{"IT", "Security"},
	to:   []string{"IT", "Security"},
	subjects: []string{
		"{Break-glass|Emergency|Domain admin|Global admin} {account|credentials|access} {- |}{{servicename}|rotation|{date}}",
		"{Admin|Service|Root} {password|account} {rotation|handover|reset}{ - {servicename}| ({ticket})|}",
		"{Handover|Onboarding|Cover} {notes|doc} {- |}{infra|on-call|{servicename}} {while|for when} {I'm|I am} {out|on leave|away}",
		"{Change|CHG|Maintenance} {chg} {- |}{servicename}{ tonight| {day}|}",
		"{Service account|SQL sa|Backup admin|Firewall admin} {password|creds} {for|-} {servicename}",
	},
	opens: []string{
		"{I'm|I am} {on leave|out|offline} {from {day}|until {date}|next week}{, so|.} {here are|below are} {the|my} {handover notes|admin details|emergency accounts} {for|covering} {servicename} {and|plus} {the|our} {backup|break-glass} access. {keep}.",
		"{Rotated|Reset|Changed} {the|our} {break-glass|domain admin|global admin|root} {password|account} {per|as part of} {the quarterly rotation|the audit finding|{chg}}{. New|; new} {details|credentials} {below|are below}{ - update the vault when you can|}.",
		"{For|Ahead of} {tonight's|{day}'s|the weekend} {change|maintenance|patching} ({chg}), {use|you'll need} {the|this} {service|admin} account {on|for} {servicename}{ - the normal SSO admin role won't work during the window|}.",
		"{The|Our} {password vault|PAM|secrets manager} {is|was} {down|being migrated|read-only} {today|until {day}}{, so|.} {I'm|I am} {emailing|sending} {the|this} {account|password} {directly|over email|here} {just this once|as a stopgap|for the change}.",
	},
	replies: []string{
		"{Got it|Thanks|Received}{ -|.} {Logged|Tested} {in|the account} {on|against} {servicename} {fine|OK|without issues}{. Will|; I'll} {rotate|change} {it|the password} {after|once} {the change|the window|{day}}.",
		"{Should|Shouldn't} {we|this} {really|} be {emailing|sending} {these|admin passwords} {around|in clear}? {Once|When} {the vault|PAM|CyberArk} {is back|is up}, {let's|we should} {rotate|change} {everything|all of them}.",
		"{Change|Maintenance|Patching} {chg} {complete|done|rolled back}{ - {count} servers patched| - no issues|}. {Admin|Service} {account|password} {still|} {valid|active} {until|till} {the next rotation|{date}}.",
		"{Who|Which team} {else|} {has|knows} {the|this} {break-glass|emergency} {login|password}? {Audit|{cfirst}} {wants|asked for} {a list|the list} {by|before} {date}.",
	},
	details: []string{
		"{Account|User|Login}: {adminuser}\n{Scope|Role|Rights}: {Domain Admins|Global Administrator|root|Enterprise Admin|sysadmin}\n{Systems|Hosts}: {servicename}{, {count} servers|}",
		"{Vault|PAM} {entry|path|folder}: {vaultpath}\n{Next rotation|Expires}: {date}",
		"{iLO|iDRAC|Console|IPMI} {for|on} {srv}: {adminuser}{ / see below|}",
	},
	files: []string{"{Handover|Admin_Accounts|Runbook|Breakglass|Infra_Access}_{filedate}.{docx|xlsx|txt|kdbx}"},
	pools: map[string][]string{
		"doc":    {"{handover|runbook} {doc|page}", "{admin|service} account list", "{change|maintenance} plan", "{network|server} diagram"},
		"anchor": {"Handover notes", "Runbook", "{chg} change plan", "{file}", "Admin account list", "Network diagram"},
		"portal": {"admin console", "jump host", "vCenter", "management network", "bastion"},
	},
}
