package baseline_test

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"sort"
	"sync"
	"testing"
	"time"

	"github.com/mailtrip/mailtrip/alert"
	"github.com/mailtrip/mailtrip/detect/baseline"
	"github.com/mailtrip/mailtrip/event"
)

// mia builds a UAL MailItemsAccessed event of one folder, read through
// an API app (an AppId and no ClientInfoString).
func mia(n int, user string, at time.Time, ip, typ, folder string) *event.Event {
	f := map[string]any{
		"Id": fmt.Sprint("m", n), "CreationTime": at.Format("2006-01-02T15:04:05"), "Operation": "MailItemsAccessed",
		"UserId": user, "MailboxOwnerUPN": user, "ClientIPAddress": ip, "AppId": "a6f3c1d2-app",
		"OperationProperties": []any{
			map[string]any{"Name": "MailAccessType", "Value": typ},
			map[string]any{"Name": "IsThrottled", "Value": "False"},
		},
		"Folders":        []any{map[string]any{"Path": folder, "FolderItems": []any{map[string]any{"InternetMessageId": fmt.Sprintf("<m%d@x.example>", n)}}}},
		"OperationCount": json.Number("1"),
	}
	return &event.Event{Kind: event.KindLog, Time: at, Mailbox: user, Fields: f,
		Origin: event.Origin{File: "ual.jsonl", Line: int64(n), RecordID: fmt.Sprint("m", n), Format: "m365.ual"}}
}

// syncBurst is a Sync of a new folder every 3 minutes from t0 on: 40
// records over 117 minutes, 20 folders within the first hour. The episode
// is longer than the watermark's lag, so FlushSome judges it in parts.
func syncBurst(user string, first int) []*event.Event {
	var evs []*event.Event
	for i := range 40 {
		evs = append(evs, mia(first+i, user, t0.Add(time.Duration(i)*3*time.Minute), "203.0.113.9", "Sync", fmt.Sprintf("/Inbox/f%02d", i)))
	}
	return evs
}

// ticks are sign-ins of another user every 10 minutes over [from, to):
// the input a follow keeps reading, which moves the watermark on.
func ticks(first int, from, to time.Time) []*event.Event {
	var evs []*event.Event
	for at, n := from, first; at.Before(to); at, n = at.Add(10*time.Minute), n+1 {
		evs = append(evs, entra(n, "clock@x.example", at, "100.64.0.1", "US", 40.71, -74.0, 0))
	}
	return evs
}

// byTime sorts events by time, as a followed log delivers them.
func byTime(evs []*event.Event) []*event.Event {
	evs = slices.Clone(evs)
	sort.SliceStable(evs, func(i, j int) bool { return evs[i].Time.Before(evs[j].Time) })
	return evs
}

// flushed is what an incremental run emitted: by FlushSome calls, then by
// the final Flush.
type flushed struct {
	some, final []alert.Alert
}

func (f flushed) all() []alert.Alert {
	as := append(slices.Clone(f.some), f.final...)
	alert.SortAlerts(as)
	return as
}

// follow drives d as scan --follow does: events in time order, FlushSome
// each time the records' time passes another step, Flush at the end.
func follow(t testing.TB, d *baseline.Detector, evs []*event.Event, step time.Duration, workers int) flushed {
	return drive(t, d, byStep(evs, func(e *event.Event) time.Time { return e.Time }, step), workers)
}

// byStep cuts events, ordered by arrival, into the batches that arrive
// within each step.
func byStep(evs []*event.Event, arrival func(*event.Event) time.Time, step time.Duration) [][]*event.Event {
	evs = slices.Clone(evs)
	sort.SliceStable(evs, func(i, j int) bool { return arrival(evs[i]).Before(arrival(evs[j])) })
	var out [][]*event.Event
	start := 0
	for i := 1; i <= len(evs); i++ {
		if i == len(evs) || !arrival(evs[i]).Truncate(step).Equal(arrival(evs[start]).Truncate(step)) {
			out = append(out, evs[start:i])
			start = i
		}
	}
	return out
}

// byCount cuts events, in time order, into batches of n.
func byCount(evs []*event.Event, n int) [][]*event.Event {
	return slices.Collect(slices.Chunk(byTime(evs), n))
}

