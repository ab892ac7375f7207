package dnstrap

import (
	"strings"

	"github.com/miekg/dns"

	"github.com/mailtrip/mailtrip/token"
)

// Query names.
//
// A query name arrives in presentation form (RFC 1035 §5.1, as miekg/dns
// writes it): labels separated by dots, a dot or backslash inside a label
// escaped as "\." or "\\", other unprintable bytes as "\DDD". It is
// case-folded (ASCII; resolvers randomise case, draft-vixie-dnsext-dns0x20)
// and split into labels honouring the escapes; the name is in the zone when
// its last labels are the zone's. The labels in front of the zone, joined
// by dots, are searched with [token.Find], so a sub-id is found in any of
// them and in any position within one (vpn-<sub>, <sub>.files).
//
// Divergence: a letter written as \DDD (\065 for "A") is not folded or
// decoded; the digits then border the run, and no encoder writes names
// that way.

// MaxSubs bounds the candidates taken from one query name.
const MaxSubs = 8

// zoneOf splits name (presentation form, any case, with or without the
// final dot) against zone (lower case, no final dot, split into labels):
// rel is the labels in front of the zone joined by dots (lower case, ""
// at the apex) and ok reports whether name is in the zone.
func zoneOf(name string, zone []string) (rel string, ok bool) {
	name = strings.ToLower(name)
	if name == "." || name == "" {
		return "", len(zone) == 0
	}
	labels := dns.SplitDomainName(name)
	if len(labels) < len(zone) {
		return "", false
	}
	n := len(labels) - len(zone)
	for i, z := range zone {
		if labels[n+i] != z {
			return "", false
		}
	}
	return strings.Join(labels[:n], "."), true
}

// Candidates returns the token candidates in a query name under zone (the
// zone's own labels are not searched), at most [MaxSubs], and whether the
// name is in the zone at all. zone is a domain name in any case, with or
// without the final dot.
func Candidates(qname, zone string) (subs []token.SubID, inZone bool) {
	rel, ok := zoneOf(qname, zoneLabels(zone))
	if !ok {
		return nil, false
	}
	return findSubs(rel), true
}

// findSubs returns the candidates in rel, at most MaxSubs.
func findSubs(rel string) []token.SubID {
	subs := token.Find(rel)
	if len(subs) > MaxSubs {
		subs = subs[:MaxSubs]
	}
	return subs
}

func zoneLabels(zone string) []string {
	zone = strings.ToLower(zone)
	if zone == "." || zone == "" {
		return nil
	}
	return dns.SplitDomainName(zone)
}
