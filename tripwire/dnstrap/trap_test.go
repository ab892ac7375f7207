package dnstrap

import (
	"context"
	"errors"
	"math/rand/v2"
	"net"
	"net/netip"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/miekg/dns"

	"github.com/mailtrip/mailtrip/token"
	"github.com/mailtrip/mailtrip/tripwire"
)

const zone = "canary.test"

type recorder struct {
	mu   sync.Mutex
	hits []tripwire.Hit
	err  error
}

func (r *recorder) Record(ctx context.Context, h tripwire.Hit) (tripwire.Result, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.err != nil {
		return tripwire.Result{}, r.err
	}
	r.hits = append(r.hits, h)
	return tripwire.Result{}, nil
}

func (r *recorder) all() []tripwire.Hit {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]tripwire.Hit(nil), r.hits...)
}

func (r *recorder) last(t *testing.T) tripwire.Hit {
	t.Helper()
	h := r.all()
	if len(h) == 0 {
		t.Fatal("no hit recorded")
	}
	return h[len(h)-1]
}

func testSub(n int) token.SubID {
	var id token.ID
	id[0] = byte(n)
	return token.Derive([]byte("test secret for dnstrap tests!!!"), id, token.KindDNS, n)
}

func testConfig() Config {
	return Config{
		Zone: zone,
		A:    []netip.Addr{netip.MustParseAddr("192.0.2.10")},
		AAAA: []netip.Addr{netip.MustParseAddr("2001:db8::10")},
		TXT:  []string{"v=spf1 -all"},
	}
}

// start serves s over UDP and TCP on 127.0.0.1:0 and returns the two
// addresses; the server stops when the test ends.
func start(t *testing.T, s *Server) (udp, tcp string) {
	t.Helper()
	pc, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 2)
	go func() { done <- s.ServeUDP(ctx, pc) }()
	go func() { done <- s.Serve(ctx, ln) }()
	t.Cleanup(func() {
		cancel()
		for range 2 {
			select {
			case err := <-done:
				if err != nil {
					t.Errorf("serve returned %v", err)
				}
			case <-time.After(10 * time.Second):
				t.Error("serve did not return after cancel")
			}
		}
	})
	return pc.LocalAddr().String(), ln.Addr().String()
}

func exchange(t *testing.T, network, addr string, m *dns.Msg) *dns.Msg {
	t.Helper()
	c := &dns.Client{Net: network, Timeout: 3 * time.Second, UDPSize: 65535}
	var r *dns.Msg
	var err error
	for range 3 { // UDP on a loaded machine
		if r, _, err = c.Exchange(m, addr); err == nil {
			return r
		}
	}
	t.Fatalf("%s exchange %s: %v", network, m.Question[0].Name, err)
	return nil
}

func query(name string, qtype uint16) *dns.Msg {
	m := new(dns.Msg)
	m.SetQuestion(name, qtype)
	m.RecursionDesired = false
	return m
}

