package main

import (
	"bytes"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

func TestProgressLine(t *testing.T) {
	var read atomic.Int64
	read.Store(512 << 20)
	for _, tc := range []struct {
		final bool
		want  []string
	}{
		{true, []string{"512.0 MiB / 1.0 GiB  50%", "msgs/s", "ETA"}},
		{false, []string{"512.0 MiB of 1.0 GiB listed so far"}},
	} {
		var out bytes.Buffer
		b := &progressBar{w: &out, bytes: &read, total: func() (int64, bool) { return 1 << 30, tc.final }, start: time.Now().Add(-time.Second)}
		b.messages.Store(1000)
		b.draw()
		for _, w := range tc.want {
			if !strings.Contains(out.String(), w) {
				t.Errorf("final=%v: %q lacks %q", tc.final, out.String(), w)
			}
		}
		if !tc.final && strings.Contains(out.String(), "ETA") {
			t.Errorf("ETA shown before the total is known: %q", out.String())
		}
	}
	for n, want := range map[int64]string{0: "0 B", 1023: "1023 B", 1536: "1.5 KiB", 3 << 30: "3.0 GiB"} {
		if got := humanBytes(n); got != want {
			t.Errorf("humanBytes(%d) = %q, want %q", n, got, want)
		}
	}
	if got := humanCount(1234567); got != "1,234,567" {
		t.Errorf("humanCount = %q", got)
	}
}
