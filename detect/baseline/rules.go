package baseline

import (
	"net/netip"

	"github.com/mailtrip/mailtrip/alert"
	"github.com/mailtrip/mailtrip/event"
)

// Rule ids; docs/baseline.md documents each.
const (
	RuleSyncBurst           = "mailtrip-access-sync-burst"
	RuleBindVolume          = "mailtrip-access-bind-volume"
	RuleThrottled           = "mailtrip-access-throttled"
	RuleNewApp              = "mailtrip-access-new-app"
	RuleDecoyRead           = "mailtrip-access-decoy-read"
	RuleIMAPDownload        = "mailtrip-imap-download-volume"
	RuleSpray               = "mailtrip-signin-spray"
	RuleBruteForce          = "mailtrip-signin-bruteforce"
	RuleSuccessAfterFailure = "mailtrip-signin-success-after-failures"
	RuleLegacyProtocol      = "mailtrip-signin-legacy-protocol"
	RuleNewCountry          = "mailtrip-signin-new-country"
	RuleNewASN              = "mailtrip-signin-new-asn"
	RuleImpossibleTravel    = "mailtrip-signin-impossible-travel"
)

// ATT&CK tags used below (alert has the collection ones).
const (
	tagCredentialAccess = "attack.credential_access"
	tagInitialAccess    = "attack.initial_access"
	tagDefenseEvasion   = "attack.defense_evasion"
	tagT1110            = "attack.t1110"
	tagT1110_001        = "attack.t1110.001"
	tagT1110_003        = "attack.t1110.003"
	tagT1078            = "attack.t1078"
	tagT1078_004        = "attack.t1078.004"
)

var collection = []string{alert.TagCollection, alert.TagT1114, alert.TagT1114_002}

// Rules lists every rule the detector raises, with its default level
// (some raise or lower it per finding; docs/baseline.md says when).
var Rules = map[string]alert.Rule{
	RuleSyncBurst:           {ID: RuleSyncBurst, Title: "Mailbox folders synchronised in bulk", Level: alert.Medium, Tags: collection},
	RuleBindVolume:          {ID: RuleBindVolume, Title: "Unusual volume of mail items read", Level: alert.Medium, Tags: collection},
	RuleThrottled:           {ID: RuleThrottled, Title: "Mailbox access audit throttled (over 1000 reads in 24 h)", Level: alert.High, Tags: collection},
	RuleNewApp:              {ID: RuleNewApp, Title: "Mail read through an API by an app new for the user", Level: alert.Medium, Tags: collection},
	RuleDecoyRead:           {ID: RuleDecoyRead, Title: "Decoy message read", Level: alert.High, Tags: collection},
	RuleIMAPDownload:        {ID: RuleIMAPDownload, Title: "IMAP/POP3 session downloaded far more than usual", Level: alert.Medium, Tags: collection},
	RuleSpray:               {ID: RuleSpray, Title: "Password spraying from one source", Level: alert.High, Tags: []string{tagCredentialAccess, tagT1110, tagT1110_003}},
	RuleBruteForce:          {ID: RuleBruteForce, Title: "Password guessing against one user", Level: alert.Medium, Tags: []string{tagCredentialAccess, tagT1110, tagT1110_001}},
	RuleSuccessAfterFailure: {ID: RuleSuccessAfterFailure, Title: "Successful sign-in after repeated failures", Level: alert.High, Tags: []string{tagCredentialAccess, tagInitialAccess, tagT1110, tagT1078}},
	RuleLegacyProtocol:      {ID: RuleLegacyProtocol, Title: "Sign-in with a legacy authentication protocol", Level: alert.Medium, Tags: []string{tagInitialAccess, tagDefenseEvasion, tagT1078, tagT1078_004}},
	RuleNewCountry:          {ID: RuleNewCountry, Title: "Sign-in from a country new for the user", Level: alert.Medium, Tags: []string{tagInitialAccess, tagT1078, tagT1078_004}},
	RuleNewASN:              {ID: RuleNewASN, Title: "Sign-in from a network (ASN) new for the user", Level: alert.Low, Tags: []string{tagInitialAccess, tagT1078, tagT1078_004}},
	RuleImpossibleTravel:    {ID: RuleImpossibleTravel, Title: "Impossible travel between sign-ins", Level: alert.High, Tags: []string{tagInitialAccess, tagT1078, tagT1078_004}},
}

// newAlert starts an alert of rule about the record b.
func newAlert(ruleID string, b *base, extra ...string) alert.Alert {
	r := Rules[ruleID]
	r.Tags = append([]string(nil), r.Tags...)
	a := alert.New(Name, r, b.o, extra...)
	a.Time = b.t
	a.Mailbox = b.user
	a.Actor = &alert.Actor{User: b.user, IP: ipString(b.ip)}
	a.Evidence = map[string]any{}
	return a
}

func ipString(a netip.Addr) string {
	if !a.IsValid() {
		return ""
	}
	return a.String()
}

// members collects the origins of an aggregate alert, capped.
type members struct {
	list  []event.Origin
	count int
}

func (m *members) add(o event.Origin, max int) {
	m.count++
	if len(m.list) < max {
		m.list = append(m.list, o)
	}
}

func (m *members) set(a *alert.Alert) {
	a.Members = m.list
	a.MemberCount = m.count
}
