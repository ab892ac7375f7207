package header

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/mailtrip/mailtrip/alert"
	"github.com/mailtrip/mailtrip/event"
)

// collector gathers emitted alerts; safe for concurrent use like the
// pipeline's Emit.
type collector struct {
	mu sync.Mutex
	as []alert.Alert
}

func (c *collector) emit(a alert.Alert) {
	c.mu.Lock()
	c.as = append(c.as, a)
	c.mu.Unlock()
}

func (c *collector) byRule(id string) []alert.Alert {
	c.mu.Lock()
	defer c.mu.Unlock()
	var out []alert.Alert
	for _, a := range c.as {
		if a.Rule.ID == id {
			out = append(out, a)
		}
	}
	return out
}

// kinds of test messages
const (
	plainMsg    = ""
	forwardMsg  = "X-Forwarded-To: carol@drop.example\nDelivered-To: carol@drop.example\n"
	redirectMsg = "X-Sieve-Redirected-From: bob@corp.example\nDelivered-To: carol@corp.example\n"
	handMsg     = "X-Test-Hand-Forward: yes\n" // the fake manual classifier looks for this
)

// fakeManual stands in for the manual-forward classifier (another
// engineer's work) so the heuristic can be tested at its boundaries.
func fakeManual(v *view) []Finding {
	if v.m.Header.Has("X-Test-Hand-Forward") {
		return []Finding{{Kind: ManualForward, Rule: "test-hand-forward",
			Evidence: []Evidence{{Where: "header", Name: "X-Test-Hand-Forward", Value: "yes"}}}}
	}
	return nil
}

func newTestDetector(opt Options) *Detector {
	d := New(opt)
	d.manual = fakeManual
	return d
}

func messageEvent(t testing.TB, mailbox string, i int, head string) *event.Event {
	m := fwdMsg(t, head+strings.Replace(fwdBase, "<q1@", fmt.Sprintf("<q%d@", i), 1)+"\nbody\n")
	m.Offset = int64(i * 1000)
	return &event.Event{
		Kind:    event.KindMessage,
		Origin:  event.Origin{File: mailbox + "/mbox", Offset: m.Offset},
		Mailbox: mailbox,
		Folder:  "INBOX",
		Message: m,
	}
}

// feed sends n messages of kind head into d for mailbox.
func feed(t testing.TB, d *Detector, c *collector, mailbox string, start, n int, head string) {
	for i := start; i < start+n; i++ {
		if err := d.Detect(context.Background(), messageEvent(t, mailbox, i, head), c.emit); err != nil {
			t.Fatal(err)
		}
	}
}

func TestDetectorMessageAlert(t *testing.T) {
	d := New(Options{})
	var c collector
	e := messageEvent(t, "alice", 1, "X-Forwarded-To: carol@drop.example\nX-LD-Processed: tid,ExtFwd\n")
	if err := d.Detect(context.Background(), e, c.emit); err != nil {
		t.Fatal(err)
	}
	as := c.byRule(RuleIDAutoForward)
	if len(as) != 1 {
		t.Fatalf("got %d auto-forward alerts, want 1 (all: %+v)", len(as), c.as)
	}
	a := as[0]
	if a.Detector != "header" || a.Rule.Level != alert.Low {
		t.Errorf("detector %q level %v, want header/low", a.Detector, a.Rule.Level)
	}
	if !slices.Contains(a.Rule.Tags, alert.TagT1114_003) || !slices.Contains(a.Rule.Tags, alert.TagCollection) {
		t.Errorf("tags = %v", a.Rule.Tags)
	}
	if a.MessageID != "<q1@sender.example>" || a.Origin.RecordID != "<q1@sender.example>" {
		t.Errorf("message id %q, record id %q", a.MessageID, a.Origin.RecordID)
	}
	if a.Mailbox != "alice" || a.Folder != "INBOX" {
		t.Errorf("mailbox %q folder %q", a.Mailbox, a.Folder)
	}
	if want := time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC); !a.Time.Equal(want) {
		t.Errorf("time = %v, want %v", a.Time, want)
	}
	if len(a.Reasons) != 1 || !strings.Contains(a.Reasons[0], "X-Forwarded-To") || !strings.Contains(a.Reasons[0], "carol@drop.example") {
		t.Errorf("reasons = %q", a.Reasons)
	}
	if got := a.Evidence["header.X-Forwarded-To"]; !slices.Equal(got.([]string), []string{"carol@drop.example"}) {
		t.Errorf("evidence header.X-Forwarded-To = %v", got)
	}
	if got := a.Evidence["destinations"]; !slices.Equal(got.([]string), []string{"carol@drop.example"}) {
		t.Errorf("evidence destinations = %v", got)
	}
	if got := a.Evidence["platform"]; !slices.Equal(got.([]string), []string{"gmail"}) {
		t.Errorf("evidence platform = %v", got)
	}
	if _, ok := a.Evidence["header.X-LD-Processed"]; !ok {
		t.Errorf("X-LD-Processed not kept as supporting evidence")
	}
	if !strings.Contains(a.Summary, "carol@drop.example") || !strings.Contains(a.Summary, "alice") {
		t.Errorf("summary = %q", a.Summary)
	}
}

