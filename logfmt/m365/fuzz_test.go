package m365

import (
	"bytes"
	"errors"
	"io"
	"testing"

	"github.com/mailtrip/mailtrip/logfmt"
)

// FuzzReader checks that no input makes the reader or an accessor panic
// or loop, and that every error is a ParseError.
// Seeds: testdata/fuzz/FuzzReader.
func FuzzReader(f *testing.F) {
	f.Add([]byte(`{"Operation":"UpdateInboxRules","Workload":"Exchange","ClientIP":"[::1]:5","OperationProperties":[{"Name":"RuleActions","Value":"[{\"ActionType\":\"Forward\",\"Recipients\":[\"a@b\"]}]"}]}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		r := NewReader(bytes.NewReader(data), Options{})
		for i := 0; i < len(data)+10; i++ {
			rec, err := r.Next()
			if err == io.EOF {
				return
			}
			if err != nil {
				var pe *logfmt.ParseError
				if !errors.As(err, &pe) {
					t.Fatalf("not a ParseError: %v", err)
				}
				continue
			}
			_ = rec.Operation() + rec.UserID() + rec.ClientIP() + rec.ResultStatus() + rec.ID()
			rec.MailAccess()
			rec.InboxRule()
			rec.ForwardAddresses()
		}
		t.Fatal("no EOF")
	})
}
