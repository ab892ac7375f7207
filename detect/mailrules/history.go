package mailrules

import (
	"fmt"
	"net/netip"
	"strings"
	"sync"
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
	nets      map[netip.Prefix]bool // network → seen (at most maxNets)
	clients   map[string]bool       // client program → seen (at most maxClients)
	withNet   int                   // records with a network
	withClien int                   // records with a client
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

// observe judges a record of user from ip and client against the
// records before it, then remembers it. It returns the reasons the
// source is unusual (none when it is not, or the history is too short).
func (h *history) observe(user, ip, client string, minHistory int) []string {
	user = strings.ToLower(strings.TrimSpace(user))
	nw, hasNet := netOf(ip)
	cl := clientOf(client)
	if user == "" || (!hasNet && cl == "") || minHistory < 0 {
		return nil
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	u := h.users[user]
	if u == nil {
		if len(h.users) >= h.maxUsers {
			return nil
		}
		u = &userHist{nets: map[netip.Prefix]bool{}, clients: map[string]bool{}}
		h.users[user] = u
	}
	var out []string
	if hasNet {
		if u.withNet >= minHistory && !u.nets[nw] && len(u.nets) < maxNets {
			out = append(out, fmt.Sprintf("made from %s, a network (%s) none of the user's %d earlier records in this input came from", ip, nw, u.withNet))
		}
		u.withNet++
		if len(u.nets) < maxNets {
			u.nets[nw] = true
		}
	}
	if cl != "" {
		if u.withClien >= minHistory && !u.clients[cl] && len(u.clients) < maxClients {
			out = append(out, fmt.Sprintf("made with client %q, which none of the user's %d earlier records in this input used", client, u.withClien))
		}
		u.withClien++
		if len(u.clients) < maxClients {
			u.clients[cl] = true
		}
	}
	return out
}