func TestDetectorRedirectAndLevels(t *testing.T) {
	tests := []struct {
		name     string
		internal []string
		head     string
		rule     string
		level    alert.Level
	}{
		{"redirect", nil, redirectMsg, RuleIDRedirect, alert.Low},
		{"forward, no internal domains", nil, forwardMsg, RuleIDAutoForward, alert.Low},
		{"forward to external", []string{"corp.example"}, forwardMsg, RuleIDAutoForward, alert.Medium},
		{"forward to internal subdomain", []string{"drop.example"}, "X-Forwarded-To: carol@eu.drop.example\n", RuleIDAutoForward, alert.Low},
		{"redirect to external", []string{"corp.example"}, "Resent-From: bob@corp.example\nResent-Date: Tue, 3 Mar 2026 08:00:00 +0000\nResent-To: eve@evil.example\n", RuleIDRedirect, alert.Medium},
		{"forward and redirect is a forward", nil, forwardMsg + "X-Sieve-Redirected-From: bob@corp.example\n", RuleIDAutoForward, alert.Low},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			d := New(Options{InternalDomains: tc.internal})
			var c collector
			feed(t, d, &c, "alice", 1, 1, tc.head)
			if len(c.as) != 1 {
				t.Fatalf("got %d alerts, want 1", len(c.as))
			}
			if a := c.as[0]; a.Rule.ID != tc.rule || a.Rule.Level != tc.level {
				t.Fatalf("rule %s level %v, want %s %v", a.Rule.ID, a.Rule.Level, tc.rule, tc.level)
			}
		})
	}
}

func TestDetectorIgnores(t *testing.T) {
	d := New(Options{})
	var c collector
	for _, e := range []*event.Event{
		nil,
		{Kind: event.KindLog, Fields: map[string]any{"x": 1}},
		{Kind: event.KindMessage},
		messageEvent(t, "alice", 1, plainMsg),
		messageEvent(t, "alice", 2, "Auto-Submitted: auto-replied\nX-MS-Exchange-Inbox-Rules-Loop: bob@corp.example\n"),
	} {
		if err := d.Detect(context.Background(), e, c.emit); err != nil {
			t.Fatal(err)
		}
	}
	if len(c.as) != 0 {
		t.Fatalf("alerts for non-forwards: %+v", c.as)
	}
	if st := d.Stats(); len(st) != 1 || st[0].Messages != 2 {
		t.Fatalf("stats = %+v", st)
	}
}

func TestDetectorCancelled(t *testing.T) {
	ctx, cancel := context.WithCancelCause(context.Background())
	cause := fmt.Errorf("stop")
	cancel(cause)
	d := New(Options{})
	if err := d.Detect(ctx, messageEvent(t, "a", 1, forwardMsg), func(alert.Alert) {}); err != cause {
		t.Fatalf("Detect error = %v, want the cause", err)
	}
}