// drive files each batch from workers goroutines, calls FlushSome after
// it, and Flush after the last.
func drive(t testing.TB, d *baseline.Detector, batches [][]*event.Event, workers int) flushed {
	t.Helper()
	ctx := context.Background()
	some, final := &collector{}, &collector{}
	for _, batch := range batches {
		ch := make(chan *event.Event)
		var wg sync.WaitGroup
		for range workers {
			wg.Go(func() {
				for e := range ch {
					if err := d.Detect(ctx, e, some.emit); err != nil {
						t.Error(err)
					}
				}
			})
		}
		for _, e := range batch {
			ch <- e
		}
		close(ch)
		wg.Wait()
		if err := d.FlushSome(ctx, some.emit); err != nil {
			t.Fatal(err)
		}
	}
	if err := d.Flush(ctx, final.emit); err != nil {
		t.Fatal(err)
	}
	return flushed{some: some.as, final: final.as}
}

// sameAlerts fails unless got and want hold the same alerts, field for
// field, and no alert twice.
func sameAlerts(t *testing.T, got, want []alert.Alert) {
	t.Helper()
	enc := func(as []alert.Alert) []string {
		var out []string
		for _, a := range as {
			b, err := json.Marshal(a)
			if err != nil {
				t.Fatal(err)
			}
			out = append(out, string(b))
		}
		sort.Strings(out)
		return out
	}
	seen := map[string]bool{}
	for _, a := range got {
		if seen[a.ID] {
			t.Errorf("alert %s (%s) emitted twice", a.ID, a.Rule.ID)
		}
		seen[a.ID] = true
	}
	g, w := enc(got), enc(want)
	if len(g) != len(w) {
		t.Errorf("%d alerts, want %d: %v, want %v", len(g), len(w), ruleIDs(got), ruleIDs(want))
	}
	for i := range min(len(g), len(w)) {
		if g[i] != w[i] {
			t.Errorf("alert differs:\n got %s\nwant %s", g[i], w[i])
		}
	}
}

func countRule(as []alert.Alert, rule string) int {
	n := 0
	for _, a := range as {
		if a.Rule.ID == rule {
			n++
		}
	}
	return n
}

// TestFlushSomeAttacks: attacks whose windows straddle incremental
// flushes raise each alert once, with the same content as a single Flush
// over every record; with enough later input, FlushSome emits it.
func TestFlushSomeAttacks(t *testing.T) {
	later := ticks(1000, t0, t0.Add(5*time.Hour)) // input going on after the attack
	failures := func(user, ip string, first, n int, every time.Duration) []*event.Event {
		var evs []*event.Event
		for i := range n {
			evs = append(evs, entra(first+i, user, t0.Add(time.Duration(i)*every), ip, "NL", 52.37, 4.9, 50126))
		}
		return evs
	}
	spray := func() []*event.Event {
		var evs []*event.Event
		for i := range 40 { // 40 users over 100 minutes: 24 within any hour
			evs = append(evs, entra(i, fmt.Sprintf("u%02d@x.example", i), t0.Add(time.Duration(i)*150*time.Second), "203.0.113.66", "NL", 52.37, 4.9, 50126))
		}
		return evs
	}
	tests := []struct {
		name string
		evs  []*event.Event
		rule string
	}{
		{"sync burst", syncBurst("a@x.example", 1), baseline.RuleSyncBurst},
		{"brute force", failures("b@x.example", "203.0.113.7", 1, 40, 150*time.Second), baseline.RuleBruteForce},
		{"success after failures", append(failures("c@x.example", "203.0.113.8", 1, 30, 3*time.Minute),
			entra(99, "c@x.example", t0.Add(92*time.Minute), "203.0.113.8", "NL", 52.37, 4.9, 0)), baseline.RuleSuccessAfterFailure},
		{"spraying", spray(), baseline.RuleSpray},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			evs := append(slices.Clone(tc.evs), later...)
			want := run(t, baseline.New(baseline.Options{}), evs, 1)
			if countRule(want, tc.rule) != 1 {
				t.Fatalf("single flush: alerts %v, want one %s", ruleIDs(want), tc.rule)
			}
			for _, step := range []time.Duration{5 * time.Minute, 15 * time.Minute, time.Hour} {
				got := follow(t, baseline.New(baseline.Options{}), evs, step, 2)
				sameAlerts(t, got.all(), want)
				// Five hours of later input pass the attack's windows:
				// FlushSome reported it, the final Flush had nothing left.
				if countRule(got.some, tc.rule) != 1 || countRule(got.final, tc.rule) != 0 {
					t.Errorf("every %v: %s from FlushSome %d times, from Flush %d, want 1 and 0", step, tc.rule,
						countRule(got.some, tc.rule), countRule(got.final, tc.rule))
				}
			}
			// Without later input the watermark stays inside the attack:
			// the final Flush judges what FlushSome could not.
			got := follow(t, baseline.New(baseline.Options{}), tc.evs, 5*time.Minute, 2)
			if countRule(got.some, tc.rule) != 0 {
				t.Errorf("input ends with the attack: FlushSome reported %s before its window was complete", tc.rule)
			}
			sameAlerts(t, got.all(), run(t, baseline.New(baseline.Options{}), tc.evs, 1))
		})
	}
}

