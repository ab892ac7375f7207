package store_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/mailtrip/mailtrip/alert"
	"github.com/mailtrip/mailtrip/event"
	"github.com/mailtrip/mailtrip/store"
	"github.com/mailtrip/mailtrip/store/sqlite"
)

// newStore opens a fresh SQLite file store in a temporary directory.
func newStore(t testing.TB) *store.Store {
	t.Helper()
	s, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "mailtrip.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// decoyID makes a 26-character id like the token package's.
func decoyID(n int) string { return fmt.Sprintf("d%025d", n) }

func testDecoy(n int) store.Decoy {
	return store.Decoy{
		ID:        decoyID(n),
		CreatedAt: time.Date(2025, 3, 1, 9, 0, n, 0, time.UTC),
		Seed:      int64(1000 + n),
		Theme:     "payroll",
		Subject:   fmt.Sprintf("Q3 payroll %d", n),
		From:      "hr@example.com",
		MessageID: fmt.Sprintf("<decoy-%d@example.com>", n),
		Raw:       []byte(fmt.Sprintf("From: hr@example.com\r\nSubject: Q3 payroll %d\r\n\r\nuser svc-backup password Xq7-%d\r\n", n, n)),
		Profile:   json.RawMessage(`{"persona":"hr"}`),
	}
}

func testTokens(n int) []store.TokenRecord {
	return []store.TokenRecord{
		{Sub: fmt.Sprintf("url%d", n), Kind: "url", Value: fmt.Sprintf("https://files.example.com/s/url%d/Q3.pdf", n)},
		{Sub: fmt.Sprintf("dns%d", n), Kind: "dns", Value: fmt.Sprintf("dns%d.canary.localhost", n)},
		{Sub: fmt.Sprintf("cred%d", n), Kind: "credential", Value: "svc-backup", Password: fmt.Sprintf("Xq7-%d", n)},
	}
}

func putDecoy(t testing.TB, s *store.Store, n int) store.Decoy {
	t.Helper()
	d := testDecoy(n)
	if err := s.PutDecoy(context.Background(), d, testTokens(n)); err != nil {
		t.Fatal(err)
	}
	return d
}

func TestDecoyRoundTrip(t *testing.T) {
	ctx := context.Background()
	s := newStore(t)
	want := putDecoy(t, s, 1)
	putDecoy(t, s, 2)

	got, err := s.Decoy(ctx, want.ID)
	if err != nil {
		t.Fatal(err)
	}
	if string(got.Raw) != string(want.Raw) || got.MessageID != want.MessageID || got.Seed != want.Seed ||
		got.Subject != want.Subject || got.From != want.From || got.Theme != want.Theme ||
		!got.CreatedAt.Equal(want.CreatedAt) || string(got.Profile) != string(want.Profile) {
		t.Errorf("Decoy = %+v\nwant %+v", got, want)
	}
	if len(got.SHA256) != 64 {
		t.Errorf("SHA256 = %q, want 64 hex digits", got.SHA256)
	}

	list, err := s.Decoys(ctx, store.DecoyFilter{})
	if err != nil {
		t.Fatal(err)
	}
	if len(list) != 2 || list[0].ID != decoyID(2) || list[0].Raw != nil {
		t.Errorf("Decoys = %d decoys, first %q with %d raw bytes; want 2, newest first, no raw", len(list), list[0].ID, len(list[0].Raw))
	}
	byMID, err := s.Decoys(ctx, store.DecoyFilter{MessageID: want.MessageID})
	if err != nil || len(byMID) != 1 || byMID[0].ID != want.ID {
		t.Errorf("Decoys by Message-ID = %v, %v", byMID, err)
	}
	if l, _ := s.Decoys(ctx, store.DecoyFilter{Limit: 1}); len(l) != 1 {
		t.Errorf("Decoys Limit 1 = %d decoys", len(l))
	}

	toks, err := s.Tokens(ctx, want.ID)
	if err != nil || len(toks) != 3 {
		t.Fatalf("Tokens = %v, %v", toks, err)
	}
	for _, tk := range toks {
		if tk.DecoyID != want.ID || tk.Password != "" || !tk.CreatedAt.Equal(want.CreatedAt) {
			t.Errorf("token %+v", tk)
		}
	}

	if _, err := s.Decoy(ctx, decoyID(99)); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("Decoy(unknown) error = %v, want ErrNotFound", err)
	}
}

