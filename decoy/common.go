package decoy

// Phrase pools shared by all themes. A pool entry is a template (see
// expand.go); long fixed sentences are avoided on purpose: every sentence
// longer than a few words is assembled from several independent choices,
// so that no phrase recurs in more than a small share of decoys.
var pools = map[string][]string{
	"greet": {
		"Hi {first},", "Hello {first},", "{first},", "Dear {first},", "Hi {first}", "Hey {first},",
		"Morning {first},", "Good morning {first},", "Afternoon {first},", "{first} -", "Hi {first} -",
		"Hello {first}", "Hi all,", "Hi team,", "Hi {first} and team,", "Dear {rname},", "Good afternoon,",
	},
	"signoff": {
		"Thanks,", "Best,", "Regards,", "Kind regards,", "Cheers,", "Thank you,", "Many thanks,", "Best regards,",
		"Thanks!", "Thanks again,", "Thx,", "Warm regards,", "Talk soon,", "Appreciate it,", "All the best,",
		"Rgds,", "Thanks so much,", "Best wishes,", "With thanks,", "Thanks in advance,",
	},
	"soon": {
		"today", "by end of day", "by EOD", "before 3pm", "by close of business", "first thing tomorrow",
		"before {day}", "by {day} noon", "ahead of the cut-off", "this afternoon", "by tomorrow morning",
		"no later than {day}", "within the hour", "before I leave today", "by {date}",
	},
	"please": {"Please", "Could you please", "Can you", "Would you", "Kindly", "Can you please", "When you get a sec, can you", "Could you"},
	"keep": {
		"{please|kindly|} keep this {between us|to yourself|within the team|off the shared channels|confidential} {for now|until it is announced|until we are told otherwise|until the announcement|}",
		"{this is|this stays} {strictly |}{confidential|need-to-know|internal only} {for now|until further notice|}",
		"do not {forward|share|circulate} {this|this thread|these details} {outside the group|beyond the people copied|to anyone else|externally}",
	},
	"fyi": {"FYI", "For reference", "For your records", "Just so you have it", "For the file", "Noting here for the record", "Heads up"},
	"ack": {
		"{Thanks|Thank you|Thx|Great|Perfect|Got it|Understood|OK|Will do}{ {first}|}{.|!|,} {I'll|I will|Will} {take care of it|get it done|action this|process it|sort it out|look at it} {today|shortly|this afternoon|first thing tomorrow|before {day}|after my {time} call}.",
		"{Looks good|All good|Confirmed|Done|Received}{ on my side| from my end| here|}{.|!} {Let me know|Shout|Ping me} if {anything else is needed|you need anything else|something looks off|there's anything else}.",
		"{Sounds good|Makes sense|Agreed|Fine by me}{ - | — |. }{I'll|I can|Happy to} {loop back|follow up|check in|circle back} {with you |}{on {day}|tomorrow|next week|after the {time} meeting}.",
		"{Quick|Small|One} {question|follow-up|thing}: {is this|are these|is that} {still|} {the latest|current|final|the version we agreed}?",
		"{Received|Got it|Thanks}, {forwarding|passing this|sending this over} to {cfirst} {to action|to handle|for approval|to double-check|so it's on file}.",
	},
	"closer": {
		"{Let me know|Shout|Give me a call|Ping me on Teams|Text me|Call my cell} if {you have any questions|anything is unclear|you hit any issues|something doesn't work|you need more from me}{.|!}",
		"{Thanks|Thank you|Appreciate it|Much appreciated} {for turning this around|for the quick help|for sorting this|in advance|for your patience} {so quickly|on short notice|today|}{.|!}",
		"{I'm|I am} {out|travelling|in back-to-backs|offline} {from {time}|this afternoon|tomorrow|{day}}{, so|. If it's urgent,} {{cfirst} can help|reach {cfirst}|call my mobile|text me}.",
		"{Once done,|When that's done,|After that} {reply here|let me know|drop a note here|confirm on this thread} {so I can close it out|and I'll update the tracker|and we're good|so {cfirst} knows}.",
		"",
	},
	"time": {"9:30", "10", "11:15", "noon", "1pm", "2:30", "3", "4pm", "8:45", "lunch"},
	"mobile": {
		"Sent from my iPhone", "Sent from my iPad", "Get Outlook for iOS", "Get Outlook for Android",
		"Sent from my mobile", "Sent from my Galaxy", "Sent on the go",
		"Typed on my phone", "Sent from my phone", "",
	},
	"discl1": {
		"{This e-mail|This email|This message|This communication|The information in this e-mail} {and any attachments |and any files transmitted with it |}{is|are|may be} {confidential|privileged and confidential|confidential and may be legally privileged|intended only for the addressee(s)}{ and is the property of {org}|}.",
		"{CONFIDENTIALITY NOTICE|Confidentiality notice|NOTICE|Important}: {the contents of this {email|message}|this {email|message} and its attachments|information in this {transmission|message}} {are|is} {confidential|proprietary to {org}|intended solely for the named recipient}.",
		"{Privileged|Proprietary} {&|and} {confidential|restricted}{ - {org}| – {org}|}. {Intended|Meant} {only |solely |}for {the named recipient|the individual or entity addressed|the addressee{s|}}.",
	},
	"discl2": {
		"If you {are not the intended recipient|received this {in error|by mistake}|have received this message in error}, {please |}{notify the sender|let the sender know|contact the sender} {immediately |straight away |}{and delete it|and delete all copies|and destroy any copies|by reply and delete the message}.",
		"{Any|All} {unauthorised|unauthorized} {use, disclosure or copying|review, use or distribution|dissemination or copying} {of this {email|message}|of its contents|} is {strictly |}{prohibited|not permitted}.",
		"{Do not|Please do not} {forward|copy|disclose|distribute} {this {email|message}|its contents|the contents} {without {permission|authorisation|authorization}|to third parties|outside {org}}{ unless authorised|}.",
		"",
	},
	"discl3": {
		"{{org}|We} {will never|does not|do not} {ask you to change bank details|request changes to payment details|ask for passwords} by email{ alone|}{.|; call us to verify.|, always verify by phone.}",
		"{Emails|Messages} {may be|are} {monitored|recorded|archived} {for compliance|for security and compliance|in line with our policies|for quality purposes}.",
		"{Please consider the environment before printing|Think before you print|Consider the environment - do you need to print this}{.|?|}",
		"", "",
	},
	"banner": {
		"CONFIDENTIAL", "Confidential", "Internal use only", "INTERNAL", "Restricted", "[Confidential]",
		"Classification: Confidential", "Classification: Internal", "Sensitivity: Confidential", "PRIVATE",
		"Strictly confidential", "Internal", "CONFIDENTIAL – INTERNAL",
	},
	"contact": {
		"{Questions|Queries|Anything unclear|Any issues}{? |: }{reach|contact|email|write to} {the team|our desk|us|{sdept}} {at|via} {canary}{.|}",
		"{If|In case} {anything|something} {looks off|is unclear|needs changing|doesn't match}, {please |}{email|write to|contact|reply to} {canary} {rather than me|instead of replying here|directly|- it's monitored|which is monitored {daily|all day}|}{.|}",
		"{Our|The} {shared|team|desk|group} {mailbox|inbox|alias} {for this|for {sdept} requests|for the process} is {canary}{ - please copy it| (please cc it)|, copy it on replies|}{.|}",
		"{Copying|CC'ing|Adding} {canary} {so the team has visibility|for tracking|so it's logged|as requested by audit|for the record}{.|}",
		"{For|Re} {escalations|approvals|anything urgent}{,|:} {canary}{ or my mobile| or Teams|}{.|}",
	},
	"filedate": {"{month}", "{month}{year}", "{year}-{mm}", "{mm}{dd}", "{year}{mm}{dd}", "{quarter}"},
}