// ualFailure builds a UAL UserLoginFailed event (a wrong password).
func ualFailure(n int, user string, at time.Time, ip string) *event.Event {
	f := map[string]any{
		"Id": fmt.Sprint("f", n), "CreationTime": at.Format("2006-01-02T15:04:05"), "Operation": "UserLoginFailed",
		"UserId": user, "ClientIP": ip, "LogonError": "InvalidUserNameOrPassword", "ErrorNumber": "50126",
	}
	return &event.Event{Kind: event.KindLog, Time: at, Mailbox: user, Fields: f,
		Origin: event.Origin{File: "ual.jsonl", Line: int64(n), RecordID: fmt.Sprint("f", n), Format: "m365.ual"}}
}

// TestFlushSomeLateSource: records of one log arriving behind another's
// (a UAL export 40 minutes behind the Entra sign-in log) are still judged
// in time order, because the watermark trails the newest record by the
// lag: the UAL failures come before the Entra success they precede.
func TestFlushSomeLateSource(t *testing.T) {
	evs := syncBurst("a@x.example", 1)
	for i := range 6 {
		evs = append(evs, ualFailure(100+i, "c@x.example", t0.Add(time.Duration(i)*time.Minute), "203.0.113.8"))
	}
	evs = append(evs, entra(200, "c@x.example", t0.Add(10*time.Minute), "203.0.113.8", "NL", 52.37, 4.9, 0))
	evs = append(evs, ticks(1000, t0, t0.Add(5*time.Hour))...)
	arrival := func(e *event.Event) time.Time {
		if e.Origin.Format == "m365.ual" {
			return e.Time.Add(40 * time.Minute)
		}
		return e.Time
	}
	want := run(t, baseline.New(baseline.Options{}), evs, 1)
	if countRule(want, baseline.RuleSyncBurst) != 1 || countRule(want, baseline.RuleSuccessAfterFailure) != 1 {
		t.Fatalf("single flush: alerts %v", ruleIDs(want))
	}
	got := drive(t, baseline.New(baseline.Options{}), byStep(evs, arrival, 5*time.Minute), 2)
	sameAlerts(t, got.all(), want)
}

// TestFlushSomeQuiet: a stream of ordinary reads and a few typos raises
// nothing, however often it is flushed.
func TestFlushSomeQuiet(t *testing.T) {
	var evs []*event.Event
	n := 0
	for d := range 3 {
		for h := 8; h < 18; h++ {
			at := t0.AddDate(0, 0, d).Add(time.Duration(h-12) * time.Hour)
			for k := range 4 { // 4 folders an hour, the same every hour
				n++
				evs = append(evs, mia(n, "q@x.example", at.Add(time.Duration(k)*time.Minute), "100.64.0.9", "Sync", fmt.Sprintf("/Inbox/f%d", k)))
			}
			n++
			evs = append(evs, entra(n, "q@x.example", at.Add(30*time.Minute), "100.64.0.9", "US", 40.71, -74.0, 50126))
			n++
			evs = append(evs, entra(n, "q@x.example", at.Add(31*time.Minute), "100.64.0.9", "US", 40.71, -74.0, 0))
		}
	}
	for _, step := range []time.Duration{time.Minute, time.Hour} {
		got := follow(t, baseline.New(baseline.Options{}), evs, step, 2)
		if as := got.all(); len(as) != 0 {
			t.Errorf("every %v: alerts %v", step, ruleIDs(as))
		}
	}
}

// TestFlushSomeProfileOnce: every record updates the user's profile once,
// however many flushes it was held across; the profile saved equals a
// single Flush's.
func TestFlushSomeProfileOnce(t *testing.T) {
	n := 0
	evs := history("a@x.example", &n) // 14 days of sign-ins
	evs = append(evs, syncBurst("a@x.example", 100)...)
	evs = append(evs, ticks(1000, t0, t0.Add(4*time.Hour))...)
	records := 14 + 40

	profile := func(st *memState) baseline.Profile {
		t.Helper()
		b, _ := st.Load(t.Context(), baseline.ProfileKey("a@x.example"))
		var p baseline.Profile
		if err := json.Unmarshal(b, &p); err != nil {
			t.Fatalf("saved profile: %v: %s", err, b)
		}
		return p
	}
	single := &memState{}
	want := run(t, baseline.New(baseline.Options{State: single}), evs, 1)
	for _, step := range []time.Duration{time.Minute, time.Hour, 24 * time.Hour} {
		st := &memState{}
		got := follow(t, baseline.New(baseline.Options{State: st}), evs, step, 2)
		sameAlerts(t, got.all(), want)
		if p := profile(st); p.Records != records {
			t.Errorf("every %v: profile counts %d records, want %d (each once)", step, p.Records, records)
		}
		k := baseline.ProfileKey("a@x.example")
		if string(st.m[k]) != string(single.m[k]) {
			t.Errorf("every %v: profile\n%s\nwant (single Flush)\n%s", step, st.m[k], single.m[k])
		}
	}
	// Without State the profile lives in the detector between flushes:
	// a burst after the learning period is judged against the history.
	got := follow(t, baseline.New(baseline.Options{}), evs, time.Hour, 1)
	sameAlerts(t, got.all(), want)
}