func TestPutDecoyRejects(t *testing.T) {
	ctx := context.Background()
	s := newStore(t)
	putDecoy(t, s, 1)

	dupMID := testDecoy(2)
	dupMID.MessageID = testDecoy(1).MessageID
	badSum := testDecoy(3)
	badSum.SHA256 = "00"
	shortID := testDecoy(4)
	shortID.ID = "short"
	tests := []struct {
		name   string
		d      store.Decoy
		tokens []store.TokenRecord
		want   error
	}{
		{"same id", testDecoy(1), nil, store.ErrExists},
		{"same Message-ID", dupMID, nil, store.ErrExists},
		{"sub-id in use", testDecoy(5), testTokens(1)[:1], store.ErrExists},
		{"credential in use", testDecoy(6), []store.TokenRecord{{Sub: "x6", Kind: "credential", Value: "svc-backup", Password: "Xq7-1"}}, store.ErrExists},
		{"sha256 mismatch", badSum, nil, store.ErrInvalid},
		{"short id", shortID, nil, store.ErrInvalid},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := s.PutDecoy(ctx, tt.d, tt.tokens)
			if !errors.Is(err, tt.want) {
				t.Fatalf("PutDecoy error = %v, want %v", err, tt.want)
			}
			// All or nothing: a failed token leaves no decoy behind.
			if tt.d.ID != decoyID(1) {
				if _, err := s.Decoy(ctx, tt.d.ID); !errors.Is(err, store.ErrNotFound) {
					t.Errorf("decoy %s stored despite error: %v", tt.d.ID, err)
				}
			}
		})
	}
}

func TestLookup(t *testing.T) {
	ctx := context.Background()
	s := newStore(t)
	putDecoy(t, s, 1)
	putDecoy(t, s, 2)

	tk, err := s.LookupSub(ctx, "dns2")
	if err != nil {
		t.Fatal(err)
	}
	if tk.DecoyID != decoyID(2) || tk.Kind != "dns" || tk.Value != "dns2.canary.localhost" {
		t.Errorf("LookupSub = %+v", tk)
	}
	if _, err := s.LookupSub(ctx, "nope"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("LookupSub(unknown) error = %v", err)
	}

	// The same user name on two decoys: the password tells them apart.
	for _, n := range []int{1, 2} {
		tk, err := s.LookupCredential(ctx, "svc-backup", fmt.Sprintf("Xq7-%d", n))
		if err != nil {
			t.Fatal(err)
		}
		if tk.DecoyID != decoyID(n) || tk.Sub != fmt.Sprintf("cred%d", n) || tk.Password != "" {
			t.Errorf("LookupCredential #%d = %+v", n, tk)
		}
	}
	for _, c := range [][2]string{{"svc-backup", "wrong"}, {"SVC-backup", "Xq7-1"}, {"", ""}} {
		if _, err := s.LookupCredential(ctx, c[0], c[1]); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("LookupCredential(%q, %q) error = %v, want ErrNotFound", c[0], c[1], err)
		}
	}
}

