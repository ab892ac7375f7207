package mailrules

import (
	"fmt"
	"net/netip"
	"strings"
	"sync"
	"time"
)

// history remembers, per user, the client networks and client names
// their records in this input came from, so that a rule made from an
// address or client none of the user's earlier records used stands out.
// It is deliberately simple: a record is compared with the records read
// before it (logs are in time order; with several pipeline workers "before"
// is approximate), networks are compared by IPv4 /24 and IPv6 /48 so a
// renewed home or mobile address is not "new", and a user seen from many
// networks (more than maxNets) is never judged.
type history struct {
	mu       sync.Mutex
	users    map[string]*userHist
	maxUsers int
}

type userHist struct {
	nets      map[netip.Prefix]time.Time // network → when first seen (at most maxNets)
	clients   map[string]bool            // client program → seen (at most maxClients)
	withNet   int                        // records with a network
	withClien int                        // records with a client
}

const (
	maxNets    = 32
	maxClients = 16
)

func newHistory(maxUsers int) *history {
	return &history{users: map[string]*userHist{}, maxUsers: maxUsers}
}

// netOf returns the network an address is judged by.
func netOf(ip string) (netip.Prefix, bool) {
	a, err := netip.ParseAddr(ip)
	if err != nil {
		return netip.Prefix{}, false
	}
	a = a.Unmap()
	bits := 24
	if a.Is6() {
		bits = 48
	}
	p, err := a.Prefix(bits)
	return p, err == nil
}

// clientOf reduces a client description to what identifies the client
// program: the "Client=..." part of Exchange's ClientInfoString
// ("Client=OWA;Action=ViaProxy" → "Client=OWA"), else the user agent's
// first product token ("python-requests/2.25.1" → "python-requests").
func clientOf(s string) string {
	s = strings.TrimSpace(s)
	if s == "" {
		return ""
	}
	if len(s) > 7 && strings.EqualFold(s[:7], "client=") {
		c, _, _ := strings.Cut(s, ";")
		return c
	}
	tok, _, _ := strings.Cut(s, " ")
	tok, _, _ = strings.Cut(tok, "/")
	return tok
}

// settleTime is how long a network must have been seen for a user before
// it counts as the user's own: an attacker who signs in from a new network
// and makes a rule a few minutes later must not have the sign-in vouch for
// the rule.
const settleTime = 24 * time.Hour

// observe judges a record of user at time at from ip and client against
// the records before it, then remembers it. It returns the reasons the
// source is unusual (none when it is not, or the history is too short),
// as facts: most records are not ones a rule judges, and only those that
// are have the reasons written out.
// A network first seen less than settleTime before the record is still
// new (records without a time judge by presence only).
func (h *history) observe(user, ip, client string, at time.Time, minHistory int) unusualSource {
	user = strings.ToLower(strings.TrimSpace(user))
	nw, hasNet := netOf(ip)
	cl := clientOf(client)
	if user == "" || (!hasNet && cl == "") || minHistory < 0 {
		return unusualSource{}
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	u := h.users[user]
	if u == nil {
		if len(h.users) >= h.maxUsers {
			return unusualSource{}
		}
		u = &userHist{nets: map[netip.Prefix]time.Time{}, clients: map[string]bool{}}
		h.users[user] = u
	}
	out := unusualSource{ip: ip, client: client, net: nw}
	if hasNet {
		first, seen := u.nets[nw]
		switch {
		case u.withNet < minHistory || len(u.nets) >= maxNets:
		case !seen:
			out.newNet, out.netRecords = true, u.withNet
		case !at.IsZero() && !first.IsZero() && at.Sub(first) >= 0 && at.Sub(first) < settleTime:
			out.youngNet, out.netAge, out.netRecords = true, at.Sub(first), u.withNet
		}
		u.withNet++
		if !seen && len(u.nets) < maxNets {
			u.nets[nw] = at
		}
	}
	if cl != "" {
		if u.withClien >= minHistory && !u.clients[cl] && len(u.clients) < maxClients {
			out.newClient, out.clientRecords = true, u.withClien
		}
		u.withClien++
		if len(u.clients) < maxClients {
			u.clients[cl] = true
		}
	}
	return out
}

// unusualSource is what observe found unusual about a record's source.
type unusualSource struct {
	ip, client    string
	net           netip.Prefix
	newNet        bool // a network none of the user's earlier records came from
	youngNet      bool // a network first seen less than settleTime before
	netAge        time.Duration
	netRecords    int
	newClient     bool
	clientRecords int
}

// count is how many reasons there are.
func (u unusualSource) count() int {
	n := 0
	if u.newNet || u.youngNet {
		n++
	}
	if u.newClient {
		n++
	}
	return n
}

// reasons writes the findings out, nil when there are none.
func (u unusualSource) reasons() []string {
	var out []string
	switch {
	case u.newNet:
		out = append(out, fmt.Sprintf("made from %s, a network (%s) none of the user's %d earlier records in this input came from", u.ip, u.net, u.netRecords))
	case u.youngNet:
		out = append(out, fmt.Sprintf("made from %s, a network (%s) first seen for this user only %s earlier (the user's %d earlier records)", u.ip, u.net, u.netAge.Round(time.Minute), u.netRecords))
	}
	if u.newClient {
		out = append(out, fmt.Sprintf("made with client %q, which none of the user's %d earlier records in this input used", u.client, u.clientRecords))
	}
	return out
}
