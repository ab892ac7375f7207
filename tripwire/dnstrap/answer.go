package dnstrap

import (
	"strings"

	"github.com/miekg/dns"
)

// answer builds the authoritative answer for q, a name in the zone (rel is
// its part in front of the zone). Every name in the zone exists and has
// the same records, so the answer says nothing about which names carry a
// live token:
//
//	A, AAAA   Config.A / AAAA (NODATA when none configured)
//	MX        10 Config.MX, with address glue when that host is in the zone
//	TXT       Config.TXT
//	SOA, NS   at the apex; NODATA below it
//	ANY       HINFO "RFC8482" (RFC 8482 §4.2)
//	others    NODATA (NOERROR, SOA in the authority section)
func (s *Server) answer(req *dns.Msg, q dns.Question, rel string) *dns.Msg {
	m := new(dns.Msg)
	m.SetReply(req)
	m.Authoritative = true
	m.RecursionAvailable = false
	m.Compress = true
	name := q.Name // as asked: resolvers using 0x20 compare the case
	apex := rel == ""
	hdr := func(t uint16) dns.RR_Header {
		return dns.RR_Header{Name: name, Rrtype: t, Class: dns.ClassINET, Ttl: secs(s.cfg.TTL)}
	}
	switch q.Qtype {
	case dns.TypeA:
		m.Answer = s.addrs(name, dns.TypeA)
	case dns.TypeAAAA:
		m.Answer = s.addrs(name, dns.TypeAAAA)
	case dns.TypeMX:
		m.Answer = []dns.RR{&dns.MX{Hdr: hdr(dns.TypeMX), Preference: 10, Mx: s.cfg.MX}}
		m.Extra = s.glue(s.cfg.MX)
	case dns.TypeTXT:
		for _, t := range s.cfg.TXT {
			m.Answer = append(m.Answer, &dns.TXT{Hdr: hdr(dns.TypeTXT), Txt: chunks(t)})
		}
	case dns.TypeSOA:
		if apex {
			soa := *s.soa
			soa.Hdr.Name = name
			m.Answer = []dns.RR{&soa}
		}
	case dns.TypeNS:
		if apex {
			for _, ns := range s.cfg.NS {
				m.Answer = append(m.Answer, &dns.NS{Hdr: hdr(dns.TypeNS), Ns: ns})
				m.Extra = append(m.Extra, s.glue(ns)...)
			}
		}
	case dns.TypeANY:
		m.Answer = []dns.RR{&dns.HINFO{Hdr: hdr(dns.TypeHINFO), Cpu: "RFC8482"}}
	}
	if len(m.Answer) == 0 {
		// NODATA: the name exists, the type does not; the SOA bounds how
		// long a resolver caches that (RFC 2308 §3).
		soa := *s.soa
		soa.Hdr.Ttl = min(soa.Hdr.Ttl, soa.Minttl)
		m.Ns = []dns.RR{&soa}
	}
	return m
}

func (s *Server) addrs(name string, t uint16) []dns.RR {
	var out []dns.RR
	h := dns.RR_Header{Name: name, Rrtype: t, Class: dns.ClassINET, Ttl: secs(s.cfg.TTL)}
	if t == dns.TypeA {
		for _, a := range s.cfg.A {
			if a.Unmap().Is4() {
				b := a.Unmap().As4()
				out = append(out, &dns.A{Hdr: h, A: b[:]})
			}
		}
		return out
	}
	for _, a := range s.cfg.AAAA {
		if a.Is6() && !a.Is4In6() {
			b := a.As16()
			out = append(out, &dns.AAAA{Hdr: h, AAAA: b[:]})
		}
	}
	return out
}

// glue returns address records for host when it is in the zone.
func (s *Server) glue(host string) []dns.RR {
	if _, ok := zoneOf(host, s.zoneLbls); !ok {
		return nil
	}
	return append(s.addrs(strings.ToLower(host), dns.TypeA), s.addrs(strings.ToLower(host), dns.TypeAAAA)...)
}

// chunks splits a TXT string into character-strings of at most 255 bytes
// (RFC 1035 §3.3.14), escaping as miekg/dns's presentation form wants.
func chunks(t string) []string {
	var out []string
	for len(t) > 255 {
		out = append(out, escapeTXT(t[:255]))
		t = t[255:]
	}
	return append(out, escapeTXT(t))
}

func escapeTXT(s string) string {
	if !strings.ContainsAny(s, `"\`) {
		return s
	}
	return strings.NewReplacer(`\`, `\\`, `"`, `\"`).Replace(s)
}