// Names used to make organisation-specific nouns: vendors, banks,
// codenames, counterparties. All fictional combinations.
var (
	vendorHeads = []string{"Apex", "Bluewater", "Cobalt", "Summit", "Ironbridge", "Lakeshore", "Meridian", "Northgate",
		"Pinecrest", "Redwood", "Silverline", "Tidewater", "Westfield", "Brightpath", "Crescent", "Evergreen",
		"Falcon", "Harborview", "Keystone", "Larkspur", "Oakmont", "Quantum", "Stonehaven", "Trident", "Vantage"}
	vendorTails = []string{"Logistics", "Supply Co.", "Industrial", "Systems", "Partners LLC", "Packaging", "Freight",
		"Consulting Group", "Technologies", "Components", "Facilities Services", "Print & Media", "Staffing",
		"Analytics", "Fabrication", "Marine", "Energy", "Labs", "Solutions Ltd", "Distribution"}
	bankHeads  = []string{"First", "Pacific", "Granite", "Union", "Lakeshore", "Continental", "Heritage", "Harbor", "Prairie", "Atlantic", "Keystone", "Northern"}
	bankTails  = []string{"Harbor Bank", "Crest Bank", "Trust Company", "Federal Bank", "Commerce Bank", "Savings Bank", "National Bank", "Capital Bank"}
	codeAdjs   = []string{"Blue", "Silent", "Northern", "Amber", "Granite", "Copper", "Iron", "Crimson", "Polar", "Golden", "Hidden", "Swift"}
	codeNouns  = []string{"Kestrel", "Harbor", "Falcon", "Lantern", "Cedar", "Orion", "Atlas", "Juniper", "Osprey", "Meridian", "Beacon", "Halcyon", "Tundra", "Sable"}
	months     = []string{"January", "February", "March", "April", "May", "June", "July", "August", "September", "October", "November", "December"}
	seedWords  = []string{"anchor", "violet", "ribbon", "cactus", "orbit", "marble", "glove", "harvest", "lemon", "puzzle", "saddle", "timber", "walnut", "zebra", "canyon", "velvet", "pepper", "rocket", "shallow", "tribe", "ozone", "fossil", "gravity", "hamster", "island", "jungle", "kettle", "ladder", "magnet", "noodle", "oyster", "pilot", "quarter", "rescue", "sunset", "tunnel", "uncle", "vessel", "wisdom", "yellow"}
	courtNames = []string{"the Northern District", "the Southern District", "Superior Court", "the Chancery Court", "the District Court", "the Commercial Court"}
)
