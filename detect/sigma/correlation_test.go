package sigma

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/mailtrip/mailtrip/alert"
	"github.com/mailtrip/mailtrip/event"
)

var t0 = time.Date(2024, 5, 6, 8, 0, 0, 0, time.UTC)

// specCorrelation reads a correlation rule of the specification's tests.
func specCorrelation(t *testing.T, name string) string {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(sharedTestdata(t, "spec", "tests", "schema", "correlation"), name))
	if err != nil {
		t.Fatal(err)
	}
	return string(data)
}

// baseRule is a detection rule matching Kind: kind.
func baseRule(id, name, kind string) string {
	return fmt.Sprintf("title: %s\nid: %s\nname: %s\nlogsource: {product: test}\ndetection:\n  sel: {Kind: %s}\n  condition: sel\nlevel: low\n", name, id, name, kind)
}

// ev builds an event at t0+at.
func ev(at time.Duration, line int, fields map[string]any) *event.Event {
	return &event.Event{Kind: event.KindLog, Time: t0.Add(at), Fields: fields,
		Origin: event.Origin{File: "corr.jsonl", Offset: -1, Line: int64(line)}}
}

// runDetector feeds events and flushes, returning the alerts.
func runDetector(t *testing.T, src string, evs []*event.Event) []alert.Alert {
	t.Helper()
	rs := compileYAML(t, src, Config{IgnoreLogsource: true})
	d := NewDetector(rs, Options{Now: func() time.Time { return t0 }})
	var out []alert.Alert
	emit := func(a alert.Alert) { out = append(out, a) }
	for _, e := range evs {
		if err := d.Detect(context.Background(), e, emit); err != nil {
			t.Fatal(err)
		}
	}
	if err := d.Flush(context.Background(), emit); err != nil {
		t.Fatal(err)
	}
	return out
}

func alertsOf(as []alert.Alert, ruleID string) []alert.Alert {
	var out []alert.Alert
	for _, a := range as {
		if a.Rule.ID == ruleID {
			out = append(out, a)
		}
	}
	return out
}

func TestCorrelationEventCount(t *testing.T) {
	src := specCorrelation(t, "event_count.yml") + "\n---\n" + baseRule("5638f7c0-ac70-491d-8465-2a65075e0d86", "failed", "fail")
	var evs []*event.Event
	line := 0
	add := func(host string, n int, every time.Duration) {
		for i := 0; i < n; i++ {
			line++
			evs = append(evs, ev(time.Duration(i)*every, line, map[string]any{"Kind": "fail", "ComputerName": host}))
		}
	}
	add("hostA", 100, 30*time.Second) // 100 within 50 minutes: fires
	add("hostB", 99, time.Second)     // one short
	add("hostC", 100, 2*time.Minute)  // 100 over 200 minutes: never 100 in one hour
	as := runDetector(t, src, evs)
	got := alertsOf(as, "0e95725d-7320-415d-80f7-004da920fc11")
	if len(got) != 1 {
		t.Fatalf("%d correlation alerts, want 1: %+v", len(got), got)
	}
	a := got[0]
	if a.Evidence["ComputerName"] != "hostA" || a.MemberCount != 100 || len(a.Members) != 100 {
		t.Errorf("alert = %+v", a)
	}
	if len(alertsOf(as, "5638f7c0-ac70-491d-8465-2a65075e0d86")) != 0 {
		t.Error("the base rule alerted on its own though the correlation does not generate it")
	}
}

func TestCorrelationValueCount(t *testing.T) {
	src := specCorrelation(t, "value_count.yml") + "\n---\n" + baseRule("5638f7c0-ac70-491d-8465-2a65075e0d86", "failed", "fail")
	var evs []*event.Event
	for i := 0; i < 100; i++ { // 100 distinct users from one workstation: fires
		evs = append(evs, ev(time.Duration(i)*time.Minute, i+1, map[string]any{"Kind": "fail", "ComputerName": "dc1", "WorkstationName": "ws1", "User": fmt.Sprintf("u%d", i)}))
	}
	for i := 0; i < 300; i++ { // 300 failures of 10 users: does not
		evs = append(evs, ev(time.Duration(i)*time.Second, 1000+i, map[string]any{"Kind": "fail", "ComputerName": "dc1", "WorkstationName": "ws2", "User": fmt.Sprintf("u%d", i%10)}))
	}
	got := alertsOf(runDetector(t, src, evs), "0e95725d-7320-415d-80f7-004da920fc12")
	if len(got) != 1 || got[0].Evidence["WorkstationName"] != "ws1" || got[0].Evidence["correlation.value"] != float64(100) {
		t.Fatalf("alerts = %+v", got)
	}
}

