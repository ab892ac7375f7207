package auditparse

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"testing"

	"github.com/mailtrip/mailtrip/alert"
	"github.com/mailtrip/mailtrip/detect/baseline"
	"github.com/mailtrip/mailtrip/detect/mailrules"
	"github.com/mailtrip/mailtrip/event"
	"github.com/mailtrip/mailtrip/internal/gcpolicy"
	"github.com/mailtrip/mailtrip/logfmt/m365"
)

// corpus repeats the real UAL samples of platform/m365 (compacted) as
// JSON Lines to about size bytes, each copy with its own Id: the same
// input as logfmt/m365's BenchmarkReadUAL.
func corpus(b *testing.B, size int) []byte {
	_, file, _, _ := runtime.Caller(0)
	dir := filepath.Join(filepath.Dir(file), "..", "..", "..", "shared", "testdata", "platform", "m365")
	files, _ := filepath.Glob(filepath.Join(dir, "*.json"))
	if len(files) == 0 {
		b.Fatalf("no samples in %s (the benchmark needs ../shared/testdata beside the repository)", dir)
	}
	var elems [][]byte
	for _, f := range files {
		raw, err := os.ReadFile(f)
		if err != nil {
			b.Fatal(err)
		}
		var c bytes.Buffer
		if err := json.Compact(&c, raw); err != nil {
			b.Fatal(err)
		}
		elems = append(elems, c.Bytes())
	}
	var out []byte
	for i := 0; len(out) < size; i++ {
		e := bytes.Replace(elems[i%len(elems)], []byte(`"Id":"`), []byte(fmt.Sprintf(`"Id":"%08d-`, i)), 1)
		out = append(append(out, e...), '\n')
	}
	return out
}

// BenchmarkParseDetect reads the 4 MiB corpus with m365.NewReader, builds
// each event as ingest/logs.go does (Time, Mailbox = UserID, RecordID =
// ID, Format), and runs detect/baseline and detect/mailrules Detect on
// it; baseline's Flush runs once per pass. One goroutine: with
// GOMAXPROCS=1, records/s is per core; records/cpu-s divides by the
// process's CPU time instead of wall time, which other load on a shared
// machine disturbs less.
func BenchmarkParseDetect(b *testing.B) {
	benchAudit(b, true)
}

// BenchmarkParseDetectScanGC is BenchmarkParseDetect with the collector
// set as `mailtrip scan` sets it (internal/gcpolicy.Scan: collect when the
// heap nears 48 MiB rather than each time it doubles): the rate a scan of
// audit logs gets. Both are recorded in bench/README.md.
func BenchmarkParseDetectScanGC(b *testing.B) {
	defer gcpolicy.Scan()()
	benchAudit(b, true)
}

// BenchmarkParse is BenchmarkParseDetect without the detectors: reader
// and event building only.
func BenchmarkParse(b *testing.B) {
	benchAudit(b, false)
}

func benchAudit(b *testing.B, detect bool) {
	data := corpus(b, 4<<20)
	ctx := context.Background()
	alerts := 0
	emit := func(alert.Alert) { alerts++ }
	n := 0
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	b.ResetTimer()
	cpu0 := cpuTime()
	for i := 0; i < b.N; i++ {
		bd := baseline.New(baseline.Options{})
		md := mailrules.New(mailrules.Options{InternalDomains: []string{"splunkresearch.onmicrosoft.com"}})
		r := m365.NewReader(bytes.NewReader(data), m365.Options{})
		for {
			rec, err := r.Next()
			if err == io.EOF {
				break
			}
			if err != nil {
				b.Fatal(err)
			}
			ev := &event.Event{Kind: event.KindLog, Fields: rec.Fields,
				Origin: event.Origin{File: "bench.jsonl", Offset: rec.Offset, Line: int64(rec.Line), Format: "m365.ual"}}
			ev.Time, ev.Mailbox, ev.Origin.RecordID = rec.Time, rec.UserID(), rec.ID()
			n++
			if detect {
				_ = bd.Detect(ctx, ev, emit)
				_ = md.Detect(ctx, ev, emit)
			}
		}
		if detect {
			_ = bd.Flush(ctx, emit)
		}
	}
	b.ReportMetric(float64(n)/b.Elapsed().Seconds(), "records/s")
	if cpu := cpuTime() - cpu0; cpu > 0 {
		b.ReportMetric(float64(n)/cpu.Seconds(), "records/cpu-s")
	}
	if detect && alerts == 0 {
		b.Fatal("no alerts: the detectors did not see the records")
	}
}
