package tripwire_test

import (
	"context"
	"fmt"
	"net/netip"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/mailtrip/mailtrip/alert"
	"github.com/mailtrip/mailtrip/store"
	"github.com/mailtrip/mailtrip/store/sqlite"
	"github.com/mailtrip/mailtrip/token"
	"github.com/mailtrip/mailtrip/tripwire"
)

type fixture struct {
	st      *store.Store
	svc     *tripwire.Service
	stop    func()
	link    string
	decoy   string
	url     token.SubID
	dns     token.SubID
	mid     token.SubID
	mu      sync.Mutex
	onAlert []alert.Alert
}

// newFixture stores one decoy with a link, a host name, a Message-ID and a
// credential, planted an hour ago in alice's INBOX/Finance, and starts a
// Service on it.
func newFixture(t testing.TB, opt tripwire.Options) *fixture {
	t.Helper()
	ctx := context.Background()
	st, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "mailtrip.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	id, _ := token.New()
	secret := []byte("0123456789abcdef0123456789abcdef")
	f := &fixture{st: st, decoy: id.String(),
		url: token.Derive(secret, id, token.KindURL, 0),
		dns: token.Derive(secret, id, token.KindDNS, 0),
		mid: token.Derive(secret, id, token.KindMessageID, 0)}
	d := store.Decoy{ID: f.decoy, Seed: 7, Theme: "payments", Subject: "Updated wire instructions",
		From: "cfo@example.com", MessageID: "<" + string(f.mid) + "@example.com>",
		Raw: []byte("Subject: Updated wire instructions\r\n\r\nbody\r\n")}
	tokens := []store.TokenRecord{
		{Sub: string(f.url), Kind: string(token.KindURL), Value: "http://127.0.0.1:8025/s/" + string(f.url) + "/wire.pdf"},
		{Sub: string(f.dns), Kind: string(token.KindDNS), Value: "vpn-" + string(f.dns) + ".canary.localhost"},
		{Sub: string(f.mid), Kind: string(token.KindMessageID), Value: d.MessageID},
		{Sub: string(token.Derive(secret, id, token.KindCredential, 0)), Kind: string(token.KindCredential), Value: "svc-treasury", Password: "Winter-Lake-42"},
	}
	f.link = tokens[0].Value
	if err := st.PutDecoy(ctx, d, tokens); err != nil {
		t.Fatal(err)
	}
	if _, err := st.AddPlanting(ctx, store.Planting{DecoyID: f.decoy, TargetKind: store.TargetMaildir,
		Target: "/var/mail/alice", Mailbox: "alice", Folder: "INBOX/Finance", Path: "/var/mail/alice/cur/1.eml",
		MessageID: d.MessageID, PlantedAt: time.Now().Add(-time.Hour)}); err != nil {
		t.Fatal(err)
	}
	opt.Store = st
	opt.Sinks = []string{"webhook"}
	opt.OnAlert = func(a alert.Alert, isNew bool) {
		if isNew {
			f.mu.Lock()
			f.onAlert = append(f.onAlert, a)
			f.mu.Unlock()
		}
	}
	f.svc, err = tripwire.NewService(opt)
	if err != nil {
		t.Fatal(err)
	}
	runCtx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() { f.svc.Run(runCtx); close(done) }()
	var once sync.Once
	f.stop = func() { once.Do(func() { cancel(); <-done }) }
	t.Cleanup(f.stop)
	return f
}

// stopService stops the fixture's Service.
func (f *fixture) stopService() { f.stop() }