func TestCorrelationTemporal(t *testing.T) {
	for _, tc := range []struct {
		file    string
		order   []string
		gap     time.Duration
		sameUsr bool
		want    int
	}{
		{"temporal.yml", []string{"a", "b", "c"}, time.Minute, true, 1},
		{"temporal.yml", []string{"c", "a", "b"}, time.Minute, true, 1},
		{"temporal.yml", []string{"a", "b"}, time.Minute, true, 0},
		{"temporal.yml", []string{"a", "b", "c"}, 3 * time.Minute, true, 0}, // spans 6 minutes
		{"temporal.yml", []string{"a", "b", "c"}, time.Minute, false, 0},
		{"temporal_ordered.yml", []string{"a", "b", "c"}, time.Minute, true, 1},
		{"temporal_ordered.yml", []string{"c", "b", "a"}, time.Minute, true, 0},
		{"temporal_ordered.yml", []string{"b", "a", "b", "c"}, time.Minute, true, 1},
		{"temporal_ordered.yml", []string{"a", "c", "b"}, time.Minute, true, 0},
	} {
		t.Run(fmt.Sprintf("%s %v gap %s same %v", tc.file, tc.order, tc.gap, tc.sameUsr), func(t *testing.T) {
			src := specCorrelation(t, tc.file)
			for _, k := range []string{"a", "b", "c"} {
				src += "\n---\n" + baseRule("id-"+k, "recon_cmd_"+k, k)
			}
			var evs []*event.Event
			for i, k := range tc.order {
				user := "alice"
				if !tc.sameUsr {
					user = fmt.Sprintf("user%d", i)
				}
				evs = append(evs, ev(time.Duration(i)*tc.gap, i+1, map[string]any{"Kind": k, "ComputerName": "pc1", "User": user}))
			}
			as := runDetector(t, src, evs)
			if len(as) != tc.want {
				t.Fatalf("%d alerts, want %d: %+v", len(as), tc.want, as)
			}
			if tc.want == 1 && (as[0].MemberCount < 3 || as[0].Evidence["User"] != "alice") {
				t.Errorf("alert = %+v", as[0])
			}
		})
	}
}

func TestCorrelationValueSumAvg(t *testing.T) {
	sum := specCorrelation(t, "value_sum.yml") + "\n---\n" + baseRule("id-web", "website_access", "web")
	var evs []*event.Event
	for i := 0; i < 10; i++ {
		evs = append(evs, ev(time.Duration(i)*time.Minute, i+1, map[string]any{"Kind": "web", "SourceIP": "10.0.0.1", "User": "bob", "bytes_sent": 150000}))
	}
	if got := runDetector(t, sum, evs); len(got) != 1 || got[0].Evidence["correlation.value"] != float64(1050000) {
		t.Fatalf("value_sum alerts = %+v", got)
	}
	if got := runDetector(t, sum, evs[:6]); len(got) != 0 {
		t.Fatalf("value_sum under the limit alerted: %+v", got)
	}

	avg := specCorrelation(t, "value_avg.yml") + "\n---\n" + baseRule("rule_a_id", "rule_a", "net")
	evs = nil
	for i, b := range []int{100, 400, 2000} {
		evs = append(evs, ev(time.Duration(i)*time.Hour, i+1, map[string]any{"Kind": "net", "SourceIP": "10.0.0.2", "User": "eve", "BytesOut": b}))
	}
	if got := runDetector(t, avg, evs); len(got) != 1 {
		t.Fatalf("value_avg alerts = %+v", got)
	}
}

func TestCorrelationUnsupportedPercentile(t *testing.T) {
	src := specCorrelation(t, "value_percentile.yml") + "\n---\n" + baseRule("id-pc", "process_creation", "pc")
	rules, err := Parse([]byte(src), "p.yml")
	if err != nil {
		t.Fatal(err)
	}
	_, rep := Compile(rules, Config{})
	if len(rep.Unsupported) != 1 || !strings.Contains(rep.Unsupported[0].Reason, "value_percentile") {
		t.Fatalf("report: %s", rep.Summary())
	}
}