func TestAnswers(t *testing.T) {
	rec := &recorder{}
	s := New(testConfig(), rec, nil)
	udp, tcp := start(t, s)
	sub := string(testSub(1))
	tests := []struct {
		name    string
		qtype   uint16
		rcode   int
		aa      bool
		answers int
		rr      string // first answer, as text, minus the owner
	}{
		{"vpn-" + sub + ".canary.test.", dns.TypeA, dns.RcodeSuccess, true, 1, "A\t192.0.2.10"},
		{sub + ".files.canary.test.", dns.TypeAAAA, dns.RcodeSuccess, true, 1, "AAAA\t2001:db8::10"},
		{sub + ".canary.test.", dns.TypeMX, dns.RcodeSuccess, true, 1, "MX\t10 mx.canary.test."},
		{sub + ".canary.test.", dns.TypeTXT, dns.RcodeSuccess, true, 1, "TXT\t\"v=spf1 -all\""},
		{"canary.test.", dns.TypeSOA, dns.RcodeSuccess, true, 1, "SOA\tns1.canary.test. hostmaster.canary.test. 1 3600 900 604800 60"},
		{"canary.test.", dns.TypeNS, dns.RcodeSuccess, true, 1, "NS\tns1.canary.test."},
		{"www.canary.test.", dns.TypeNS, dns.RcodeSuccess, true, 0, ""},
		{"nothing-here.canary.test.", dns.TypeA, dns.RcodeSuccess, true, 1, "A\t192.0.2.10"},
		{sub + ".canary.test.", dns.TypeCNAME, dns.RcodeSuccess, true, 0, ""},
		{sub + ".canary.test.", dns.TypeANY, dns.RcodeSuccess, true, 1, "HINFO\t\"RFC8482\" \"\""},
		{"example.com.", dns.TypeA, dns.RcodeRefused, false, 0, ""},
		{"xcanary.test.", dns.TypeA, dns.RcodeRefused, false, 0, ""},
		{"canary.test.example.", dns.TypeA, dns.RcodeRefused, false, 0, ""},
		{`vpn\.canary.test.`, dns.TypeA, dns.RcodeRefused, false, 0, ""}, // one label "vpn.canary" under "test."
		{`a.canary\.test.`, dns.TypeA, dns.RcodeRefused, false, 0, ""},
	}
	for _, network := range []string{"udp", "tcp"} {
		addr := udp
		if network == "tcp" {
			addr = tcp
		}
		for _, tt := range tests {
			t.Run(network+"/"+dns.TypeToString[tt.qtype]+"/"+tt.name, func(t *testing.T) {
				r := exchange(t, network, addr, query(tt.name, tt.qtype))
				if r.Rcode != tt.rcode || r.Authoritative != tt.aa || len(r.Answer) != tt.answers || r.RecursionAvailable {
					t.Fatalf("rcode %s aa %v answers %d ra %v, want %s %v %d\n%v", dns.RcodeToString[r.Rcode], r.Authoritative, len(r.Answer), r.RecursionAvailable,
						dns.RcodeToString[tt.rcode], tt.aa, tt.answers, r)
				}
				if tt.answers > 0 {
					got := r.Answer[0].String()
					got = got[strings.Index(got, "IN\t")+3:]
					if got != tt.rr || r.Answer[0].Header().Name != tt.name {
						t.Errorf("answer %q owner %q, want %q", got, r.Answer[0].Header().Name, tt.rr)
					}
				}
				if tt.rcode == dns.RcodeSuccess && tt.answers == 0 && (len(r.Ns) != 1 || r.Ns[0].Header().Rrtype != dns.TypeSOA) {
					t.Errorf("NODATA without SOA: %v", r.Ns)
				}
			})
		}
	}
	st := s.Stats()
	if st.OutOfZone != 10 || st.Hits != 12 || st.Noise != 8 {
		t.Errorf("stats %+v", st)
	}
}

func TestHitDetail(t *testing.T) {
	rec := &recorder{}
	s := New(testConfig(), rec, nil)
	udp, tcp := start(t, s)
	sub := testSub(2)
	name := "sso-" + string(sub) + ".canary.test."
	for _, network := range []string{"udp", "tcp"} {
		m := query(name, dns.TypeA)
		m.Id = 4242
		m.SetEdns0(1232, true)
		opt := m.IsEdns0()
		opt.Option = append(opt.Option, &dns.EDNS0_SUBNET{Code: dns.EDNS0SUBNET, Family: 1, SourceNetmask: 24, Address: net.IPv4(198, 51, 100, 0).To4()})
		addr := map[string]string{"udp": udp, "tcp": tcp}[network]
		r := exchange(t, network, addr, m)
		h := rec.last(t)
		if h.Trap != tripwire.TrapDNS || len(h.Subs) != 1 || h.Subs[0] != sub || !h.Source.Addr().IsLoopback() || h.Source.Port() == 0 {
			t.Fatalf("%s: hit %+v", network, h)
		}
		want := map[string]any{
			"qname": strings.TrimSuffix(name, "."), "qtype": "A", "qclass": "IN", "transport": network,
			"id": 4242, "do_bit": true, "edns_client_subnet": "198.51.100.0/24", "rd": false,
		}
		for k, v := range want {
			if h.Detail[k] != v {
				t.Errorf("%s: Detail[%s] = %v, want %v", network, k, h.Detail[k], v)
			}
		}
		ropt := r.IsEdns0()
		if ropt == nil || !ropt.Do() || len(ropt.Option) != 1 {
			t.Errorf("%s: answer OPT %v", network, ropt)
		}
	}
}

