package decoy

func init() {
	for k, v := range crumbPools {
		pools[k] = v
	}
}

var themePayments = &theme{
	name: "payments",
	from: []string{"Treasury", "Finance", "Executive Office"},
	to:   []string{"Finance", "Treasury", "Payroll"},
	subjects: []string{
		"{Updated|Change of|New|Revised} {bank details|banking details|remittance details|wire instructions} {for|-} {vendor}",
		"{URGENT|Urgent|Time sensitive|Action required}{:| -} {wire|payment|transfer} {to {vendor}|of {amount}|for {inv}} {today|before cut-off|{day}}",
		"{vendor} {- |}{account change|new account|bank change} {effective {date}|from {month}|confirmation}",
		"{Wire|Payment} {approval|release|instructions} {- |}{amount}{ ({vendor})|}",
		"{Outgoing|Same-day|International} wire {{inv}|{po}|ref {ref}}",
		"{Call-back|Callback} {verification|check} {- |}{{vendor}|bank change {acct4}}",
	},
	opens: []string{
		"{vendor} {sent over|notified us of|emailed} {a change to their|updated|new} {bank details|remittance account|wire instructions} {this morning|yesterday|on {day}}. {Their|The} {new|updated} account {is with|sits at|moved to} {bank2}{ and the old one at {bank} is being closed|, replacing {bank}| (previously {bank})|}.",
		"{please} {release|process|send|approve} {the|a} {wire|payment|transfer} of {amount} to {vendor} {soon}{?|.} {It's|This is} {for|against} {inv}{ and|,} {the {CFO|controller|CEO} {signed off|approved it|is aware}|it's been approved|{cfirst} approved it yesterday}.",
		"{Following|Further to|Per} {our call|the call with {vendor}|my voicemail|the note from their AR team}, {we need to|I need you to|please} {update|change|switch} {the|their} {vendor master|supplier record|payee details} {before|ahead of} {the {day} payment run|this week's run|the next run}.",
		"{As discussed|Per our conversation|Following up}{,|:} {the|this} {acquisition|settlement|escrow|deposit} {payment|funding|transfer} of {amount} {has to|needs to|must} {go out|settle|land} {soon}{, the {counterparty|seller|other side} is {waiting|chasing us|expecting it}|}.",
		"{I'm|I am} {in a board session|travelling|stuck in meetings} {all day|until {day}|this afternoon} and {need|would like} {a favour|your help} {with|on} {a confidential|an urgent|a quick} {payment|transfer} of {amount}{ to {vendor}|}. {keep}.",
	},
	replies: []string{
		"{I've|I have} {updated|changed|keyed in} the {account|bank details|beneficiary} in {the ERP|SAP|Oracle|NetSuite|the payments portal}{;|.} {the|a} {first|test|penny} {payment|transfer} {will go out|is scheduled|goes} {on {day}|{soon}|with the next run}.",
		"{Confirmed|Verified|Checked} {with|against} {the letter from|the PDF from|my call to} {vendor}{ - |. }{the|their} {new|updated} {account ending|IBAN ending|account no. ending} {acct4} {matches|is correct|checks out}.",
		"{Do we have|Has anyone done|Did we get} {a|the} {call-back|callback|verbal confirmation} {on|for} {this|the new details|the {bank2} account}? {Audit|Internal audit|{cfirst}} {will|is going to} {ask|flag it|want to see it}.",
		"{Wire|Payment|Transfer} of {amount} {released|approved|sent|queued}{ -|,} {ref|reference|confirmation} {ref}. {It should|Funds should} {arrive|settle|land} {by {day}|within 24h|tomorrow}.",
		"{Is|Was} {the {amount} one|this wire|the {vendor} payment} {on|in} {today's|this week's|the {day}} {batch|run}? {The|Their} {AP contact|controller|account manager} {has|just} {called twice|emailed again|chased me} {about it|this morning|}.",
	},
	details: []string{
		"{Beneficiary|Payee}: {vendor}\n{Bank|Beneficiary bank}: {bank2}\n{Account|Acct no.|Account number}: {acctnew}\n{Routing|ABA|Routing no.}: {routing}\n{SWIFT|BIC|SWIFT/BIC}: {swift}\n{Amount|Total}: {amount}",
		"{New|Updated} {IBAN|account}: {iban} ({bank2}){, BIC {swift}|}\n{Old|Previous} account {ending|ending in} {acct4} {should be|is to be|can be} {deactivated|removed|closed in the system}",
		"{Reference|Payment reference|Memo}: {inv}{ / {po}|}{, value date {date}|}{ - amount {amount}|}",
		"{Amount|Sum|Total}: {amount} ({currencyword})\n{To|Beneficiary}: {vendor}, {acctnew} @ {bank2}",
	},
	files: []string{"{Wire_Instructions|Bank_Change_Form|Vendor_Bank_Letter|Remittance|Payment_Batch}_{filedate}.{pdf|xlsx|csv}"},
	pools: map[string][]string{
		"doc":    {"{signed|updated|stamped} {bank letter|change form}", "wire {approval|request} form", "{payment batch|remittance advice}", "{beneficiary|vendor} {form|setup sheet}"},
		"anchor": {"Updated bank letter", "Vendor change form", "Wire approval", "Payment batch {ref}", "Remittance advice", "View document", "{vendor} bank details", "{file}"},
		"portal": {"payments portal", "treasury workstation", "bank portal", "wire release gateway"},
	},
}

