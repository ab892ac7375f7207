package planted

import (
	"context"
	"testing"

	"github.com/mailtrip/mailtrip/alert"
	"github.com/mailtrip/mailtrip/event"
	"github.com/mailtrip/mailtrip/mailfmt"
)

func TestNeedles(t *testing.T) {
	r := NewRegistry()
	r.Add(Decoy{ID: "d1", MessageID: "<a@x>"}, []Token{
		{Sub: "s1", Kind: "url", Value: "https://files.canary.example/s/s1/a.pdf"},
		{Sub: "s2", Kind: "dns", Value: "vpn-s2.cdn.canary.example"},
		{Sub: "s3", Kind: "dns", Value: "s3.canary.example"},
		{Sub: "s4", Kind: "email", Value: "billing.s4@canary.example"},
	})
	var got []string
	for _, n := range r.needles {
		got = append(got, string(n))
	}
	if len(got) != 1 || got[0] != "canary.example" {
		t.Errorf("needles %q, want [canary.example]", got)
	}
}

func TestPlantedAtAndCopies(t *testing.T) {
	r := NewRegistry()
	r.Add(Decoy{ID: "d1", MessageID: "<decoy@corp.example>", Places: []Place{{Kind: "maildir", Target: "/m/Maildir",
		Folder: "INBOX", Path: "/m/Maildir/new/1700000000.M1P2Q3.host,S=10"}}}, nil)
	d := New(r)
	msg := func(file string) *event.Event {
		return &event.Event{Kind: event.KindMessage, Origin: event.Origin{File: file},
			Message: &mailfmt.Message{Header: mailfmt.Header{{Name: "Message-ID", Value: "<decoy@corp.example>"}}}}
	}
	for _, tc := range []struct {
		file   string
		alerts int
	}{
		{"/m/Maildir/new/1700000000.M1P2Q3.host,S=10", 0},
		{"/m/Maildir/cur/1700000000.M1P2Q3.host,S=10:2,S", 0}, // read by its owner: still the planted copy
		{"/loot/Maildir/cur/1700000000.M1P2Q3.host,S=10:2,S", 1},
		{"/tmp/export.mbox", 1},
	} {
		var got []alert.Alert
		e := msg(tc.file)
		if err := d.Detect(context.Background(), e, func(a alert.Alert) { got = append(got, a) }); err != nil {
			t.Fatal(err)
		}
		if len(got) != tc.alerts || e.Decoy != "d1" {
			t.Errorf("%s: %d alerts, event decoy %q", tc.file, len(got), e.Decoy)
		}
	}
}
