package dnstrap

import (
	"net"
	"strings"
	"testing"

	"github.com/miekg/dns"

	"github.com/mailtrip/mailtrip/token"
)

// FuzzCandidates: any query name and zone, no panic; at most MaxSubs
// distinct valid sub-ids; a name outside the zone has none; the zone's own
// labels are never searched.
func FuzzCandidates(f *testing.F) {
	f.Add("vpn-abcdefghijklmnop.canary.test.", "canary.test")
	f.Add("ABCDEFGHIJKLMNOP.Files.CANARY.test", "canary.test.")
	f.Add(`abcdefghijklmnop\.canary.test.`, "canary.test")
	f.Add("abcdefghijklmnop.canary.test.example.", "canary.test")
	f.Add("x.abcdefghijklmnop.", "abcdefghijklmnop")
	f.Add(".", ".")
	f.Add(`\065bcdefghijklmnop.canary.test.`, "canary.test")
	f.Fuzz(func(t *testing.T, qname, zone string) {
		subs, in := Candidates(qname, zone)
		if len(subs) > MaxSubs {
			t.Fatalf("%d candidates", len(subs))
		}
		if !in && len(subs) > 0 {
			t.Fatal("candidates outside the zone")
		}
		seen := map[token.SubID]bool{}
		for _, s := range subs {
			if _, err := token.ParseSubID(string(s)); err != nil || seen[s] {
				t.Fatalf("bad or duplicate candidate %q", s)
			}
			seen[s] = true
			if !strings.Contains(strings.ToLower(qname), string(s)) {
				t.Fatalf("candidate %q not in %q", s, qname)
			}
		}
		if in && len(subs) > 0 {
			// The zone's labels alone yield nothing.
			if z, _ := Candidates(zone, zone); len(z) != 0 {
				t.Fatalf("zone %q searched", zone)
			}
		}
	})
}

// FuzzServeDNS: any message miekg/dns parses is answered without a panic
// (ServeDNS would recover and count an error) and with a message that packs.
func FuzzServeDNS(f *testing.F) {
	for _, m := range []*dns.Msg{
		query("vpn-abcdefghijklmnop.canary.test.", dns.TypeA),
		query("canary.test.", dns.TypeNS),
		query("example.org.", dns.TypeMX),
	} {
		m.SetEdns0(4096, true)
		b, _ := m.Pack()
		f.Add(b)
	}
	cfg := testConfig()
	cfg.TXT = append(cfg.TXT, strings.Repeat("x", 700), `quote " and \ backslash`)
	s := New(cfg, &recorder{}, nil)
	f.Fuzz(func(t *testing.T, b []byte) {
		m := new(dns.Msg)
		if err := m.Unpack(b); err != nil {
			return
		}
		w := &fakeWriter{}
		s.ServeDNS(w, m)
		if s.Stats().Errors != 0 {
			t.Fatal("ServeDNS panicked or failed")
		}
		if w.msg != nil {
			if _, err := w.msg.Pack(); err != nil {
				t.Fatalf("answer does not pack: %v\n%v", err, w.msg)
			}
		}
	})
}

// fakeWriter is a dns.ResponseWriter keeping the answer.
type fakeWriter struct {
	msg *dns.Msg
	tcp bool
}

func (w *fakeWriter) LocalAddr() net.Addr { return &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1), Port: 53} }
func (w *fakeWriter) RemoteAddr() net.Addr {
	if w.tcp {
		return &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1), Port: 5353}
	}
	return &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1), Port: 5353}
}
func (w *fakeWriter) WriteMsg(m *dns.Msg) error   { w.msg = m; return nil }
func (w *fakeWriter) Write(b []byte) (int, error) { return len(b), nil }
func (w *fakeWriter) Close() error                { return nil }
func (w *fakeWriter) TsigStatus() error           { return nil }
func (w *fakeWriter) TsigTimersOnly(bool)         {}
func (w *fakeWriter) Hijack()                     {}