func (f *fixture) record(t *testing.T, h tripwire.Hit) tripwire.Result {
	t.Helper()
	r, err := f.svc.Record(context.Background(), h)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// settle waits until every resolved hit is attributed.
func (f *fixture) settle(t *testing.T) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		n, err := f.st.CountHits(context.Background(), store.HitFilter{State: store.HitNew})
		if err != nil {
			t.Fatal(err)
		}
		if n == 0 {
			return
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Fatal("hits not attributed within 10s")
}

var attacker = netip.MustParseAddrPort("203.0.113.9:51000")

func TestServiceAttributesIncident(t *testing.T) {
	f := newFixture(t, tripwire.Options{})
	ctx := context.Background()
	r := f.record(t, tripwire.Hit{Trap: tripwire.TrapHTTP, Source: attacker, UserAgent: "curl/8.5",
		Subs: []token.SubID{"aaaaaaaaaaaaaaaa", f.url}, Detail: map[string]any{"method": "GET", "path": "/s/x/wire.pdf", "host": "127.0.0.1:8025"}})
	if r.Decoy != f.decoy || r.HitID == 0 {
		t.Fatalf("result = %+v, want decoy %s", r, f.decoy)
	}
	// The same attacker resolves the host name and follows the link again:
	// one incident, one alert.
	f.record(t, tripwire.Hit{Trap: tripwire.TrapDNS, Source: netip.AddrPortFrom(attacker.Addr(), 53), Subs: []token.SubID{f.dns},
		Detail: map[string]any{"qname": "vpn-" + string(f.dns) + ".canary.localhost.", "qtype": "A"}})
	f.record(t, tripwire.Hit{Trap: tripwire.TrapHTTP, Source: attacker, Subs: []token.SubID{f.url}})
	// An unknown token: stored, not attributed.
	if r := f.record(t, tripwire.Hit{Trap: tripwire.TrapHTTP, Source: attacker, Subs: []token.SubID{"bbbbbbbbbbbbbbbb"}}); r.Decoy != "" {
		t.Fatalf("unknown token resolved to %q", r.Decoy)
	}
	f.settle(t)

	as, err := f.st.Alerts(ctx, store.AlertFilter{})
	if err != nil {
		t.Fatal(err)
	}
	if len(as) != 1 {
		t.Fatalf("got %d alerts, want 1 (one incident): %+v", len(as), as)
	}
	a := as[0]
	if a.Rule.ID != "mailtrip-decoy-link-opened" || a.Rule.Level != alert.High {
		t.Errorf("rule = %+v", a.Rule)
	}
	if a.Decoy == nil || a.Decoy.ID != f.decoy || a.Decoy.Mailbox != "alice" || a.Decoy.Folder != "INBOX/Finance" || a.Decoy.Trigger != "http/url" {
		t.Errorf("decoy = %+v", a.Decoy)
	}
	if a.Actor == nil || a.Actor.IP != "203.0.113.9" || a.Actor.UserAgent != "curl/8.5" {
		t.Errorf("actor = %+v", a.Actor)
	}
	if a.MemberCount != 3 || len(a.Members) != 3 {
		t.Errorf("members = %d/%d, want 3", a.MemberCount, len(a.Members))
	}
	if got := a.Evidence["traps"]; fmt.Sprint(got) != "[http dns]" {
		t.Errorf("traps = %v", got)
	}
	incs, err := f.st.Incidents(ctx, f.decoy, 0)
	if err != nil || len(incs) != 1 || incs[0].Hits != 3 || incs[0].ID != a.ID {
		t.Fatalf("incidents = %+v, %v", incs, err)
	}
	hits, err := f.st.Hits(ctx, store.HitFilter{})
	if err != nil || len(hits) != 4 {
		t.Fatalf("hits = %d, %v; want 4 stored", len(hits), err)
	}
	f.mu.Lock()
	n := len(f.onAlert)
	f.mu.Unlock()
	if n != 1 {
		t.Errorf("OnAlert saw %d new alerts, want 1", n)
	}
}

func TestServiceScannerCredentialAndTest(t *testing.T) {
	f := newFixture(t, tripwire.Options{})
	ctx := context.Background()
	// Gmail's image proxy: low severity, its own incident.
	f.record(t, tripwire.Hit{Trap: tripwire.TrapHTTP, Source: netip.MustParseAddrPort("66.249.84.1:40000"),
		UserAgent: "Mozilla/5.0 (Windows NT 5.1; rv:11.0) Gecko Firefox/11.0 (via ggpht.com GoogleImageProxy)", Subs: []token.SubID{f.url}})
	// A wrong password is noise; the right one is critical.
	if r := f.record(t, tripwire.Hit{Trap: tripwire.TrapCred, Source: attacker, User: "svc-treasury", Password: "guess"}); r.Credential || r.Decoy != "" {
		t.Fatalf("wrong password resolved: %+v", r)
	}
	if r := f.record(t, tripwire.Hit{Trap: tripwire.TrapCred, Source: attacker, User: "svc-treasury", Password: "Winter-Lake-42",
		Detail: map[string]any{"protocol": "imap"}}); !r.Credential || r.Decoy != f.decoy {
		t.Fatalf("decoy credential not recognised: %+v", r)
	}
	// The decoy forwarded to the SMTP trap, recognised by its Message-ID.
	f.record(t, tripwire.Hit{Trap: tripwire.TrapSMTP, Source: netip.MustParseAddrPort("198.51.100.7:25"), Subs: []token.SubID{f.mid}})
	// decoy test: informational.
	f.record(t, tripwire.Hit{Trap: tripwire.TrapDNS, Source: netip.MustParseAddrPort("127.0.0.1:5353"), Subs: []token.SubID{f.dns}, Test: true})
	f.settle(t)

	as, err := f.st.Alerts(ctx, store.AlertFilter{})
	if err != nil {
		t.Fatal(err)
	}
	byRule := map[string]alert.Alert{}
	for _, a := range as {
		byRule[a.Rule.ID] = a
	}
	want := map[string]alert.Level{
		"mailtrip-decoy-link-opened":     alert.Low,
		"mailtrip-decoy-credential-used": alert.Critical,
		"mailtrip-decoy-mail-forwarded":  alert.Critical,
		"mailtrip-decoy-host-resolved":   alert.Informational,
	}
	if len(as) != len(want) {
		t.Fatalf("got %d alerts, want %d: %v", len(as), len(want), byRule)
	}
	for id, lvl := range want {
		a, ok := byRule[id]
		if !ok {
			t.Errorf("no %s alert", id)
			continue
		}
		if a.Rule.Level != lvl {
			t.Errorf("%s level = %s, want %s", id, a.Rule.Level, lvl)
		}
	}
	if a := byRule["mailtrip-decoy-credential-used"]; a.Actor == nil || a.Actor.User != "svc-treasury" {
		t.Errorf("credential alert actor = %+v", a.Actor)
	}
	// Only alerts at or above low were queued for the sink: the test one
	// stays in the store.
	f.mu.Lock()
	n := len(f.onAlert)
	f.mu.Unlock()
	if n != 4 {
		t.Errorf("OnAlert saw %d new alerts, want 4", n)
	}
	// The stored hit must not keep the password.
	hits, _ := f.st.Hits(ctx, store.HitFilter{})
	for _, h := range hits {
		if s := string(h.Data); contains(s, "Winter-Lake-42") || contains(s, "guess") {
			t.Fatalf("hit %d stores a password: %s", h.ID, s)
		}
	}
}

func contains(s, sub string) bool {
	for i := 0; i+len(sub) <= len(s); i++ {
		if s[i:i+len(sub)] == sub {
			return true
		}
	}
	return false
}

func TestServiceGroupCommit(t *testing.T) {
	f := newFixture(t, tripwire.Options{})
	const n = 400
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			src := netip.AddrPortFrom(netip.AddrFrom4([4]byte{192, 0, 2, byte(i % 8)}), uint16(1000+i))
			if _, err := f.svc.Record(context.Background(), tripwire.Hit{Trap: tripwire.TrapHTTP, Source: src, Subs: []token.SubID{f.url}}); err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	f.settle(t)
	st := f.svc.Stats()
	if st.Recorded.Load() != n {
		t.Fatalf("recorded %d, want %d", st.Recorded.Load(), n)
	}
	if st.Batches.Load() >= n {
		t.Errorf("%d transactions for %d concurrent hits: no group commit", st.Batches.Load(), n)
	}
	incs, _ := f.st.Incidents(context.Background(), f.decoy, 0)
	if len(incs) != 8 {
		t.Fatalf("incidents = %d, want one per source (8)", len(incs))
	}
	total := 0
	for _, in := range incs {
		total += in.Hits
	}
	if total != n {
		t.Fatalf("incidents count %d hits, want %d", total, n)
	}
	t.Logf("%d hits in %d transactions", n, st.Batches.Load())
}

func TestServiceRecoversUnattributed(t *testing.T) {
	// Hits stored but not attributed (a crash between the two) are picked
	// up by the next Service.
	f := newFixture(t, tripwire.Options{})
	ctx := context.Background()
	if _, err := f.st.AddHit(ctx, store.Hit{Trigger: tripwire.TrapHTTP, DecoyID: f.decoy, SubID: string(f.url),
		SourceIP: "203.0.113.50", Data: []byte(`{"method":"GET"}`)}); err != nil {
		t.Fatal(err)
	}
	svc2, err := tripwire.NewService(tripwire.Options{Store: f.st})
	if err != nil {
		t.Fatal(err)
	}
	if err := svc2.AttributePending(ctx); err != nil {
		t.Fatal(err)
	}
	f.settle(t)
	as, _ := f.st.Alerts(ctx, store.AlertFilter{})
	if len(as) != 1 || as[0].Actor.IP != "203.0.113.50" {
		t.Fatalf("alerts = %+v", as)
	}
}

func TestServiceTestWindow(t *testing.T) {
	f := newFixture(t, tripwire.Options{})
	ctx := context.Background()
	if err := f.st.StartDecoyTest(ctx, f.decoy, "127.0.0.1", store.PurposeTest, time.Now().Add(time.Minute)); err != nil {
		t.Fatal(err)
	}
	// The test's own touch is a test; the same touch from elsewhere in the
	// same minute is not.
	f.record(t, tripwire.Hit{Trap: tripwire.TrapHTTP, Source: netip.MustParseAddrPort("127.0.0.1:40000"), Subs: []token.SubID{f.url}})
	f.record(t, tripwire.Hit{Trap: tripwire.TrapHTTP, Source: attacker, Subs: []token.SubID{f.url}})
	f.settle(t)
	as, _ := f.st.Alerts(ctx, store.AlertFilter{})
	levels := map[alert.Level]int{}
	for _, a := range as {
		levels[a.Rule.Level]++
	}
	if len(as) != 2 || levels[alert.Informational] != 1 || levels[alert.High] != 1 {
		t.Fatalf("alerts: %v (want one test, one high)", levels)
	}
}

func TestServiceFileHitAfterRename(t *testing.T) {
	f := newFixture(t, tripwire.Options{})
	// The fixture's decoy is planted at /var/mail/alice/cur/1.eml; a
	// client that read it renamed it.
	f.record(t, tripwire.Hit{Trap: tripwire.TrapFile, Path: "/var/mail/alice/cur/1.eml:2,S",
		Detail: map[string]any{"event": "open", "pid": 4242, "exe": "/usr/bin/cp"}})
	f.settle(t)
	as, _ := f.st.Alerts(context.Background(), store.AlertFilter{})
	if len(as) != 1 || as[0].Rule.ID != "mailtrip-decoy-file-opened" || as[0].Decoy.Folder != "INBOX/Finance" {
		t.Fatalf("alerts = %+v", as)
	}
}

func TestServiceForwardedByMessageID(t *testing.T) {
	f := newFixture(t, tripwire.Options{})
	// A forwarded copy with every link stripped: only its Message-ID, as
	// References of the forward, says which decoy it was.
	d, err := f.st.Decoy(context.Background(), f.decoy)
	if err != nil {
		t.Fatal(err)
	}
	r := f.record(t, tripwire.Hit{Trap: tripwire.TrapSMTP, Source: netip.MustParseAddrPort("198.51.100.9:25"),
		Detail: map[string]any{"headers": map[string]any{"Message-ID": "<fwd-1@attacker.example>", "References": d.MessageID}}})
	if r.Decoy != f.decoy {
		t.Fatalf("forward not recognised by its Message-ID: %+v", r)
	}
	f.settle(t)
	as, _ := f.st.Alerts(context.Background(), store.AlertFilter{})
	if len(as) != 1 || as[0].Rule.ID != "mailtrip-decoy-mail-forwarded" {
		t.Fatalf("alerts: %+v", as)
	}
}

// TestServiceBusyIncident: an incident that keeps repeating itself past
// its member list has its alert refreshed lazily, and the stored alert
// counts every hit once the service stops.
func TestServiceBusyIncident(t *testing.T) {
	f := newFixture(t, tripwire.Options{})
	const n = 300
	var wg sync.WaitGroup
	for range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range n / 4 {
				if _, err := f.svc.Record(context.Background(), tripwire.Hit{Trap: tripwire.TrapHTTP, Source: attacker, Subs: []token.SubID{f.url}}); err != nil {
					t.Error(err)
					return
				}
			}
		}()
	}
	wg.Wait()
	f.stopService()
	as, err := f.st.Alerts(context.Background(), store.AlertFilter{})
	if err != nil || len(as) != 1 {
		t.Fatalf("alerts: %d %v", len(as), err)
	}
	if as[0].MemberCount != n || len(as[0].Members) != 100 {
		t.Errorf("stored alert counts %d members (%d listed), want %d (100 listed)", as[0].MemberCount, len(as[0].Members), n)
	}
	incs, _ := f.st.Incidents(context.Background(), f.decoy, 0)
	if len(incs) != 1 || incs[0].Hits != n {
		t.Errorf("incident: %+v", incs)
	}
}