// TestCase0x20: a resolver randomising the case of the name gets its case
// back and the hit carries the folded sub-id.
func TestCase0x20(t *testing.T) {
	rec := &recorder{}
	s := New(testConfig(), rec, nil)
	udp, _ := start(t, s)
	sub := testSub(3)
	b := []byte("vpn-" + string(sub) + ".CaNaRy.TeSt.")
	for i := range b {
		if i%2 == 0 && b[i] >= 'a' && b[i] <= 'z' {
			b[i] -= 'a' - 'A'
		}
	}
	name := string(b)
	r := exchange(t, "udp", udp, query(name, dns.TypeA))
	if r.Question[0].Name != name || r.Answer[0].Header().Name != name {
		t.Errorf("case not kept: question %q answer %q", r.Question[0].Name, r.Answer[0].Header().Name)
	}
	h := rec.last(t)
	if h.Subs[0] != sub || h.Detail["qname"] != strings.ToLower(strings.TrimSuffix(name, ".")) || h.Detail["qname_sent"] != name {
		t.Errorf("hit %v %v", h.Subs, h.Detail)
	}
}

func TestRepeats(t *testing.T) {
	rec := &recorder{}
	cfg := testConfig()
	cfg.DedupWindow = 300 * time.Millisecond
	s := New(cfg, rec, nil)
	udp, tcp := start(t, s)
	a := string(testSub(4)) + ".canary.test."
	b := string(testSub(5)) + ".canary.test."
	exchange(t, "udp", udp, query(a, dns.TypeA))
	exchange(t, "udp", udp, query(strings.ToUpper(a), dns.TypeAAAA))
	exchange(t, "tcp", tcp, query(a, dns.TypeHTTPS))
	exchange(t, "udp", udp, query(b, dns.TypeA))
	time.Sleep(400 * time.Millisecond)
	exchange(t, "udp", udp, query(a, dns.TypeA))
	hits := rec.all()
	if len(hits) != 5 {
		t.Fatalf("%d hits, want 5 (every lookup is recorded)", len(hits))
	}
	want := []struct {
		repeat bool
		n      any
	}{{false, nil}, {true, 1}, {true, 2}, {false, nil}, {false, nil}}
	for i, w := range want {
		if hits[i].Detail["repeat"] != w.repeat || hits[i].Detail["repeat_n"] != w.n {
			t.Errorf("hit %d: repeat %v n %v, want %v %v", i, hits[i].Detail["repeat"], hits[i].Detail["repeat_n"], w.repeat, w.n)
		}
	}
	if st := s.Stats(); st.Repeats != 2 || st.Hits != 5 {
		t.Errorf("stats %+v", st)
	}
}

func TestOutsideZoneClass(t *testing.T) {
	rec := &recorder{}
	s := New(testConfig(), rec, nil)
	udp, _ := start(t, s)
	m := query("version.bind.", dns.TypeTXT)
	m.Question[0].Qclass = dns.ClassCHAOS
	if r := exchange(t, "udp", udp, m); r.Rcode != dns.RcodeRefused {
		t.Errorf("CHAOS version.bind: %s", dns.RcodeToString[r.Rcode])
	}
	m = query(string(testSub(6))+".canary.test.", dns.TypeA)
	m.Question[0].Qclass = dns.ClassCHAOS
	if r := exchange(t, "udp", udp, m); r.Rcode != dns.RcodeRefused {
		t.Errorf("CHAOS in zone: %s", dns.RcodeToString[r.Rcode])
	}
	m = query("canary.test.", dns.TypeSOA)
	m.SetEdns0(1232, false)
	m.IsEdns0().SetVersion(1)
	if r := exchange(t, "udp", udp, m); r.Rcode != dns.RcodeBadVers {
		t.Errorf("EDNS version 1: %s", dns.RcodeToString[r.Rcode])
	}
	if len(rec.all()) != 0 {
		t.Error("refused queries were recorded")
	}
}

