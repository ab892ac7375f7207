package dnstrap

import (
	"context"
	"net"
	"net/netip"
	"strings"
	"time"

	"github.com/miekg/dns"

	"github.com/mailtrip/mailtrip/token"
	"github.com/mailtrip/mailtrip/tripwire"
)

// maxQuerySize is the largest UDP query read; longer datagrams are cut
// and then fail to parse (counted as malformed).
const maxQuerySize = 4096

var _ dns.Handler = (*Server)(nil)

// ServeDNS answers one query; miekg/dns calls it. Exported only because
// miekg/dns needs it.
func (s *Server) ServeDNS(w dns.ResponseWriter, req *dns.Msg) {
	defer func() {
		// Input never panics this code; should a bug, one query is lost,
		// not the server.
		if v := recover(); v != nil {
			s.errs.Add(1)
			s.log.Error("dnstrap: panic answering a query", "panic", v)
		}
	}()
	src := addrPort(w.RemoteAddr())
	_, tcp := w.RemoteAddr().(*net.TCPAddr)
	if len(req.Question) != 1 || req.Response {
		s.malformed.Add(1)
		return
	}
	s.queries.Add(1)
	select {
	case s.inflight <- struct{}{}:
		defer func() { <-s.inflight }()
	default:
		s.busy.Add(1)
		if tcp {
			s.reply(w, req, dns.RcodeServerFailure, tcp)
		}
		return
	}
	if !s.cfg.Limiter.Allow(src.Addr()) {
		s.refused.Add(1)
		s.reply(w, req, dns.RcodeRefused, tcp)
		return
	}
	opt := req.IsEdns0()
	if opt != nil && opt.Version() != 0 {
		s.reply(w, req, dns.RcodeBadVers, tcp)
		return
	}
	if req.Opcode != dns.OpcodeQuery {
		s.reply(w, req, dns.RcodeNotImplemented, tcp)
		return
	}
	q := req.Question[0]
	rel, ok := zoneOf(q.Name, s.zoneLbls)
	if !ok || (q.Qclass != dns.ClassINET && q.Qclass != dns.ClassANY) {
		s.outOfZone.Add(1)
		s.reply(w, req, dns.RcodeRefused, tcp)
		return
	}
	if subs := findSubs(rel); len(subs) > 0 {
		if err := s.record(q, rel, req, opt, src, tcp, subs); err != nil {
			s.errs.Add(1)
			s.log.Error("dnstrap: record hit", "source", src, "qname", q.Name, "err", err)
			s.reply(w, req, dns.RcodeServerFailure, tcp)
			return
		}
	} else {
		s.noise.Add(1)
	}
	m := s.answer(req, q, rel)
	s.write(w, req, m, tcp)
}

// record hands the touch to the recorder, marking repeats.
func (s *Server) record(q dns.Question, rel string, req *dns.Msg, opt *dns.OPT, src netip.AddrPort, tcp bool, subs []token.SubID) error {
	qname := strings.TrimSuffix(strings.ToLower(q.Name), ".")
	transport := "udp"
	if tcp {
		transport = "tcp"
	}
	detail := map[string]any{
		"qname":     qname,
		"qtype":     dns.Type(q.Qtype).String(),
		"qclass":    dns.Class(q.Qclass).String(),
		"transport": transport,
		"id":        int(req.Id),
		"rd":        req.RecursionDesired,
		"do_bit":    opt != nil && opt.Do(),
	}
	if q.Name != strings.ToLower(q.Name) {
		detail["qname_sent"] = q.Name // 0x20 case as the resolver sent it
	}
	if opt != nil {
		detail["edns_udp_size"] = int(opt.UDPSize())
		if ecs := clientSubnet(opt); ecs != "" {
			detail["edns_client_subnet"] = ecs
		}
	}
	now := time.Now()
	if s.dedup != nil {
		repeat, n := s.dedup.see(qname, now)
		detail["repeat"] = repeat
		if repeat {
			detail["repeat_n"] = n
		}
	}
	hit := tripwire.Hit{
		Time:   now,
		Trap:   tripwire.TrapDNS,
		Source: src,
		Subs:   subs,
		Detail: detail,
	}
	ctx, cancel := context.WithTimeout(context.Background(), s.cfg.RecordTimeout)
	defer cancel()
	if _, err := s.rec.Record(ctx, hit); err != nil {
		return err
	}
	s.hits.Add(1)
	if r, _ := detail["repeat"].(bool); r {
		s.repeats.Add(1)
	}
	return nil
}

// clientSubnet returns the EDNS Client Subnet option (RFC 7871) as a
// prefix, "" when there is none or it does not parse.
func clientSubnet(opt *dns.OPT) string {
	for _, o := range opt.Option {
		e, ok := o.(*dns.EDNS0_SUBNET)
		if !ok {
			continue
		}
		a, ok := netip.AddrFromSlice(e.Address)
		if !ok {
			return ""
		}
		a = a.Unmap()
		p, err := a.Prefix(int(e.SourceNetmask))
		if err != nil {
			return ""
		}
		return p.String()
	}
	return ""
}

func addrPort(a net.Addr) netip.AddrPort {
	switch a := a.(type) {
	case *net.UDPAddr:
		ap := a.AddrPort()
		return netip.AddrPortFrom(ap.Addr().Unmap(), ap.Port())
	case *net.TCPAddr:
		ap := a.AddrPort()
		return netip.AddrPortFrom(ap.Addr().Unmap(), ap.Port())
	}
	if a == nil {
		return netip.AddrPort{}
	}
	ap, _ := netip.ParseAddrPort(a.String())
	return ap
}

// reply answers with just an rcode (and OPT when the query had one).
func (s *Server) reply(w dns.ResponseWriter, req *dns.Msg, rcode int, tcp bool) {
	m := new(dns.Msg)
	m.SetRcode(req, rcode)
	m.RecursionAvailable = false
	s.write(w, req, m, tcp)
}

// write adds the OPT record a query with EDNS gets back, truncates what
// does not fit a UDP answer, and sends.
func (s *Server) write(w dns.ResponseWriter, req, m *dns.Msg, tcp bool) {
	size := dns.MinMsgSize
	if opt := req.IsEdns0(); opt != nil {
		o := &dns.OPT{Hdr: dns.RR_Header{Name: ".", Rrtype: dns.TypeOPT}}
		o.SetUDPSize(uint16(s.cfg.UDPSize))
		o.SetDo(opt.Do())
		if m.Rcode > 0xF {
			o.SetExtendedRcode(uint16(m.Rcode))
		}
		for _, op := range opt.Option {
			if e, ok := op.(*dns.EDNS0_SUBNET); ok {
				// RFC 7871 §7.2.1: echo it; scope 0, the answer is the same
				// for every client.
				o.Option = append(o.Option, &dns.EDNS0_SUBNET{
					Code: dns.EDNS0SUBNET, Family: e.Family, SourceNetmask: e.SourceNetmask, Address: e.Address,
				})
				break
			}
		}
		m.Extra = append(m.Extra, o)
		size = min(max(int(opt.UDPSize()), dns.MinMsgSize), s.cfg.UDPSize)
	}
	if !tcp {
		m.Truncate(size)
	}
	if err := w.WriteMsg(m); err != nil {
		s.log.Debug("dnstrap: write answer", "err", err)
	}
}
