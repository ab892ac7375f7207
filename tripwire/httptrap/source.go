package httptrap

import (
	"context"
	"net/http"
	"net/netip"
	"strings"
)

// Who the client is.
//
// The direct peer is the source unless it is a trusted proxy. Then the
// forwarding chain is walked from the right (the hop nearest to us) past
// every trusted proxy; the first address that is not one is the client.
// The chain comes from the RFC 7239 Forwarded header when present, else
// from X-Forwarded-For (comma-separated addresses, the de-facto format).
// An entry that is not an address (Forwarded's "unknown", "_hidden", junk)
// ends the walk at the last trusted hop: whatever is left of it came from
// the client and proves nothing.
//
//	Forwarded   = forwarded-element *( "," forwarded-element )
//	forwarded-element = [ pair ] *( ";" [ pair ] )
//	pair        = token "=" ( token / quoted-string )
//	for         = IPv4 [ ":" port ] / "[" IPv6 "]" [ ":" port ] / "unknown" / obfuscated
//
// Divergence: a quoted-string containing a comma or semicolon is split
// there; no address contains one, so it only ends the walk.

// maxChain bounds how many forwarding hops are examined.
const maxChain = 32

type clientKey struct{}

// ClientFrom returns the client address the trap judged a request to come
// from (after trusted-proxy handling), for the Login handler.
func ClientFrom(ctx context.Context) (netip.AddrPort, bool) {
	ap, ok := ctx.Value(clientKey{}).(netip.AddrPort)
	return ap, ok
}

// parseAddrPort reads "1.2.3.4", "1.2.3.4:5", "::1", "[::1]:5" or "[::1]".
func parseAddrPort(s string) (netip.AddrPort, bool) {
	s = strings.TrimSpace(s)
	if ap, err := netip.ParseAddrPort(s); err == nil {
		return netip.AddrPortFrom(ap.Addr().Unmap(), ap.Port()), true
	}
	s = strings.TrimSuffix(strings.TrimPrefix(s, "["), "]")
	if a, err := netip.ParseAddr(s); err == nil && a.Zone() == "" {
		return netip.AddrPortFrom(a.Unmap(), 0), true
	}
	return netip.AddrPort{}, false
}

func (s *Server) isTrusted(a netip.Addr) bool {
	for _, p := range s.trusted {
		if p.Contains(a) {
			return true
		}
	}
	return false
}

// client returns the judged client and the direct peer.
func (s *Server) client(r *http.Request) (src, peer netip.AddrPort) {
	peer, _ = parseAddrPort(r.RemoteAddr)
	src = peer
	if len(s.trusted) == 0 || !s.isTrusted(peer.Addr()) {
		return src, peer
	}
	var chain []string
	if fw := r.Header.Values("Forwarded"); len(fw) > 0 {
		chain = forwardedFor(fw)
	} else {
		for _, v := range r.Header.Values("X-Forwarded-For") {
			for e := range strings.SplitSeq(v, ",") {
				if len(chain) >= 4*maxChain {
					break
				}
				chain = append(chain, e)
			}
		}
	}
	for i, n := len(chain)-1, 0; i >= 0 && n < maxChain; i, n = i-1, n+1 {
		ap, ok := parseAddrPort(chain[i])
		if !ok {
			break
		}
		src = ap
		if !s.isTrusted(ap.Addr()) {
			break
		}
	}
	return src, peer
}

// forwardedFor returns the for= values of Forwarded header lines, one per
// element, "" for an element without one.
func forwardedFor(lines []string) []string {
	var out []string
	for _, line := range lines {
		for elem := range strings.SplitSeq(line, ",") {
			if len(out) >= 4*maxChain {
				return out
			}
			v := ""
			for pair := range strings.SplitSeq(elem, ";") {
				k, val, ok := strings.Cut(strings.TrimSpace(pair), "=")
				if ok && strings.EqualFold(k, "for") {
					v = strings.Trim(strings.TrimSpace(val), `"`)
				}
			}
			out = append(out, v)
		}
	}
	return out
}