func TestTruncation(t *testing.T) {
	cfg := testConfig()
	for i := range 12 {
		cfg.TXT = append(cfg.TXT, strings.Repeat(string(rune('a'+i)), 300))
	}
	s := New(cfg, &recorder{}, nil)
	udp, tcp := start(t, s)
	name := string(testSub(7)) + ".canary.test."
	r := exchange(t, "udp", udp, query(name, dns.TypeTXT))
	if !r.Truncated {
		t.Error("large answer over UDP without EDNS not truncated")
	}
	m := query(name, dns.TypeTXT)
	m.SetEdns0(4096, false)
	r = exchange(t, "udp", udp, m)
	if !r.Truncated || len(r.Answer) == 0 || len(r.Answer) == 13 {
		t.Errorf("EDNS 4096 but our limit is %d: tc %v answers %d", DefaultUDPSize, r.Truncated, len(r.Answer))
	}
	if opt := r.IsEdns0(); opt == nil || opt.UDPSize() != DefaultUDPSize {
		t.Errorf("answer OPT %v, want our size %d", opt, DefaultUDPSize)
	}
	cfg.UDPSize = 8192
	udp2, _ := start(t, New(cfg, &recorder{}, nil))
	if r = exchange(t, "udp", udp2, m); r.Truncated || len(r.Answer) != 13 {
		t.Errorf("UDPSize 8192, EDNS 4096: tc %v answers %d", r.Truncated, len(r.Answer))
	}
	r = exchange(t, "tcp", tcp, query(name, dns.TypeTXT))
	if r.Truncated || len(r.Answer) != 13 {
		t.Errorf("TCP: tc %v answers %d", r.Truncated, len(r.Answer))
	}
	if got := r.Answer[1].(*dns.TXT).Txt; len(got) != 2 || len(got[0]) != 255 {
		t.Errorf("300-byte TXT split as %d strings", len(got))
	}
}

func TestMalformed(t *testing.T) {
	rec := &recorder{}
	s := New(testConfig(), rec, nil)
	udp, tcp := start(t, s)
	valid, _ := query(string(testSub(8))+".canary.test.", dns.TypeA).Pack()
	two := append([]byte(nil), valid...)
	two[5] = 2 // qdcount 2
	resp := append([]byte(nil), valid...)
	resp[2] |= 0x80 // QR: a response
	rng := rand.New(rand.NewPCG(1, 2))
	junk := make([]byte, 200)
	for i := range junk {
		junk[i] = byte(rng.Uint32())
	}
	junk[4], junk[5] = 0, 1
	junk[2] &^= 0xF8 // a query, opcode 0
	packets := [][]byte{
		{1, 2, 3},
		valid[:14],             // header, truncated question
		valid[:len(valid)-2],   // question without its class
		two,                    // two questions
		resp,                   // a response
		junk,                   // garbage behind a plausible header
		append(valid, 0, 0, 0), // trailing bytes
	}
	conn, err := net.Dial("udp", udp)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	for _, p := range packets {
		if _, err := conn.Write(p); err != nil {
			t.Fatal(err)
		}
	}
	tc, err := net.Dial("tcp", tcp)
	if err != nil {
		t.Fatal(err)
	}
	tc.Write([]byte{0, 5, 1, 2, 3, 4, 5})
	tc.Close()
	// The server still answers.
	deadline := time.Now().Add(5 * time.Second)
	for s.Stats().Malformed < 6 && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	r := exchange(t, "udp", udp, query("canary.test.", dns.TypeSOA))
	if r.Rcode != dns.RcodeSuccess {
		t.Errorf("after malformed packets: %s", dns.RcodeToString[r.Rcode])
	}
	if st := s.Stats(); st.Malformed < 6 || st.Errors != 0 {
		t.Errorf("stats %+v, want ≥6 malformed", st)
	}
}

