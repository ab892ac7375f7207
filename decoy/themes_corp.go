package decoy

var themeMergers = &theme{
	name: "mergers",
	from: []string{"Corporate Development", "Executive Office", "Legal", "Finance"},
	to:   []string{"Executive Office", "Corporate Development", "Finance", "Legal"},
	subjects: []string{
		"{codename}{ -|:} {LOI|term sheet|SPA draft|board pack|data room access|valuation} {v{n}|draft {n}|final|for review|({date})}",
		"{Board|Board pack|Board materials|Pre-read} {- |}{codename}{ - strictly confidential| (do not forward)|}",
		"{Privileged|Confidential|Strictly confidential}{:| -} {target} {diligence|valuation|approach|offer}",
		"{Fairness opinion|Synergy model|Integration plan|Announcement plan} {- |}{codename}",
		"{Re|RE}{:|} {codename} {call|next steps|price|timeline}",
	},
	opens: []string{
		"{Ahead of|Before|For} {the|{day}'s|next week's} {board call|board meeting|IC meeting|steerco}, {here's|attached is|please find} the {latest|updated|near-final} {board pack|valuation|term sheet} for {codename}{ ({target})|}. {keep}.",
		"{target} {came back|responded|countered} {at|with} {price} per share{, which values the deal at {amount}|, roughly {pct}% above their 30-day average|}. {We|I} {need|want} {a view|your view|a decision} {soon}.",
		"{The|Our} {data room|VDR} for {codename} {is open|is live|went live {day}}{.|;} {Sell-side|Their bankers|The advisers} {uploaded|added|posted} {the|their} {financials|customer contracts|management accounts} {last night|this morning|{day}}.",
		"{Quick|Brief} {update|readout} {from|on} {the|today's|{day}'s} {call|meeting} with {target}{'s CEO| management| advisers}: {they|management} {want|are pushing for} {signing|exclusivity|an announcement} {by {date}|before {quarter} earnings|within two weeks}.",
	},
	replies: []string{
		"{Thanks|Thank you}{ -|.} {My|Our} {concern|worry|main point} {is|remains} {the|their} {earn-out|working capital peg|customer concentration|pension deficit}{; |. }{I'd|We'd} {push|hold} {at|below} {price}.",
		"{Board|The chair|The committee} {is|seems} {supportive|comfortable|cautious}{, but wants|. They want} {the synergy case|the downside scenario|a fairness opinion} {before|ahead of} {signing|the vote|{date}}.",
		"{Please|Pls} {keep|limit} {the distribution list|this thread|the circle} {tight|to the deal team|to the people copied}{ - insider list is being updated| - the insider list is now {count} names|}.",
		"{I've|I have} {added|given} {cfirst} {access to|a login for} the {data room|VDR}{; |. }{please|can you} {log|sign} {an NDA|the confidentiality undertaking} {first|before they download anything}?",
	},
	details: []string{
		"{Offer|Indicative price|Price}: {price} per share\n{Equity value|EV|Enterprise value}: {amount}\n{Premium|Implied premium}: {pct}%\n{Signing|Target signing}: {date}",
		"{Insider list|Deal team|Project team}: {sname}, {cname}, {rname}{ and the advisers|}",
		"{Code name|Project}: {codename} = {target}",
	},
	files: []string{"{codenamefile}_{Board_Pack|Valuation|Term_Sheet|SPA|Synergies|LOI}_{filedate}{_v{n}|_final|}.{pdf|pptx|xlsx}"},
	pools: map[string][]string{
		"doc":    {"{board pack|board deck|pre-read}", "{valuation|synergy} model", "{term sheet|LOI|SPA} {draft|markup}", "data room {index|checklist}"},
		"anchor": {"{codename} data room", "Board pack", "Valuation model", "{file}", "Term sheet (draft)", "VDR index"},
		"portal": {"data room", "VDR", "board portal", "deal site"},
	},
}