func TestPlantings(t *testing.T) {
	ctx := context.Background()
	s := newStore(t)
	putDecoy(t, s, 1)
	putDecoy(t, s, 2)
	at := time.Date(2025, 3, 2, 10, 0, 0, 0, time.UTC)
	p1 := store.Planting{DecoyID: decoyID(1), TargetKind: store.TargetMaildir, Target: "/var/mail/alice",
		Mailbox: "alice", Folder: ".Archive", Path: "/var/mail/alice/.Archive/cur/1.M1:2,S",
		MessageID: "<decoy-1@example.com>", SHA256: "ab", PlantedAt: at}
	p2 := store.Planting{DecoyID: decoyID(2), TargetKind: store.TargetIMAP, Target: "imaps://alice@mail.example.com",
		Mailbox: "alice", Folder: "INBOX", UIDValidity: 7, UID: 42, PlantedAt: at}
	p3 := store.Planting{DecoyID: decoyID(1), TargetKind: store.TargetMbox, Target: "/var/mail/bob", Offset: 0}
	var ids []int64
	for _, p := range []store.Planting{p1, p2, p3} {
		id, err := s.AddPlanting(ctx, p)
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, id)
	}

	t.Run("duplicate", func(t *testing.T) {
		if _, err := s.AddPlanting(ctx, p1); !errors.Is(err, store.ErrExists) {
			t.Errorf("second planting in the same place: error = %v, want ErrExists", err)
		}
		other := p1
		other.Folder = ".Sent"
		if _, err := s.AddPlanting(ctx, other); err != nil {
			t.Errorf("same decoy, other folder: %v", err)
		}
		if err := s.MarkRemoved(ctx, ids[0], time.Time{}); err != nil {
			t.Fatal(err)
		}
		if _, err := s.AddPlanting(ctx, p1); err != nil {
			t.Errorf("replanting after removal: %v", err)
		}
	})
	t.Run("rejected", func(t *testing.T) {
		for name, p := range map[string]store.Planting{
			"unknown decoy": {DecoyID: decoyID(99), TargetKind: store.TargetMbox, Target: "/x"},
			"password":      {DecoyID: decoyID(1), TargetKind: store.TargetIMAP, Target: "imap://alice:secret@mail.example.com"},
			"bad kind":      {DecoyID: decoyID(1), TargetKind: "pst", Target: "/x"},
		} {
			want := map[string]error{"unknown decoy": store.ErrNotFound, "password": store.ErrInvalid, "bad kind": store.ErrInvalid}[name]
			_, err := s.AddPlanting(ctx, p)
			if !errors.Is(err, want) {
				t.Errorf("%s: error = %v, want %v", name, err, want)
			}
			if name == "password" && err != nil && strings.Contains(err.Error(), "secret") {
				t.Errorf("error repeats the password: %v", err)
			}
		}
	})
	t.Run("filter", func(t *testing.T) {
		all, err := s.Plantings(ctx, store.PlantingFilter{})
		if err != nil || len(all) != 5 {
			t.Fatalf("all plantings = %d, %v; want 5", len(all), err)
		}
		got := all[1]
		if got.ID != ids[1] || got.UID != 42 || got.UIDValidity != 7 || got.Target != p2.Target ||
			!got.PlantedAt.Equal(at) || got.State != store.StatePlanted || !got.Active() {
			t.Errorf("planting 2 = %+v", got)
		}
		if all[0].Active() || all[0].State != store.StateRemoved || all[0].Path != p1.Path {
			t.Errorf("removed planting = %+v", all[0])
		}
		for _, tt := range []struct {
			f    store.PlantingFilter
			want int
		}{
			{store.PlantingFilter{DecoyID: decoyID(1)}, 4},
			{store.PlantingFilter{DecoyID: decoyID(1), Active: true}, 3},
			{store.PlantingFilter{Target: "/var/mail/alice"}, 3},
			{store.PlantingFilter{Target: "/var/mail/alice", Active: true}, 2},
			{store.PlantingFilter{Active: true}, 4},
		} {
			l, err := s.Plantings(ctx, tt.f)
			if err != nil || len(l) != tt.want {
				t.Errorf("Plantings(%+v) = %d, %v; want %d", tt.f, len(l), err, tt.want)
			}
		}
	})
	t.Run("mark removed", func(t *testing.T) {
		when := time.Date(2025, 4, 1, 0, 0, 0, 0, time.UTC)
		if err := s.MarkRemoved(ctx, ids[2], when); err != nil {
			t.Fatal(err)
		}
		if err := s.MarkRemoved(ctx, ids[2], when.Add(time.Hour)); err != nil {
			t.Errorf("marking twice: %v", err)
		}
		l, _ := s.Plantings(ctx, store.PlantingFilter{Target: "/var/mail/bob"})
		if len(l) != 1 || !l[0].RemovedAt.Equal(when) {
			t.Errorf("after MarkRemoved: %+v (want removed at %v, the first time)", l, when)
		}
		if err := s.MarkRemoved(ctx, 9999, when); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("MarkRemoved(unknown) error = %v", err)
		}
	})
}