// TestCorrelationSpecExample runs the specification's complete example:
// ten failed logins of a user followed by a successful login, chained
// through a named event_count correlation.
func TestCorrelationSpecExample(t *testing.T) {
	data, err := os.ReadFile(filepath.Join(sharedTestdata(t, "spec", "specification"), "sigma-correlation-rules-specification.md"))
	if err != nil {
		t.Fatal(err)
	}
	s := string(data)
	i := strings.Index(s, "### Failed Logins Followed by Successful Login")
	if i < 0 {
		t.Fatal("example not found in the specification")
	}
	s = s[i:]
	s = s[strings.Index(s, "```yml")+len("```yml"):]
	src := s[:strings.Index(s, "```")]

	login := func(at time.Duration, line int, user string, id int) *event.Event {
		return ev(at, line, map[string]any{"EventID": id, "User": user, "Channel": "Security"})
	}
	var evs []*event.Event
	for i := 0; i < 10; i++ {
		evs = append(evs, login(time.Duration(i)*10*time.Second, i+1, "alice", 4625))
	}
	evs = append(evs, login(3*time.Minute, 11, "alice", 4624)) // fires
	for i := 0; i < 9; i++ {
		evs = append(evs, login(time.Duration(i)*time.Second, 20+i, "bob", 4625))
	}
	evs = append(evs, login(time.Minute, 30, "bob", 4624))   // only nine failures
	evs = append(evs, login(time.Minute, 31, "carol", 4624)) // success first
	for i := 0; i < 10; i++ {
		evs = append(evs, login(2*time.Minute+time.Duration(i)*time.Second, 32+i, "carol", 4625))
	}
	as := runDetector(t, src, evs)
	if len(as) != 1 {
		t.Fatalf("%d alerts, want 1: %+v", len(as), as)
	}
	a := as[0]
	if a.Rule.ID != "b180ead8-d58f-40b2-ae54-c8940995b9b6" || a.Rule.Level != alert.High || a.Evidence["User"] != "alice" {
		t.Errorf("alert = %+v", a)
	}
	if a.Origin.Line != 11 {
		t.Errorf("alert origin = %+v, want the successful login (line 11)", a.Origin)
	}
}

func TestCorrelationUpperBound(t *testing.T) {
	src := `title: Too few heartbeats
id: hb-low
correlation:
  type: event_count
  rules: [heartbeat]
  group-by: [Host]
  timespan: 1h
  condition: {lt: 3}
  generate: true
` + "---\n" + baseRule("id-hb", "heartbeat", "hb")
	var evs []*event.Event
	for i := 0; i < 5; i++ { // h1: five in the first hour, then one in the third
		evs = append(evs, ev(time.Duration(i)*time.Minute, i+1, map[string]any{"Kind": "hb", "Host": "h1"}))
	}
	evs = append(evs, ev(150*time.Minute, 10, map[string]any{"Kind": "hb", "Host": "h1"}))
	evs = append(evs, ev(0, 20, map[string]any{"Kind": "hb", "Host": "h2"})) // h2: one
	as := runDetector(t, src, evs)
	corr := alertsOf(as, "hb-low")
	if len(corr) != 2 {
		t.Fatalf("%d correlation alerts, want 2 (h1's last window, h2): %+v", len(corr), corr)
	}
	if n := len(alertsOf(as, "id-hb")); n != 7 {
		t.Errorf("generate: true, want 7 base alerts, got %d", n)
	}
}

func TestCorrelationAliases(t *testing.T) {
	src := `title: error then connection
id: alias-corr
correlation:
  type: temporal
  rules: [internal_error, new_network_connection]
  group-by: [internal_ip]
  timespan: 10s
  aliases:
    internal_ip:
      internal_error: destination.ip
      new_network_connection: source.ip
---
` + baseRule("id-err", "internal_error", "err") + "---\n" + baseRule("id-conn", "new_network_connection", "conn")
	evs := []*event.Event{
		ev(0, 1, map[string]any{"Kind": "err", "destination": map[string]any{"ip": "10.0.0.5"}}),
		ev(2*time.Second, 2, map[string]any{"Kind": "conn", "source": map[string]any{"ip": "10.0.0.9"}}),
		ev(3*time.Second, 3, map[string]any{"Kind": "conn", "source": map[string]any{"ip": "10.0.0.5"}}),
	}
	as := runDetector(t, src, evs)
	if len(as) != 1 || as[0].Evidence["internal_ip"] != "10.0.0.5" || as[0].Origin.Line != 3 {
		t.Fatalf("alerts = %+v", as)
	}
}