var themeLegal = &theme{
	name: "legal",
	from: []string{"Legal", "Security", "Human Resources"},
	to:   []string{"Legal", "Finance", "Executive Office", "IT", "Human Resources"},
	subjects: []string{
		"{Legal hold|Litigation hold|Preservation notice}{:| -} {case}{ ({matter})|}",
		"{Privileged &|Privileged and|Attorney-client} {confidential|privileged}{:| -} {case}{ - {doc2}| settlement|}",
		"{Settlement|Mediation|Deposition} {offer|prep|schedule} {- |}{case}",
		"{Subpoena|Regulator request|Document request} {- |}{matter}{ - response due {date}|}",
		"{Whistleblower|Internal investigation|Ethics hotline} {report|case} {casenum}",
	},
	opens: []string{
		"{You are|You have been} {identified|named|listed} as a {custodian|key custodian|witness} in {case}{ ({matter})|}. {Do not|Please do not} {delete|alter|discard} {any|} {emails|documents|chat messages|files} {relating to|about|concerning} {target|{codename}|the {year} contract}{ until Legal releases the hold|}.",
		"{Opposing counsel|Their lawyers|The plaintiff} {came back|sent|made} {an offer|a counter|a demand} {of|at} {amount} {to settle|for a full release|ahead of mediation}{.|;} {Our|The} {reserve|exposure estimate} {is|sits at} {amount2}.",
		"{We|I} {received|got|were served} {a subpoena|a document request|a letter from the regulator} {on|this} {day}{ in {matter}|}. {Response|Production} {is due|must be made} {by {date}|within {days} days}{, so we need the collection to start {soon}|}.",
		"{The|An} {investigation|internal review} {into|concerning} {sname} {has started|is now open|was escalated}{ after a hotline report|}. {keep}.",
	},
	replies: []string{
		"{Acknowledged|Understood|Confirmed}{ -|.} {I'll|I will} {preserve|keep|hold} {everything|all mail and files} {from|since} {month} {year} {and|, and} {let IT know|flag my shared drives|check my phone backups}.",
		"{My view|Our view|Outside counsel's view}{:|-} {settle|counter|hold} {at|around|below} {amount2}{; trial risk is {pct}%|. Exposure if we lose is far higher|}.",
		"{Collection|Imaging|Export} {of|for} {the|all} {custodians|mailboxes|laptops} {is|was} {done|scheduled|started}{ - {count} mailboxes so far|}. {The|An} {export|review set} {is|will be} {in|on} the {portal} {soon}.",
		"{Can we|Please|Let's} {keep|mark} {this|all replies} {privileged|under privilege|attorney-client privileged} {and|-} {copy|cc} {outside counsel|{cfirst}} {on everything|going forward}?",
	},
	details: []string{
		"{Matter|Case no.|Reference}: {matter}\n{Court|Venue|Forum}: {court}\n{Hold start|Effective}: {date}\n{Custodians|Scope}: {count} {custodians|people}",
		"{Demand|Offer|Counter}: {amount}\n{Reserve|Exposure}: {amount2}\n{Deadline|Respond by}: {date}",
	},
	files: []string{"{Legal_Hold_Notice|Settlement_Memo|Privileged_Memo|Subpoena|Custodian_List}_{matterfile}.{pdf|docx}"},
	pools: map[string][]string{
		"doc2":   {"draft memo", "strategy", "board summary", "timeline"},
		"doc":    {"{hold notice|custodian list}", "{privileged memo|settlement memo}", "{subpoena|production} {log|index}", "{review set|export}"},
		"anchor": {"Hold notice", "eDiscovery review set", "{matter} documents", "{file}", "Privileged memo", "Custodian acknowledgement"},
		"portal": {"eDiscovery portal", "review platform", "legal hold system", "matter workspace"},
	},
}

var themeHR = &theme{
	name: "hr",
	from: []string{"Human Resources", "Executive Office", "Finance"},
	to:   []string{"Human Resources", "Executive Office", "Finance", "Payroll"},
	subjects: []string{
		"{Compensation|Comp|Salary} {review|planning|bands|adjustments} {year}{ - confidential|: final|, draft {n}|}",
		"{Restructuring|Reorg|RIF|Workforce plan} {- |}{sdept|{codename}|{quarter}}{ - do not forward|}",
		"{Exec|Leadership|Senior} {salaries|bonuses|equity grants} {quarter}{ ({codename})|}",
		"{Performance|PIP|Termination} {- |}{sname}{ - confidential|}",
		"{Offer letter|Counter-offer|Retention bonus} {- |}{sname}",
	},
	opens: []string{
		"{Attached|Here} {is|are} the {draft|final|updated} {salary bands|merit matrix|comp plan} for {year}{ with everyone's current base and proposed increase|}. {Average|Budgeted} {increase|merit} is {pct}%{; the exec team is treated separately|}. {keep}.",
		"{We|Leadership} {are planning|agreed|signed off on} {a reduction of|a RIF of|cutting} {empcount} {roles|positions} in {rdept} {by|before} {date}{.|;} {Severance|Total cost} {is estimated at|comes to} {amount}.",
		"{sname}{'s| - their} {retention|counter-offer|sign-on} {package|bonus} {was|has been} {approved|agreed} {at|for} {salary}{ plus {pct}% bonus|}. {please} {prepare|draft|send} the {letter|paperwork} {soon}?",
		"{Following|After} {the|our} {calibration|review} {session|meeting}, {here's|this is} {the|our} {list|shortlist} of {people|employees} {on|moving to} {PIPs|performance plans|exit packages} {in|for} {quarter}.",
	},
	replies: []string{
		"{Thanks|Thank you}{ -|.} {A few|Two|Some} {adjustments|changes|corrections}{:|;} {sname}{'s| should be at} {salary}{ not the figure in the sheet| to stay in band|}.",
		"{Legal|{cfirst}} {needs to|should|must} {review|see} {the|this} {list|plan} {before|ahead of} {the announcement|we tell managers|{date}}{ because of WARN notice rules| - consultation rules apply|}.",
		"{Can we|Please|Let's} {restrict|lock} {the|this} {sheet|file|folder} {to|for} {HRBPs|the comp team|the three of us}? {Someone|Half the company|Managers} {could|can} {see|open} it {right now|at the moment}.",
		"{Approved|Signed off|OK from me}{.|!} {Budget|Total cost} {impact|increase} is {amount2}{ for the year| annualised|}.",
	},
	details: []string{
		"{Employee|Name}: {sname}\n{Current base|Base}: {salary}\n{Proposed|New base}: {salary2}\n{Bonus|Target bonus}: {pct}%\n{Band|Grade}: {band}",
		"{Roles affected|Headcount}: {empcount}\n{Severance cost|Cost}: {amount}\n{Announcement|Notify}: {date}",
	},
	files: []string{"{Comp_Review|Salary_Bands|Merit_Matrix|RIF_List|Exec_Comp|Headcount_Plan}_{filedate}{_CONFIDENTIAL|_draft|}.{xlsx|pdf}"},
	pools: map[string][]string{
		"doc":    {"{salary|comp} {sheet|file}", "{merit matrix|salary bands}", "{RIF|headcount} {list|plan}", "{offer|retention} letter"},
		"anchor": {"Comp review {year}", "Salary bands", "{file}", "Headcount plan", "Merit matrix", "Workday report"},
		"portal": {"HR portal", "compensation tool", "HRIS", "Workday tenant"},
	},
}
