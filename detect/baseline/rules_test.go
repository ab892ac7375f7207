package baseline_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/netip"
	"testing"
	"time"

	"github.com/mailtrip/mailtrip/alert"
	"github.com/mailtrip/mailtrip/detect/baseline"
	"github.com/mailtrip/mailtrip/event"
)

var t0 = time.Date(2024, 5, 6, 12, 0, 0, 0, time.UTC)

// entra builds an Entra sign-in event in the Graph shape.
func entra(n int, user string, at time.Time, ip, country string, lat, lon float64, code int) *event.Event {
	f := map[string]any{
		"id": fmt.Sprint("s", n), "createdDateTime": at.Format(time.RFC3339), "userPrincipalName": user,
		"ipAddress": ip, "clientAppUsed": "Browser", "userAgent": "Mozilla/5.0",
		"status":                 map[string]any{"errorCode": json.Number(fmt.Sprint(code))},
		"location":               map[string]any{"countryOrRegion": country, "geoCoordinates": map[string]any{"latitude": json.Number(fmt.Sprint(lat)), "longitude": json.Number(fmt.Sprint(lon))}},
		"autonomousSystemNumber": json.Number("64500"),
	}
	return &event.Event{Kind: event.KindLog, Time: at, Mailbox: user, Fields: f,
		Origin: event.Origin{File: "signins.json", Line: int64(n), RecordID: fmt.Sprint("s", n), Format: "m365.signin"}}
}

// history gives a user 14 days of sign-ins from New York.
func history(user string, n *int) []*event.Event {
	var evs []*event.Event
	for d := 0; d < 14; d++ {
		*n++
		evs = append(evs, entra(*n, user, t0.AddDate(0, 0, d-14), "100.64.0.1", "US", 40.71, -74.0, 0))
	}
	return evs
}

func ruleIDs(as []alert.Alert) []string {
	var ids []string
	for _, a := range as {
		ids = append(ids, a.Rule.ID)
	}
	return ids
}

func TestTravel(t *testing.T) {
	tests := []struct {
		name          string
		after         time.Duration
		country       string
		lat, lon      float64
		wantTravel    bool
		wantNewCounty bool
	}{
		{"London 8h later is plausible", 8 * time.Hour, "GB", 51.5, -0.12, false, true},
		{"London 1h later is impossible", time.Hour, "GB", 51.5, -0.12, true, true},
		{"San Francisco 5h later is plausible", 5 * time.Hour, "US", 37.77, -122.42, false, false},
		{"San Francisco 30m later is impossible", 30 * time.Minute, "US", 37.77, -122.42, true, false},
		{"Newark 10m later is too close to count", 10 * time.Minute, "US", 40.73, -74.17, false, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			n := 0
			evs := history("a@x.example", &n)
			last := t0.Add(-24 * time.Hour)
			evs = append(evs, entra(100, "a@x.example", last, "100.64.0.1", "US", 40.71, -74.0, 0))
			evs = append(evs, entra(101, "a@x.example", last.Add(tc.after), "100.70.0.9", tc.country, tc.lat, tc.lon, 0))
			as := run(t, baseline.New(baseline.Options{}), evs, 1)
			var travel, country bool
			for _, a := range as {
				travel = travel || a.Rule.ID == baseline.RuleImpossibleTravel
				country = country || a.Rule.ID == baseline.RuleNewCountry
			}
			if travel != tc.wantTravel || country != tc.wantNewCounty {
				t.Errorf("alerts %v; want travel %v, new country %v", ruleIDs(as), tc.wantTravel, tc.wantNewCounty)
			}
		})
	}
}

func TestSignInCounts(t *testing.T) {
	t.Run("typos then success is fine", func(t *testing.T) {
		n := 0
		evs := history("a@x.example", &n)
		evs = append(evs, entra(50, "a@x.example", t0, "100.64.0.1", "US", 40.71, -74, 50126),
			entra(51, "a@x.example", t0.Add(time.Minute), "100.64.0.1", "US", 40.71, -74, 50126),
			entra(52, "a@x.example", t0.Add(2*time.Minute), "100.64.0.1", "US", 40.71, -74, 0))
		if as := run(t, baseline.New(baseline.Options{}), evs, 1); len(as) != 0 {
			t.Errorf("alerts %v", ruleIDs(as))
		}
	})
	t.Run("MFA interruptions are not failures", func(t *testing.T) {
		var evs []*event.Event
		for i := 0; i < 30; i++ {
			evs = append(evs, entra(i, "a@x.example", t0.Add(time.Duration(i)*time.Minute), "100.90.0.1", "NL", 52.37, 4.9, 50076))
		}
		evs = append(evs, entra(99, "a@x.example", t0.Add(40*time.Minute), "100.90.0.1", "NL", 52.37, 4.9, 0))
		if as := run(t, baseline.New(baseline.Options{}), evs, 1); len(as) != 0 {
			t.Errorf("alerts %v", ruleIDs(as))
		}
	})
	t.Run("success after failures", func(t *testing.T) {
		var evs []*event.Event
		for i := 0; i < 6; i++ {
			evs = append(evs, entra(i, "a@x.example", t0.Add(time.Duration(i)*time.Minute), "100.90.0.1", "NL", 52.37, 4.9, 50126))
		}
		evs = append(evs, entra(99, "a@x.example", t0.Add(10*time.Minute), "100.90.0.1", "NL", 52.37, 4.9, 0))
		as := run(t, baseline.New(baseline.Options{}), evs, 1)
		if len(as) != 1 || as[0].Rule.ID != baseline.RuleSuccessAfterFailure || as[0].MemberCount != 7 || as[0].Origin.RecordID != "s99" {
			t.Fatalf("alerts %+v", as)
		}
	})
	t.Run("spray from a trusted egress is ignored", func(t *testing.T) {
		var evs []*event.Event
		for i := 0; i < 20; i++ {
			evs = append(evs, entra(i, fmt.Sprintf("u%d@x.example", i), t0.Add(time.Duration(i)*time.Minute), "198.51.100.7", "US", 40.7, -74, 50126))
		}
		opt := baseline.Options{}
		if as := run(t, baseline.New(opt), evs, 1); len(as) != 1 || as[0].Rule.ID != baseline.RuleSpray {
			t.Errorf("untrusted: alerts %v", ruleIDs(as))
		}
		opt.TrustedNetworks = []netip.Prefix{netip.MustParsePrefix("198.51.100.0/24")}
		if as := run(t, baseline.New(opt), evs, 1); len(as) != 0 {
			t.Errorf("trusted: alerts %v", ruleIDs(as))
		}
	})
}

