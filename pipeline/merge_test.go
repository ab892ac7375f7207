package pipeline

import (
	"testing"

	"github.com/mailtrip/mailtrip/alert"
	"github.com/mailtrip/mailtrip/event"
)

func TestMergeByOrigin(t *testing.T) {
	o := event.Origin{File: "audit.jsonl", Line: 7}
	other := event.Origin{File: "audit.jsonl", Line: 8}
	mk := func(det, rule string, lvl alert.Level, o event.Origin, tags ...string) alert.Alert {
		a := alert.New(det, alert.Rule{ID: rule, Title: rule + " title", Level: lvl, Tags: tags}, o)
		a.Reasons = []string{rule + " matched"}
		return a
	}
	in := []alert.Alert{
		mk("sigma", "s1", alert.Medium, o, "attack.t1114.003"),
		mk("mailrules", "m1", alert.High, o, "attack.t1114.003", "attack.t1564.008"),
		mk("sigma", "s2", alert.Low, other),
	}
	out := MergeByOrigin(in)
	if len(out) != 2 {
		t.Fatalf("got %d alerts, want 2 (one per record)", len(out))
	}
	m := out[0]
	if m.Rule.ID != "m1" || m.Detector != "mailrules" {
		t.Fatalf("primary = %s/%s, want the high mailrules alert", m.Detector, m.Rule.ID)
	}
	if len(m.Reasons) != 2 || m.Reasons[1] != "s1 title: s1 matched" {
		t.Errorf("reasons = %q", m.Reasons)
	}
	also, _ := m.Evidence["also"].([]map[string]any)
	if len(also) != 1 || also[0]["rule_id"] != "s1" {
		t.Errorf("also = %v", m.Evidence["also"])
	}
	if len(m.Rule.Tags) != 2 {
		t.Errorf("tags = %v", m.Rule.Tags)
	}
	if out[1].Rule.ID != "s2" {
		t.Errorf("the other record's alert = %s", out[1].Rule.ID)
	}
	// The original alerts are not changed.
	if len(in[1].Reasons) != 1 {
		t.Errorf("input alert modified: %q", in[1].Reasons)
	}
}
