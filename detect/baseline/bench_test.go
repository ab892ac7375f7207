package baseline_test

import (
	"context"
	"strings"
	"testing"

	"github.com/mailtrip/mailtrip/alert"
	"github.com/mailtrip/mailtrip/detect/baseline"
	"github.com/mailtrip/mailtrip/detect/baseline/internal/tenantgen"
	"github.com/mailtrip/mailtrip/event"
)

// m365Text returns the generated tenant's UAL and Entra streams as text.
func m365Text(b *testing.B) []*tenantgen.Stream {
	tn := tenantgen.Generate(tenantgen.Config{Seed: 1})
	var out []*tenantgen.Stream
	for _, s := range tn.Streams {
		if strings.HasPrefix(s.Format, "m365.") {
			out = append(out, s)
		}
	}
	return out
}

func join(s *tenantgen.Stream) string {
	var b strings.Builder
	for _, l := range s.Lines {
		b.WriteString(l.Text)
		b.WriteByte('\n')
	}
	return b.String()
}

// BenchmarkDetect: Detect on every record, then Flush (the rules run
// there), single goroutine; records/s is the number that matters.
func BenchmarkDetect(b *testing.B) {
	var evs []*event.Event
	for _, s := range m365Text(b) {
		evs = append(evs, readEvents(b, s.Name, s.Format, strings.NewReader(join(s)))...)
	}
	ctx := context.Background()
	emit := func(alert.Alert) {}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		d := baseline.New(baseline.Options{})
		for _, e := range evs {
			_ = d.Detect(ctx, e, emit)
		}
		_ = d.Flush(ctx, emit)
	}
	b.ReportMetric(float64(len(evs)*b.N)/b.Elapsed().Seconds(), "records/s")
}

// BenchmarkParse: the m365 reader alone on the same records.
func BenchmarkParse(b *testing.B) {
	benchParse(b, false)
}

// BenchmarkParseDetect: reader + Detect + Flush.
func BenchmarkParseDetect(b *testing.B) {
	benchParse(b, true)
}

func benchParse(b *testing.B, detect bool) {
	streams := m365Text(b)
	texts := make([]string, len(streams))
	size := 0
	for i, s := range streams {
		texts[i] = join(s)
		size += len(texts[i])
	}
	ctx := context.Background()
	emit := func(alert.Alert) {}
	n := 0
	b.SetBytes(int64(size))
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		d := baseline.New(baseline.Options{})
		for j, s := range streams {
			for _, e := range readEvents(b, s.Name, s.Format, strings.NewReader(texts[j])) {
				n++
				if detect {
					_ = d.Detect(ctx, e, emit)
				}
			}
		}
		if detect {
			_ = d.Flush(ctx, emit)
		}
	}
	b.ReportMetric(float64(n)/b.Elapsed().Seconds(), "records/s")
}