var themeInvoices = &theme{
	name: "invoices",
	from: []string{"Procurement", "Finance", "Operations"},
	to:   []string{"Finance", "Procurement"},
	subjects: []string{
		"{Invoice|INV|Invoice no.} {inv} {- |}{overdue|past due|2nd reminder|final notice|payment status}",
		"{Overdue|Outstanding|Unpaid} {invoices|balance} {- |}{vendor}{ ({amount})|}",
		"{PO|Purchase order} {po} {/ |- }{invoice|inv} {inv}{ mismatch| approval| on hold|}",
		"{vendor}{ -|:} {statement of account|account statement|open items} {month}",
		"{Please approve|Approval needed|Sign-off}{:| -} {inv} {({amount})|for {vendor}}",
	},
	opens: []string{
		"{vendor} {chased|called|emailed} {again|twice this week|this morning} {about|regarding} {inv}{ for {amount}|}. {It's|They say it's} {days} days {overdue|past due|late} and {they're|they are} {threatening to|about to|going to} {put us on hold|stop shipments|send it to collections}.",
		"{please} {approve|code|look at} {the attached|the} invoice {inv} from {vendor}{ ({amount})|}? {It|This} {doesn't match|is above|differs from} {po} {by|with a gap of} {amount2}{ and I need a sign-off|, so it needs your approval|}.",
		"{Attached|Below} {is|are} {the|our} {statement|open items|ageing report} {from|for} {vendor}{ as of {date}|}. {Total|Balance} {outstanding|due}: {amount}{, of which {amount2} is over 60 days|}.",
		"{We|I} {received|got} {a|an} {updated|corrected|re-issued} invoice from {vendor} {with|showing} {new remittance details|a different account|bank details at {bank2}}. {Can you|please} {check|confirm} {before|ahead of} {we pay|the run|{day}}?",
	},
	replies: []string{
		"{Approved|OK to pay|Coded and approved}{ - |. }{GL|cost centre|cost center} {gl}{, project {codename}|}. {Please|Pls} {pay|release} {in|with} {the next run|the {day} run|this week's run}.",
		"{It's|This is} {on hold|blocked|parked} {because|since} {the PO|{po}} {was|is} {closed|fully receipted|over budget}{; |. }{cfirst} {needs to|has to|will} {raise a change order|extend it|approve the variance}.",
		"{Paid|Settled|Released}{ on {date}|}{ -|,} {remittance|payment} {ref|reference} {ref}. {They|{vendor}} {should see it|will have it} {soon}.",
		"{Their|The} {bank details|remittance account} {on this one|on the new invoice} {don't|do not} {match|agree with} {what we have|the vendor master}{ - |. }{please |}{hold|don't pay} {until|till} {we|someone} {call|verify with} them.",
	},
	details: []string{
		"{Invoice|Inv}: {inv}\n{PO|Order}: {po}\n{Amount|Total|Gross}: {amount}\n{Due|Due date}: {date}\n{Terms|Payment terms}: {Net 30|Net 45|Net 60|due on receipt}",
		"{Open items|Outstanding|Balance}: {amount}{ ({count} invoices)|}{ - oldest {inv}|}",
		"{Remit to|Pay to|Bank}: {bank2}, {acct|account} {acctnew}{, routing {routing}|, IBAN {iban}|}",
	},
	files: []string{"{Invoice|INV|Statement|Open_Items|Credit_Note}_{inv}{_{vendorfile}|}.{pdf|xlsx}"},
	pools: map[string][]string{
		"doc":    {"{invoice|invoice PDF|credit note}", "{statement|ageing report}", "{supplier|vendor} portal {entry|record}", "{approval|coding} sheet"},
		"anchor": {"Invoice {inv}", "View invoice", "{vendor} statement", "Supplier portal", "Approve invoice", "{file}", "Open items"},
		"portal": {"supplier portal", "AP workflow", "invoice approval system", "procurement portal"},
	},
}

