package header

import (
	"sort"
	"time"

	"github.com/mailtrip/mailtrip/event"
)

// MailboxStats are the per-mailbox counts behind the unmatched
// auto-forwarding heuristic, for the CLI's summary table.
type MailboxStats struct {
	Mailbox  string `json:"mailbox"`
	Messages int    `json:"messages"`
	// AutoForwarded counts messages with at least one AutoForward finding;
	// Redirected those with Redirect findings only. They do not overlap.
	AutoForwarded int `json:"auto_forwarded"`
	Redirected    int `json:"redirected"`
	// LooksForwarded counts messages the manual classifier flagged; Both
	// those of them that also carry artifacts.
	LooksForwarded int `json:"looks_forwarded"`
	Both           int `json:"both"`
	// Destinations and Domains of auto-forwarded and redirected messages,
	// most frequent first.
	Destinations []DestinationStat `json:"destinations,omitempty"`
	Domains      []DomainStat      `json:"domains,omitempty"`
	// First and Last are the earliest and latest Date of any message;
	// FirstForwarded and LastForwarded those of auto-forwarded or
	// redirected ones. Zero when no Date parsed.
	First          time.Time `json:"first,omitzero"`
	Last           time.Time `json:"last,omitzero"`
	FirstForwarded time.Time `json:"first_forwarded,omitzero"`
	LastForwarded  time.Time `json:"last_forwarded,omitzero"`
	// Members are the origins of auto-forwarded and redirected messages,
	// capped at Options.MaxMembers; MemberCount is the full count.
	Members     []event.Origin `json:"members,omitempty"`
	MemberCount int            `json:"member_count"`
	// Flagged is set when the unmatched auto-forwarding heuristic holds.
	Flagged bool `json:"flagged"`
}

// DestinationStat counts messages sent on to one address. External is set
// only when Options.InternalDomains is configured and the address lies
// outside it.
type DestinationStat struct {
	Address  string `json:"address"`
	Count    int    `json:"count"`
	External bool   `json:"external,omitempty"`
}

// DomainStat counts messages sent on to one domain.
type DomainStat struct {
	Domain   string `json:"domain"`
	Count    int    `json:"count"`
	External bool   `json:"external,omitempty"`
}

type mailboxState struct {
	messages, auto, redirected, looks, both int
	dests, domains                          map[string]int
	first, last, firstFwd, lastFwd          time.Time
	members                                 []event.Origin
	memberCount                             int
}

// record adds one classified message to its mailbox's counts.
func (d *Detector) record(mailbox string, origin event.Origin, date time.Time, r Result) {
	d.mu.Lock()
	defer d.mu.Unlock()
	s := d.boxes[mailbox]
	if s == nil {
		s = &mailboxState{dests: map[string]int{}, domains: map[string]int{}}
		d.boxes[mailbox] = s
	}
	s.messages++
	spanDates(&s.first, &s.last, date)
	auto := len(r.Auto) > 0
	if r.LooksForwarded() {
		s.looks++
		if auto {
			s.both++
		}
	}
	if !auto {
		return
	}
	if r.Forwarded() {
		s.auto++
	} else {
		s.redirected++
	}
	spanDates(&s.firstFwd, &s.lastFwd, date)
	var domains []string
	for _, a := range r.Destinations() {
		s.dests[a]++
		domains = appendNew(domains, domainOf(a))
	}
	for _, dm := range domains {
		s.domains[dm]++
	}
	s.memberCount++
	if len(s.members) < d.opt.MaxMembers {
		s.members = append(s.members, origin)
	}
}

func spanDates(first, last *time.Time, t time.Time) {
	if t.IsZero() {
		return
	}
	if first.IsZero() || t.Before(*first) {
		*first = t
	}
	if last.IsZero() || t.After(*last) {
		*last = t
	}
}

// unmatched is the per-mailbox heuristic: enough auto-forwarded or
// redirected messages, and fewer hand forwards without artifacts than
// MaxLooksForwardedRatio of them. Messages that are both (an Exchange
// "forward" rule writes FW: and a separator itself) are the rule's own
// output and do not count as hand forwards.
func (d *Detector) unmatched(s *mailboxState) bool {
	auto := s.auto + s.redirected
	hand := s.looks - s.both
	return auto >= d.opt.MinAutoForwarded && float64(hand) < d.opt.MaxLooksForwardedRatio*float64(auto)
}

// Stats returns a snapshot of every mailbox's counts, sorted by mailbox.
func (d *Detector) Stats() []MailboxStats {
	d.mu.Lock()
	defer d.mu.Unlock()
	internalSet := len(d.opt.InternalDomains) > 0
	out := make([]MailboxStats, 0, len(d.boxes))
	for _, mb := range sortedKeys(d.boxes) {
		s := d.boxes[mb]
		ms := MailboxStats{
			Mailbox:        mb,
			Messages:       s.messages,
			AutoForwarded:  s.auto,
			Redirected:     s.redirected,
			LooksForwarded: s.looks,
			Both:           s.both,
			First:          s.first,
			Last:           s.last,
			FirstForwarded: s.firstFwd,
			LastForwarded:  s.lastFwd,
			Members:        append([]event.Origin(nil), s.members...),
			MemberCount:    s.memberCount,
			Flagged:        d.unmatched(s),
		}
		for a, n := range s.dests {
			ms.Destinations = append(ms.Destinations, DestinationStat{
				Address: a, Count: n, External: internalSet && !d.internal(domainOf(a))})
		}
		sort.Slice(ms.Destinations, func(i, j int) bool {
			x, y := ms.Destinations[i], ms.Destinations[j]
			if x.Count != y.Count {
				return x.Count > y.Count
			}
			return x.Address < y.Address
		})
		for dm, n := range s.domains {
			ms.Domains = append(ms.Domains, DomainStat{
				Domain: dm, Count: n, External: internalSet && !d.internal(dm)})
		}
		sort.Slice(ms.Domains, func(i, j int) bool {
			x, y := ms.Domains[i], ms.Domains[j]
			if x.Count != y.Count {
				return x.Count > y.Count
			}
			return x.Domain < y.Domain
		})
		out = append(out, ms)
	}
	return out
}