// TestHeuristicBoundaries checks MinAutoForwarded (>=) and
// MaxLooksForwardedRatio (strictly <) at their edges with the defaults 5
// and 0.5.
func TestHeuristicBoundaries(t *testing.T) {
	tests := []struct {
		name                      string
		forwards, redirects, hand int
		bothFwd                   int // forwards that also look forwarded
		flagged                   bool
	}{
		{name: "below minimum", forwards: 4, flagged: false},
		{name: "at minimum", forwards: 5, flagged: true},
		{name: "redirects count toward minimum", forwards: 3, redirects: 2, flagged: true},
		{name: "hand forwards just under half", forwards: 10, hand: 4, flagged: true},
		{name: "hand forwards exactly half", forwards: 10, hand: 5, flagged: false},
		{name: "hand forwards above half", forwards: 10, hand: 6, flagged: false},
		{name: "odd count: 2 of 5 is under 2.5", forwards: 5, hand: 2, flagged: true},
		{name: "odd count: 3 of 5 is over 2.5", forwards: 5, hand: 3, flagged: false},
		{name: "rule forwards that look forwarded do not mask", forwards: 2, bothFwd: 8, flagged: true},
		{name: "no forwards, many hand forwards", hand: 20, flagged: false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			d := newTestDetector(Options{})
			var c collector
			n := 0
			feed(t, d, &c, "box", n, tc.forwards, forwardMsg)
			n += tc.forwards
			feed(t, d, &c, "box", n, tc.redirects, redirectMsg)
			n += tc.redirects
			feed(t, d, &c, "box", n, tc.hand, handMsg)
			n += tc.hand
			feed(t, d, &c, "box", n, tc.bothFwd, forwardMsg+handMsg)
			n += tc.bothFwd
			feed(t, d, &c, "box", n, 7, plainMsg)

			st := d.Stats()
			if len(st) != 1 {
				t.Fatalf("stats for %d mailboxes", len(st))
			}
			s := st[0]
			if s.AutoForwarded != tc.forwards+tc.bothFwd || s.Redirected != tc.redirects ||
				s.LooksForwarded != tc.hand+tc.bothFwd || s.Both != tc.bothFwd || s.Messages != n+7 {
				t.Fatalf("counts %+v", s)
			}
			if s.Flagged != tc.flagged {
				t.Fatalf("Flagged = %v, want %v (%+v)", s.Flagged, tc.flagged, s)
			}
			if err := d.Flush(context.Background(), c.emit); err != nil {
				t.Fatal(err)
			}
			got := c.byRule(RuleIDUnmatchedForwarding)
			if (len(got) == 1) != tc.flagged || len(got) > 1 {
				t.Fatalf("%d unmatched alerts, flagged %v", len(got), tc.flagged)
			}
			if tc.flagged {
				a := got[0]
				if a.Rule.Level != alert.High || a.Mailbox != "box" || a.Origin.File != "box" {
					t.Errorf("alert %+v", a)
				}
				if a.MemberCount != tc.forwards+tc.redirects+tc.bothFwd || len(a.Members) != a.MemberCount {
					t.Errorf("members %d/%d", len(a.Members), a.MemberCount)
				}
				if len(a.Reasons) < 2 || !strings.Contains(a.Reasons[0], "at least the minimum of 5") {
					t.Errorf("reasons = %q", a.Reasons)
				}
			}
		})
	}
}

func TestHeuristicOptions(t *testing.T) {
	d := newTestDetector(Options{MinAutoForwarded: 2, MaxLooksForwardedRatio: 1.0, MaxMembers: 3})
	var c collector
	feed(t, d, &c, "box", 0, 6, forwardMsg)
	feed(t, d, &c, "box", 6, 5, handMsg)
	s := d.Stats()[0]
	if !s.Flagged {
		t.Fatalf("5 hand < 1.0×6 auto should flag: %+v", s)
	}
	if len(s.Members) != 3 || s.MemberCount != 6 {
		t.Fatalf("members %d, count %d; want capped at 3, count 6", len(s.Members), s.MemberCount)
	}
	if len(s.Destinations) != 1 || s.Destinations[0] != (DestinationStat{Address: "carol@drop.example", Count: 6}) {
		t.Fatalf("destinations %+v", s.Destinations)
	}
	if len(s.Domains) != 1 || s.Domains[0].Domain != "drop.example" || s.Domains[0].Count != 6 {
		t.Fatalf("domains %+v", s.Domains)
	}
}