var themePayroll = &theme{
	name: "payroll",
	from: []string{"Payroll", "Human Resources", "Finance"},
	to:   []string{"Payroll", "Finance", "Human Resources"},
	subjects: []string{
		"{Payroll|Pay run|Payroll run} {{month}|{date}|week {week}} {- |}{final|approval|corrections|variance|off-cycle}",
		"{Direct deposit|Bank account|Deposit} {change|update} {- |}{rname|{sname}|employee {empid}}",
		"{Off-cycle|Manual|Emergency} {payment|check|payroll} {for|-} {sname|{empcount} employees}",
		"{Bonus|Commission|Severance} {file|payments|upload} {quarter} {- |}{final|v2|approved|do not forward}",
		"{W-2|P60|Payslip|Tax form} {corrections|reissue|question}{ - {year}|}",
	},
	opens: []string{
		"{please} {update|change} {my|the} direct deposit {to|to the account at} {bank2} {before|ahead of} {the {date} payroll|this pay run|{day}}? {New|The new} account {is|number is} {acctnew}, routing {routing}.",
		"{Attached|Here} {is|are} the {payroll register|pay run summary|variance report} for {month}{ ({empcount} employees)|}. {Net pay|Total gross|Gross} {comes to|is} {amount}{, up {pct}% on last month|}.",
		"{The|This} {quarter|year-end} {bonus|commission} {file|upload} {is ready|is final|needs approval}{ -|.} {amount} {across|for} {empcount} {people|employees|staff}{, including the exec team|}. {keep}.",
		"{We|I} {need to|have to} {run|process|push} an {off-cycle|emergency|manual} {payment|check} {for|to} {sname} {of|for} {amount} {soon}{ (missed hours from last period)|, severance agreed with Legal|}.",
	},
	replies: []string{
		"{Updated|Changed|Done}{ - |. }{the|your} {deposit|account} {will|should} {take effect|apply} {from|with} {the {date} run|the next payroll|{month}}{. The {prenote|test deposit} goes out {day}|}.",
		"{Register|Pay run|The file} {approved|looks good|reconciled}{.|!} {Variance|Difference} {vs|against} last {month|period} is {amount2}{, mostly overtime|, mainly the new starters|}.",
		"{Do we|Should we} {verify|call to confirm} {the|this} {bank change|deposit change} {first|before we process it}? {We had|There was} {a phishing attempt|a fraud case|an attempt like this} {last {month}|in {quarter}}.",
		"{Please|Pls} {lock|finalise|submit} {payroll|the run} {soon}{ - bank cut-off is {time}| so funds land {date}|}.",
	},
	details: []string{
		"{Employee|EE|Employee ID}: {empid}\n{Bank|New bank}: {bank2}\n{Account|Acct}: {acctnew}\n{Routing|ABA}: {routing}\n{Effective|From}: {date}",
		"{Gross|Total gross}: {amount}\n{Net|Total net}: {amount2}\n{Headcount|Employees}: {empcount}",
		"{Salary|Base|Annual base} {for|of} {sname}: {salary}{; bonus {pct}%|, band {band}|}",
	},
	files: []string{"{Payroll_Register|PayRun|Bonus_Upload|Payroll_Variance|Salaries}_{filedate}{_FINAL|_v2|}.{xlsx|csv|pdf}"},
	pools: map[string][]string{
		"doc":    {"{payroll register|pay run summary}", "{bonus|commission} {file|upload}", "{salary|compensation} {spreadsheet|export}", "{deposit change|bank} form"},
		"anchor": {"Payroll register", "{month} pay run", "Bonus file", "{file}", "Salary export", "Deposit form", "View payslips"},
		"portal": {"payroll portal", "payroll system", "HRIS", "employee self-service portal"},
	},
}

