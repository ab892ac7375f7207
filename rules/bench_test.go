package rules

import (
	"bytes"
	"io"
	"testing"

	"github.com/mailtrip/mailtrip/detect/sigma"
	"github.com/mailtrip/mailtrip/event"
	"github.com/mailtrip/mailtrip/logfmt/jsonlog"
	"github.com/mailtrip/mailtrip/rules/internal/gen"
)

// benchEvents is the size of the generated stream; each benchmark
// iteration is one event, cycling through the stream.
const benchEvents = 20000

func benchStream(b *testing.B) ([]map[string]any, []byte, *sigma.Ruleset) {
	b.Helper()
	events := gen.Events(benchEvents, 1)
	data, err := gen.JSONL(events)
	if err != nil {
		b.Fatal(err)
	}
	return events, data, loadPack(b)
}

// BenchmarkPackMatch measures matching only: events are decoded before the
// clock starts. One goroutine, so events/s is per core.
func BenchmarkPackMatch(b *testing.B) {
	events, _, rs := benchStream(b)
	evs := make([]event.Event, len(events))
	for i, f := range events {
		evs[i] = event.Event{Kind: event.KindLog, Fields: f}
	}
	var hits int
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		rs.Match(&evs[i%len(evs)], func(*sigma.CompiledRule, *sigma.Record) { hits++ })
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "events/s")
	b.ReportMetric(float64(hits)/float64(b.N), "hits/event")
}

// BenchmarkPackDecodeMatch measures reading JSON Lines with the ingest
// reader (logfmt/jsonlog) and matching each record.
func BenchmarkPackDecodeMatch(b *testing.B) {
	_, data, rs := benchStream(b)
	b.SetBytes(int64(len(data) / benchEvents))
	var hits int
	b.ReportAllocs()
	b.ResetTimer()
	var jr *jsonlog.Reader
	for b.Loop() {
		if jr == nil {
			jr = jsonlog.NewReader(bytes.NewReader(data), jsonlog.Options{Kind: jsonlog.KindJSONL})
		}
		rec, err := jr.Next()
		if err == io.EOF {
			jr = nil
			continue // the restart costs one iteration in 20,000
		}
		if err != nil {
			b.Fatal(err)
		}
		e := event.Event{Kind: event.KindLog, Fields: rec.Fields}
		rs.Match(&e, func(*sigma.CompiledRule, *sigma.Record) { hits++ })
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "events/s")
	b.ReportMetric(float64(hits)/float64(b.N), "hits/event")
}

// BenchmarkDecodeOnly is BenchmarkPackDecodeMatch without matching: what
// the JSON reader costs on its own.
func BenchmarkDecodeOnly(b *testing.B) {
	_, data, _ := benchStream(b)
	b.SetBytes(int64(len(data) / benchEvents))
	b.ReportAllocs()
	b.ResetTimer()
	var jr *jsonlog.Reader
	for b.Loop() {
		if jr == nil {
			jr = jsonlog.NewReader(bytes.NewReader(data), jsonlog.Options{Kind: jsonlog.KindJSONL})
		}
		if _, err := jr.Next(); err == io.EOF {
			jr = nil
		} else if err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "events/s")
}