func TestHits(t *testing.T) {
	ctx := context.Background()
	s := newStore(t)
	putDecoy(t, s, 1)
	at := time.Date(2025, 3, 3, 12, 0, 0, 500, time.FixedZone("CET", 3600))
	id, err := s.AddHit(ctx, store.Hit{Time: at, DecoyID: decoyID(1), SubID: "url1", Trigger: "http",
		SourceIP: "198.51.100.7", SourcePort: 51234, UserAgent: "curl/8", Data: json.RawMessage(`{"path":"/s/url1/Q3.pdf"}`)})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.AddHit(ctx, store.Hit{Trigger: "dns", SourceIP: "203.0.113.1", Scanner: true}); err != nil {
		t.Errorf("unresolved hit: %v", err)
	}
	if _, err := s.AddHit(ctx, store.Hit{DecoyID: decoyID(9), Trigger: "http"}); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("hit on unknown decoy: error = %v, want ErrNotFound", err)
	}
	hs, err := s.Hits(ctx, store.HitFilter{DecoyID: decoyID(1)})
	if err != nil || len(hs) != 1 {
		t.Fatalf("Hits = %v, %v", hs, err)
	}
	h := hs[0]
	if h.ID != id || !h.Time.Equal(at) || h.SubID != "url1" || h.SourcePort != 51234 || h.Scanner ||
		string(h.Data) != `{"path":"/s/url1/Q3.pdf"}` {
		t.Errorf("hit = %+v", h)
	}
	all, _ := s.Hits(ctx, store.HitFilter{})
	if len(all) != 2 || !all[1].Scanner || all[1].DecoyID != "" {
		t.Errorf("all hits = %+v", all)
	}
}

func testAlert(n int, level alert.Level, at time.Time) alert.Alert {
	a := alert.New("header", alert.Rule{ID: "forward-artifact", Title: "Forwarded", Level: level,
		Tags: []string{alert.TagT1114_003}}, event.Origin{File: "journal.mbox", Offset: int64(n)})
	a.Time, a.DetectedAt = at, at.Add(time.Minute)
	a.Summary = fmt.Sprintf("alert %d", n)
	return a
}