// TestStateCarriesBaseline: a first run learns, a second run with the
// same State judges a new country at once; without State it cannot.
func TestStateCarriesBaseline(t *testing.T) {
	n := 0
	first := history("a@x.example", &n)
	second := []*event.Event{entra(200, "a@x.example", t0.Add(48*time.Hour), "100.94.0.5", "BR", -23.55, -46.63, 0)}
	st := &memState{}
	if as := run(t, baseline.New(baseline.Options{State: st}), first, 2); len(as) != 0 {
		t.Fatalf("first run: %v", ruleIDs(as))
	}
	as := run(t, baseline.New(baseline.Options{State: st}), second, 2)
	if len(as) != 1 || as[0].Rule.ID != baseline.RuleNewCountry {
		t.Fatalf("second run with state: %v", ruleIDs(as))
	}
	if as := run(t, baseline.New(baseline.Options{}), second, 2); len(as) != 0 {
		t.Fatalf("second run without state: %v", ruleIDs(as))
	}
	// A corrupt profile is relearned, not an error.
	st.m[baseline.ProfileKey("a@x.example")] = []byte("{not json")
	if as := run(t, baseline.New(baseline.Options{State: st}), second, 1); len(as) != 0 {
		t.Fatalf("corrupt state: %v", ruleIDs(as))
	}
}

// TestDeterministic: the same input gives the same alerts whatever the
// number of goroutines and the order they deliver records in.
func TestDeterministic(t *testing.T) {
	tn, evs, _ := tenantEvents(t, 7)
	a1 := run(t, baseline.New(tenantOptions(t, tn)), evs, 1)
	rev := make([]*event.Event, len(evs))
	for i, e := range evs {
		rev[len(evs)-1-i] = e
	}
	a2 := run(t, baseline.New(tenantOptions(t, tn)), rev, 4)
	if len(a1) != len(a2) {
		t.Fatalf("%d vs %d alerts", len(a1), len(a2))
	}
	for i := range a1 {
		if a1[i].ID != a2[i].ID || a1[i].MemberCount != a2[i].MemberCount || a1[i].Summary != a2[i].Summary {
			t.Errorf("alert %d differs:\n%s %s\n%s %s", i, a1[i].ID, a1[i].Summary, a2[i].ID, a2[i].Summary)
		}
	}
}

// TestOddFields: records with missing, mistyped or absurd fields are
// ignored or read as far as they go, never a panic or an error.
func TestOddFields(t *testing.T) {
	odd := []map[string]any{
		{},
		{"Operation": "MailItemsAccessed"},
		{"Operation": "MailItemsAccessed", "UserId": "a", "Folders": "nope", "OperationProperties": 7, "OperationCount": "x"},
		{"Operation": "MailItemsAccessed", "UserId": "a", "Folders": []any{1, nil, map[string]any{"FolderItems": []any{"x", map[string]any{"InternetMessageId": 5}}}}},
		{"Operation": "UserLoginFailed", "UserId": []any{}, "ClientIP": "not an ip"},
		{"userPrincipalName": "a", "createdDateTime": "x", "status": "bad", "location": map[string]any{"geoCoordinates": map[string]any{"latitude": "999", "longitude": true}}},
		{"properties": map[string]any{"userPrincipalName": 3, "status": map[string]any{"errorCode": map[string]any{}}}},
		{"Service": "dovecot", "Event": "disconnected", "user": "a", "body_count": "-5", "body_bytes": "99999999999999999999999", "retr": "/"},
		{"Service": "dovecot", "Event": "auth_failed", "user": "a", "rip": "::ffff:1.2.3.4", "text": "auth failed, 999999999999 attempts"},
		{"id": map[string]any{"applicationName": "login"}, "event": "x"},
	}
	d := baseline.New(baseline.Options{Decoys: decoyIndex{}})
	c := &collector{}
	for i, f := range odd {
		for _, tm := range []time.Time{{}, t0} {
			e := &event.Event{Kind: event.KindLog, Time: tm, Mailbox: "a", Fields: f, Origin: event.Origin{File: "odd", Line: int64(i + 1)}}
			if err := d.Detect(context.Background(), e, c.emit); err != nil {
				t.Errorf("record %d: %v", i, err)
			}
		}
	}
	if err := d.Detect(context.Background(), nil, c.emit); err != nil {
		t.Error(err)
	}
	if err := d.Flush(context.Background(), c.emit); err != nil {
		t.Error(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := d.Detect(ctx, &event.Event{Kind: event.KindLog, Fields: odd[1]}, c.emit); err == nil {
		t.Error("cancelled context: no error")
	}
}
