package sink_test

import (
	"net/http"
	"testing"
	"time"

	"github.com/mailtrip/mailtrip/sink"
)

func TestParseRetryAfter(t *testing.T) {
	now := time.Date(2025, 3, 1, 9, 0, 0, 0, time.UTC)
	tests := []struct {
		in   string
		want time.Duration
	}{
		{"", 0},
		{"0", 0},
		{"-5", 0},
		{"120", 2 * time.Minute},
		{" 3 ", 3 * time.Second},
		{"99999999999999999999", sink.MaxRetryAfter},
		{"86400", sink.MaxRetryAfter},
		{now.Add(90 * time.Second).Format(http.TimeFormat), 90 * time.Second},
		{now.Add(-time.Hour).Format(http.TimeFormat), 0},
		{"Sat, 01 Mar 2025 09:00:30 GMT", 30 * time.Second},
		{"Saturday, 01-Mar-25 09:00:30 GMT", 30 * time.Second}, // RFC 850, obsolete but allowed
		{"soon", 0},
		{"1.5", 0},
	}
	for _, tt := range tests {
		if got := sink.ParseRetryAfter(tt.in, now); got != tt.want {
			t.Errorf("ParseRetryAfter(%q) = %s, want %s", tt.in, got, tt.want)
		}
	}
}

// FuzzParseRetryAfter: whatever a receiver sends, the delay is within
// [0, MaxRetryAfter].
func FuzzParseRetryAfter(f *testing.F) {
	for _, s := range []string{"", "0", "120", "Sat, 01 Mar 2025 09:00:30 GMT", "-1", "1e9", "9223372036854775807"} {
		f.Add(s)
	}
	now := time.Date(2025, 3, 1, 9, 0, 0, 0, time.UTC)
	f.Fuzz(func(t *testing.T, s string) {
		if d := sink.ParseRetryAfter(s, now); d < 0 || d > sink.MaxRetryAfter {
			t.Errorf("ParseRetryAfter(%q) = %s", s, d)
		}
	})
}