func TestPutAlertIdempotent(t *testing.T) {
	ctx := context.Background()
	s := newStore(t)
	at := time.Date(2025, 3, 1, 0, 0, 0, 0, time.UTC)
	a := testAlert(1, alert.High, at)
	a.Decoy = &alert.Decoy{ID: decoyID(1), Mailbox: "alice", Trigger: "http"}
	ins, err := s.PutAlert(ctx, a)
	if err != nil || !ins {
		t.Fatalf("first PutAlert = %v, %v; want inserted", ins, err)
	}
	again := a
	again.Summary = "changed"
	ins, err = s.PutAlert(ctx, again)
	if err != nil || ins {
		t.Fatalf("second PutAlert = %v, %v; want not inserted", ins, err)
	}
	all, err := s.Alerts(ctx, store.AlertFilter{})
	if err != nil || len(all) != 1 {
		t.Fatalf("Alerts = %d, %v; want 1", len(all), err)
	}
	got, err := s.Alert(ctx, a.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got.Summary != a.Summary || got.Decoy == nil || got.Decoy.ID != a.Decoy.ID || got.Rule.Level != alert.High ||
		!got.Time.Equal(a.Time) || got.Origin != a.Origin {
		t.Errorf("stored alert = %+v, want the first copy %+v", got, a)
	}
	if _, err := s.Alert(ctx, "nope"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("Alert(unknown) error = %v", err)
	}
}

func TestAlertsFilter(t *testing.T) {
	ctx := context.Background()
	s := newStore(t)
	base := time.Date(2025, 3, 1, 0, 0, 0, 0, time.UTC)
	levels := []alert.Level{alert.Low, alert.Medium, alert.High, alert.Critical, alert.Informational}
	for i, l := range levels {
		if _, err := s.PutAlert(ctx, testAlert(i, l, base.Add(time.Duration(i)*time.Hour))); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.AckAlert(ctx, testAlert(3, alert.Critical, base).ID, time.Time{}); err != nil {
		t.Fatal(err)
	}
	if err := s.AckAlert(ctx, "nope", time.Time{}); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("AckAlert(unknown) error = %v", err)
	}
	tests := []struct {
		name string
		f    store.AlertFilter
		want []string // summaries, newest first
	}{
		{"all", store.AlertFilter{}, []string{"alert 4", "alert 3", "alert 2", "alert 1", "alert 0"}},
		{"since", store.AlertFilter{Since: base.Add(2 * time.Hour)}, []string{"alert 4", "alert 3", "alert 2"}},
		{"min level", store.AlertFilter{MinLevel: alert.High}, []string{"alert 3", "alert 2"}},
		{"limit", store.AlertFilter{MinLevel: alert.Medium, Limit: 2}, []string{"alert 3", "alert 2"}},
		{"unacked", store.AlertFilter{MinLevel: alert.High, Unacked: true}, []string{"alert 2"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			as, err := s.Alerts(ctx, tt.f)
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, a := range as {
				got = append(got, a.Summary)
			}
			if fmt.Sprint(got) != fmt.Sprint(tt.want) {
				t.Errorf("Alerts(%+v) = %v, want %v", tt.f, got, tt.want)
			}
		})
	}
}

func TestSecret(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "mailtrip.db")
	s, err := sqlite.Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	first, err := s.Secret(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(first) != store.SecretSize {
		t.Fatalf("secret has %d bytes", len(first))
	}
	first[0] ^= 0xff // the caller's copy: must not change the store's
	first[0] ^= 0xff
	again, _ := s.Secret(ctx)
	if string(again) != string(first) {
		t.Error("second Secret differs")
	}
	s.Close()

	s, err = sqlite.Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	reopened, err := s.Secret(ctx)
	if err != nil || string(reopened) != string(first) {
		t.Errorf("Secret after reopen = %x, %v; want %x", reopened, err, first)
	}
}

// TestSecretConcurrentFirstUse opens several Stores on one new file, as
// several processes would, and asks all of them for the secret at once.
func TestSecretConcurrentFirstUse(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "mailtrip.db")
	const n = 8
	stores := make([]*store.Store, n)
	for i := range stores {
		s, err := sqlite.Open(ctx, path)
		if err != nil {
			t.Fatal(err)
		}
		defer s.Close()
		stores[i] = s
	}
	secrets := make([][]byte, n*4)
	errs := make([]error, n*4)
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i := range secrets {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			secrets[i], errs[i] = stores[i%n].Secret(ctx)
		}()
	}
	close(start)
	wg.Wait()
	for i := range secrets {
		if errs[i] != nil {
			t.Fatalf("call %d: %v", i, errs[i])
		}
		if string(secrets[i]) != string(secrets[0]) {
			t.Fatalf("call %d got a different secret", i)
		}
	}
}