// TestFlushSomeHeldBound: records held for a later flush still count
// against MaxRecordsPerKey.
func TestFlushSomeHeldBound(t *testing.T) {
	st := &memState{}
	d := baseline.New(baseline.Options{State: st, MaxRecordsPerKey: 10})
	c := &collector{}
	ctx := t.Context()
	for i := range 25 { // within half an hour: FlushSome judges none of them
		e := mia(i, "a@x.example", t0.Add(time.Duration(i)*time.Minute), "203.0.113.9", "Bind", "/Inbox")
		if err := d.Detect(ctx, e, c.emit); err != nil {
			t.Fatal(err)
		}
		if err := d.FlushSome(ctx, c.emit); err != nil {
			t.Fatal(err)
		}
	}
	if len(st.m) != 0 {
		t.Errorf("FlushSome judged records within the lag of the newest: %d profiles saved", len(st.m))
	}
	if err := d.Flush(ctx, c.emit); err != nil {
		t.Fatal(err)
	}
	var p baseline.Profile
	if err := json.Unmarshal(st.m[baseline.ProfileKey("a@x.example")], &p); err != nil {
		t.Fatal(err)
	}
	if p.Records != 10 {
		t.Errorf("profile counts %d records, want 10 (the bound)", p.Records)
	}
}

// TestFlushSomeFutureDate: a record dated far ahead of the clock does not
// move the watermark, so it cannot make FlushSome judge a window early.
func TestFlushSomeFutureDate(t *testing.T) {
	burst := syncBurst("a@x.example", 1)
	bogus := entra(999, "z@x.example", time.Date(2100, 1, 1, 0, 0, 0, 0, time.UTC), "100.64.0.1", "US", 40.71, -74.0, 0)
	d := baseline.New(baseline.Options{})
	c := &collector{}
	ctx := t.Context()
	for i, e := range burst {
		if i == 10 {
			if err := d.Detect(ctx, bogus, c.emit); err != nil {
				t.Fatal(err)
			}
		}
		if err := d.Detect(ctx, e, c.emit); err != nil {
			t.Fatal(err)
		}
		if err := d.FlushSome(ctx, c.emit); err != nil {
			t.Fatal(err)
		}
	}
	if err := d.Flush(ctx, c.emit); err != nil {
		t.Fatal(err)
	}
	want := run(t, baseline.New(baseline.Options{}), append(slices.Clone(burst), bogus), 1)
	alert.SortAlerts(c.as)
	sameAlerts(t, c.as, want)
	if countRule(c.as, baseline.RuleSyncBurst) != 1 {
		t.Errorf("alerts %v, want one sync burst", ruleIDs(c.as))
	}
}

// TestFlushSomeConcurrent: FlushSome runs while records are being filed,
// as the pipeline's ticker calls it; the result is a single Flush's.
func TestFlushSomeConcurrent(t *testing.T) {
	evs := byTime(append(syncBurst("a@x.example", 1), ticks(1000, t0, t0.Add(4*time.Hour))...))
	d := baseline.New(baseline.Options{})
	c := &collector{}
	ctx := t.Context()
	stop := make(chan struct{})
	var wg sync.WaitGroup
	wg.Go(func() {
		for {
			select {
			case <-stop:
				return
			default:
			}
			if err := d.FlushSome(ctx, c.emit); err != nil {
				t.Error(err)
			}
		}
	})
	for _, e := range evs { // in time order, as one followed log delivers them
		if err := d.Detect(ctx, e, c.emit); err != nil {
			t.Fatal(err)
		}
	}
	close(stop)
	wg.Wait()
	if err := d.Flush(ctx, c.emit); err != nil {
		t.Fatal(err)
	}
	alert.SortAlerts(c.as)
	sameAlerts(t, c.as, run(t, baseline.New(baseline.Options{}), evs, 1))
}
