package event

import (
	"testing"

	"github.com/mailtrip/mailtrip/mailfmt"
)

func TestGet(t *testing.T) {
	e := &Event{Fields: map[string]any{"AuditData": map[string]any{"Operation": "New-InboxRule"}, "Id": "1"}}
	if v, ok := e.Get("AuditData.Operation"); !ok || v != "New-InboxRule" {
		t.Errorf("nested: %v %v", v, ok)
	}
	if _, ok := e.Get("AuditData.Missing"); ok {
		t.Error("missing nested field found")
	}
	if _, ok := e.Get("Id.Deeper"); ok {
		t.Error("descended into a string")
	}
	m := &Event{Kind: KindMessage, Message: &mailfmt.Message{Header: mailfmt.Header{{Name: "X-Forwarded-To", Value: "a@b"}}}}
	if v, ok := m.Get("header.x-forwarded-to"); !ok || v != "a@b" {
		t.Errorf("header lookup: %v %v", v, ok)
	}
	if _, ok := m.Get("header.Subject"); ok {
		t.Error("absent header found")
	}
}

func TestOriginString(t *testing.T) {
	for _, tc := range []struct {
		o    Origin
		want string
	}{
		{Origin{File: "a.mbox", Offset: 10}, "a.mbox@10"},
		{Origin{File: "a.eml"}, "a.eml"},
		{Origin{File: "a.log", Line: 3}, "a.log:3"},
	} {
		if got := tc.o.String(); got != tc.want {
			t.Errorf("%+v: %q, want %q", tc.o, got, tc.want)
		}
	}
}
