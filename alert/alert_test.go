package alert

import (
	"encoding/json"
	"testing"

	"github.com/mailtrip/mailtrip/event"
)

func TestIDDeterministic(t *testing.T) {
	o := event.Origin{File: "a.mbox", Offset: 42, RecordID: "<x@y>"}
	id := ID("header", "r1", o)
	if len(id) != 24 || id != ID("header", "r1", o) {
		t.Fatalf("id %q not stable or not 24 characters", id)
	}
	for name, other := range map[string]string{
		"detector": ID("sigma", "r1", o),
		"rule":     ID("header", "r2", o),
		"offset":   ID("header", "r1", event.Origin{File: "a.mbox", Offset: 43, RecordID: "<x@y>"}),
		"file":     ID("header", "r1", event.Origin{File: "b.mbox", Offset: 42, RecordID: "<x@y>"}),
		"extra":    ID("header", "r1", o, "mailbox"),
		// Length prefixes keep ("ab","c") and ("a","bc") apart.
		"boundary": ID("header", "r", event.Origin{File: "1a.mbox", Offset: 42, RecordID: "<x@y>"}),
	} {
		if other == id {
			t.Errorf("changing the %s does not change the id", name)
		}
	}
}

func TestLevelJSON(t *testing.T) {
	for _, l := range []Level{Informational, Low, Medium, High, Critical} {
		b, err := json.Marshal(Rule{Level: l})
		if err != nil {
			t.Fatal(err)
		}
		var r Rule
		if err := json.Unmarshal(b, &r); err != nil || r.Level != l {
			t.Errorf("%v did not round-trip: %s, %v", l, b, err)
		}
	}
	if _, err := ParseLevel("severe"); err == nil {
		t.Error("ParseLevel accepted an unknown level")
	}
	if l, _ := ParseLevel("INFO"); l != Informational {
		t.Error("info is informational")
	}
}

func TestSortAlerts(t *testing.T) {
	as := []Alert{{ID: "b", Rule: Rule{Level: Low}}, {ID: "a", Rule: Rule{Level: High}}, {ID: "c", Rule: Rule{Level: Low}}}
	SortAlerts(as)
	if as[0].ID != "a" || as[1].ID != "b" || as[2].ID != "c" {
		t.Errorf("order %v", as)
	}
}