var themeCrypto = &theme{
	name: "crypto",
	from: []string{"Treasury", "Finance", "Executive Office", "IT"},
	to:   []string{"Treasury", "Finance", "Executive Office"},
	subjects: []string{
		"{Wallet|Cold wallet|Treasury wallet|Multisig} {recovery|backup|seed|access} {- |}{keep safe|do not forward|{date}|copy {n} of 3}",
		"{exch} {account|API keys|withdrawal whitelist|2FA reset}{ - {codename}| ({quarter})|}",
		"{BTC|ETH|USDC|Stablecoin} {treasury|reserve|position} {transfer|rebalance|top-up} {- |}{btc}",
		"{Ledger|Hardware wallet|Signing device} {backup|handover|replacement} {for|-} {sname|the vault|{codename}}",
	},
	opens: []string{
		"{As agreed|Per the treasury policy|Following the board decision}, {I'm|I am} {sending|sharing} {the|our} {recovery|backup|seed} phrase for the {cold|treasury|{codename}} wallet {so you have a copy|while I'm on leave|for the second keyholder role}. {keep}.",
		"{We|I} {need to|have to} {move|transfer|rebalance} {btc} {from|off} {exch} {to|into} {the cold wallet|our multisig|the {codename} wallet} {soon}{; withdrawals above the limit need a second approver|}.",
		"{exch} {reset|disabled|locked} {2FA|withdrawals|the API key} {on|for} {our|the corporate} account {after|following} {the password change|a login from a new device|{day}'s incident}. {I've|I have} {set up|created|issued} {temporary access|new credentials|a recovery login} below.",
		"{The|Our} {hardware wallet|signing device|Ledger} {for|used by} {the treasury|{codename}} {is being replaced|failed|was lost in transit}{, so|. Until then} {please|we'll} {keep|use} the {backup|recovery} {details|phrase} {below|in this thread}{ in the safe|}.",
	},
	replies: []string{
		"{Received|Got it|Stored}{ -|.} {I've|I have} {written it down|put it in the safe|stored it offline} and {will|I'll} {delete|remove} {this email|the thread} {after|once} {the audit|we test the restore|{day}}.",
		"{Transfer|Withdrawal|Move} of {btc} {confirmed|done|broadcast}{ - tx hash {txhash}|}. {It|Funds} {needed|took} {3|6|12} {confirmations|blocks}{ and is in the cold wallet now|}.",
		"{Is|Should} {this|the {exch} account} {still|} {whitelisted|limited} {to|for} {the|our} {wallet|addresses} {ending|ending in} {walletend}? {I|We} {don't want|can't have} {a|another} {withdrawal to an unknown address|surprise like in {quarter}}.",
		"{Can we|Let's|We should} {test|do} {a restore|a small test transfer|a dry run} {on|by} {day} {before|ahead of} {the|our} {board|audit} {meeting|review}?",
	},
	details: []string{
		"{Recovery|Seed|Backup} phrase ({words} words):\n{seed}",
		"{Wallet|Deposit|Cold wallet} address: {wallet}\n{Balance|Holdings|Position}: {btc}{ ({amount})|}",
		"{Withdrawal|Whitelist|Multisig} {address|addresses}: {wallet}{ (cold)|}\n{Limit|Daily limit}: {btc}",
	},
	files: []string{"{wallet_backup|recovery_sheet|treasury_wallets|multisig_setup|keyholders}_{filedate}.{txt|pdf|csv}"},
	pools: map[string][]string{
		"doc":    {"{wallet|keyholder} {register|list}", "{recovery|restore} {procedure|runbook}", "{multisig|signing} {setup|policy}", "{treasury|custody} policy"},
		"anchor": {"Wallet register", "Recovery procedure", "{exch} dashboard", "{file}", "Custody policy", "Multisig setup"},
		"portal": {"{exch} account", "custody dashboard", "wallet server", "signing service"},
	},
}