// TestConcurrentWriters runs 8 goroutines × 200 writes (alternating
// PutAlert and AddHit) on one Store: none may fail with SQLITE_BUSY.
func TestConcurrentWriters(t *testing.T) {
	ctx := context.Background()
	s := newStore(t)
	putDecoy(t, s, 1)
	const workers, writes = 8, 200
	base := time.Date(2025, 3, 1, 0, 0, 0, 0, time.UTC)
	var wg sync.WaitGroup
	errs := make(chan error, workers*writes)
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range writes {
				n := w*writes + i
				var err error
				if i%2 == 0 {
					_, err = s.PutAlert(ctx, testAlert(n, alert.Medium, base))
				} else {
					_, err = s.AddHit(ctx, store.Hit{DecoyID: decoyID(1), SubID: "url1", Trigger: "http", SourcePort: n})
				}
				if err != nil {
					errs <- err
					return
				}
				// Readers interleave with writers.
				if i%50 == 0 {
					if _, err := s.LookupSub(ctx, "url1"); err != nil {
						errs <- err
						return
					}
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	as, _ := s.Alerts(ctx, store.AlertFilter{})
	hs, _ := s.Hits(ctx, store.HitFilter{})
	if len(as) != workers*writes/2 || len(hs) != workers*writes/2 {
		t.Errorf("stored %d alerts and %d hits, want %d each", len(as), len(hs), workers*writes/2)
	}
}

func TestClosed(t *testing.T) {
	ctx := context.Background()
	s := newStore(t)
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Errorf("second Close: %v", err)
	}
	if _, err := s.PutAlert(ctx, testAlert(1, alert.Low, time.Now())); !errors.Is(err, store.ErrClosed) {
		t.Errorf("PutAlert after Close: error = %v, want ErrClosed", err)
	}
	if _, err := s.LookupSub(ctx, "x"); !errors.Is(err, store.ErrClosed) {
		t.Errorf("LookupSub after Close: error = %v, want ErrClosed", err)
	}
}

func BenchmarkPutAlert(b *testing.B) {
	ctx := context.Background()
	s := newStore(b)
	base := time.Date(2025, 3, 1, 0, 0, 0, 0, time.UTC)
	alerts := make([]alert.Alert, b.N)
	for i := range alerts {
		alerts[i] = testAlert(i, alert.Medium, base)
	}
	b.ResetTimer()
	for i := range b.N {
		if _, err := s.PutAlert(ctx, alerts[i]); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "ops/s")
}

func BenchmarkLookupSub(b *testing.B) {
	ctx := context.Background()
	s := newStore(b)
	const decoys = 1000
	for n := range decoys {
		putDecoy(b, s, n)
	}
	b.ResetTimer()
	for i := range b.N {
		if _, err := s.LookupSub(ctx, fmt.Sprintf("url%d", i%decoys)); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "ops/s")
}

func TestAddHitsAttributedMany(t *testing.T) {
	s := newStore(t)
	ctx := context.Background()
	d := putDecoy(t, s, 1)
	// 70 hits: two full multi-row statements and 6 rows one by one.
	var hs []store.Hit
	for i := range 70 {
		hs = append(hs, store.Hit{ID: int64(100 + i), Trigger: "http", DecoyID: d.ID, SourceIP: fmt.Sprintf("192.0.2.%d", i),
			SourcePort: 1000 + i, UserAgent: "ua", Data: json.RawMessage(fmt.Sprintf(`{"n":%d}`, i))})
	}
	if err := s.AddHitsAttributed(ctx, hs, nil); err != nil {
		t.Fatal(err)
	}
	got, err := s.Hits(ctx, store.HitFilter{})
	if err != nil || len(got) != 70 {
		t.Fatalf("hits: %d, %v", len(got), err)
	}
	for i, h := range got {
		if h.ID != int64(100+i) || h.SourcePort != 1000+i || string(h.Data) != fmt.Sprintf(`{"n":%d}`, i) || h.State != store.HitNew {
			t.Fatalf("hit %d = %+v", i, h)
		}
	}
}