func TestLimiter(t *testing.T) {
	rec := &recorder{}
	cfg := testConfig()
	cfg.Limiter = tripwire.NewLimiter(0.001, 2)
	s := New(cfg, rec, nil)
	udp, _ := start(t, s)
	name := string(testSub(9)) + ".canary.test."
	var rcodes []int
	for range 3 {
		rcodes = append(rcodes, exchange(t, "udp", udp, query(name, dns.TypeA)).Rcode)
	}
	if rcodes[0] != 0 || rcodes[1] != 0 || rcodes[2] != dns.RcodeRefused {
		t.Errorf("rcodes %v", rcodes)
	}
	if st := s.Stats(); st.Refused != 1 || st.Hits != 2 || len(rec.all()) != 2 {
		t.Errorf("stats %+v", st)
	}
}

func TestRecordFails(t *testing.T) {
	s := New(testConfig(), &recorder{err: errors.New("store down")}, nil)
	udp, _ := start(t, s)
	r := exchange(t, "udp", udp, query(string(testSub(10))+".canary.test.", dns.TypeA))
	if r.Rcode != dns.RcodeServerFailure || len(r.Answer) != 0 {
		t.Errorf("rcode %s, want SERVFAIL", dns.RcodeToString[r.Rcode])
	}
	if s.Stats().Errors != 1 {
		t.Errorf("stats %+v", s.Stats())
	}
}

func TestBadZone(t *testing.T) {
	for _, z := range []string{"", ".", "bad..zone", strings.Repeat("a", 64) + ".test"} {
		s := New(Config{Zone: z}, &recorder{}, nil)
		pc, err := net.ListenPacket("udp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		if err := s.ServeUDP(context.Background(), pc); err == nil {
			t.Errorf("zone %q accepted", z)
		}
	}
}

func TestShutdown(t *testing.T) {
	s := New(testConfig(), &recorder{}, nil)
	pc, _ := net.ListenPacket("udp", "127.0.0.1:0")
	ln, _ := net.Listen("tcp", "127.0.0.1:0")
	done := make(chan error, 2)
	go func() { done <- s.ServeUDP(context.Background(), pc) }()
	go func() { done <- s.Serve(context.Background(), ln) }()
	exchange(t, "udp", pc.LocalAddr().String(), query("canary.test.", dns.TypeSOA))
	exchange(t, "tcp", ln.Addr().String(), query("canary.test.", dns.TypeSOA))
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := s.Shutdown(ctx); err != nil {
		t.Fatal(err)
	}
	for range 2 {
		if err := <-done; err != nil {
			t.Errorf("serve: %v", err)
		}
	}
	if _, err := net.DialTimeout("tcp", ln.Addr().String(), time.Second); err == nil {
		t.Error("TCP still accepting after Shutdown")
	}
	// Serving after Shutdown returns at once.
	pc2, _ := net.ListenPacket("udp", "127.0.0.1:0")
	if err := s.ServeUDP(context.Background(), pc2); err != nil {
		t.Error(err)
	}
}

// TestDNSNames: every host name shape token.DNSName writes is found.
func TestDNSNames(t *testing.T) {
	for seed := range 200 {
		sub := testSub(seed)
		name, err := token.DNSName(sub, "Canary.Test", rand.New(rand.NewPCG(uint64(seed), 3)))
		if err != nil {
			t.Fatal(err)
		}
		subs, ok := Candidates(dns.Fqdn(name), zone+".")
		if !ok || len(subs) != 1 || subs[0] != sub {
			t.Fatalf("%s: %v %v", name, subs, ok)
		}
	}
}