func TestDeterministicIDs(t *testing.T) {
	run := func() []string {
		d := New(Options{})
		var c collector
		feed(t, d, &c, "alice", 0, 6, forwardMsg)
		feed(t, d, &c, "bob", 0, 6, redirectMsg)
		if err := d.Flush(context.Background(), c.emit); err != nil {
			t.Fatal(err)
		}
		var ids []string
		for _, a := range c.as {
			ids = append(ids, a.Rule.ID+" "+a.ID)
		}
		slices.Sort(ids)
		return ids
	}
	a, b := run(), run()
	if !slices.Equal(a, b) {
		t.Fatalf("ids differ between runs:\n%v\n%v", a, b)
	}
	if len(a) != 14 {
		t.Fatalf("got %d alerts, want 12 per-message + 2 per-mailbox", len(a))
	}
	seen := map[string]bool{}
	for _, s := range a {
		id := strings.Fields(s)[1]
		if seen[id] {
			t.Fatalf("duplicate id %s", id)
		}
		seen[id] = true
	}
	// The id is alert.ID over (detector, rule, origin[, mailbox]).
	d := New(Options{})
	var c collector
	e := messageEvent(t, "alice", 3, forwardMsg)
	if err := d.Detect(context.Background(), e, c.emit); err != nil {
		t.Fatal(err)
	}
	o := e.Origin
	o.RecordID = "<q3@sender.example>"
	if want := alert.ID("header", RuleIDAutoForward, o); c.as[0].ID != want {
		t.Fatalf("id %s, want alert.ID(...) = %s", c.as[0].ID, want)
	}
	feed(t, d, &c, "alice", 10, 5, forwardMsg)
	if err := d.Flush(context.Background(), c.emit); err != nil {
		t.Fatal(err)
	}
	agg := c.byRule(RuleIDUnmatchedForwarding)
	if want := alert.ID("header", RuleIDUnmatchedForwarding, event.Origin{File: "alice"}, "alice"); len(agg) != 1 || agg[0].ID != want {
		t.Fatalf("aggregate id %v, want %s", agg, want)
	}
}

// TestDetectorConcurrent runs Detect from many goroutines over several
// mailboxes (run with -race) and checks no count is lost.
func TestDetectorConcurrent(t *testing.T) {
	d := newTestDetector(Options{InternalDomains: []string{"corp.example"}})
	var c collector
	const workers, per = 8, 48
	boxes := []string{"alice", "bob", "carol"}
	var wg sync.WaitGroup
	for w := range workers {
		wg.Go(func() {
			for i := range per {
				box := boxes[(w+i)%len(boxes)]
				head := []string{forwardMsg, redirectMsg, handMsg, plainMsg}[i%4]
				if err := d.Detect(context.Background(), messageEvent(t, box, w*per+i, head), c.emit); err != nil {
					t.Error(err)
				}
				if i%10 == 0 {
					_ = d.Stats()
				}
			}
		})
	}
	wg.Wait()
	if err := d.Flush(context.Background(), c.emit); err != nil {
		t.Fatal(err)
	}
	st := d.Stats()
	if len(st) != len(boxes) || !slices.IsSortedFunc(st, func(a, b MailboxStats) int { return strings.Compare(a.Mailbox, b.Mailbox) }) {
		t.Fatalf("stats not one per mailbox, sorted: %+v", st)
	}
	total, auto := 0, 0
	for _, s := range st {
		total += s.Messages
		auto += s.AutoForwarded + s.Redirected
	}
	if total != workers*per || auto != workers*per/2 {
		t.Fatalf("total %d auto %d, want %d and %d", total, auto, workers*per, workers*per/2)
	}
	if got := len(c.byRule(RuleIDAutoForward)) + len(c.byRule(RuleIDRedirect)); got != auto {
		t.Fatalf("%d per-message alerts, want %d", got, auto)
	}
}
