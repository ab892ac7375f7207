package baseline_test

import (
	"context"
	"errors"
	"io"
	"strings"
	"sync"
	"testing"

	"github.com/mailtrip/mailtrip/alert"
	"github.com/mailtrip/mailtrip/detect/baseline"
	"github.com/mailtrip/mailtrip/event"
	"github.com/mailtrip/mailtrip/logfmt/gws"
	"github.com/mailtrip/mailtrip/logfmt/m365"
	"github.com/mailtrip/mailtrip/logfmt/syslog"
)

// readEvents reads a log as ingest does (ingest/logs.go): the real
// logfmt reader, then the event with Time, Mailbox, Origin and Fields.
func readEvents(t testing.TB, name, format string, r io.Reader) []*event.Event {
	t.Helper()
	var out []*event.Event
	add := func(ev *event.Event, err error) bool {
		if err == io.EOF {
			return false
		}
		if ev != nil {
			ev.Origin.File, ev.Origin.Format = name, format
			out = append(out, ev)
		} else if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		return true
	}
	switch {
	case strings.HasPrefix(format, "m365."):
		mr := m365.NewReader(r, m365.Options{})
		for {
			rec, err := mr.Next()
			var ev *event.Event
			if rec != nil {
				ev = &event.Event{Kind: event.KindLog, Time: rec.Time, Mailbox: rec.UserID(), Fields: rec.Fields,
					Origin: event.Origin{Offset: rec.Offset, Line: int64(rec.Line), RecordID: rec.ID()}}
			}
			if !add(ev, err) {
				return out
			}
		}
	case strings.HasPrefix(format, "gws."):
		gr := gws.NewReader(r, gws.Options{})
		for {
			rec, err := gr.Next()
			var ev *event.Event
			if rec != nil {
				ev = &event.Event{Kind: event.KindLog, Time: rec.Time, Mailbox: rec.UserID(), Fields: rec.Fields,
					Origin: event.Origin{Offset: rec.Offset, Line: int64(rec.Line), RecordID: rec.ID()}}
			}
			if !add(ev, err) {
				return out
			}
		}
	default:
		sr := syslog.NewReader(r, syslog.Options{Year: 2024})
		for {
			rec, err := sr.Next()
			var ev *event.Event
			if rec != nil {
				f := make(map[string]any, len(rec.Fields)+6)
				for k, v := range rec.Fields {
					f[k] = v
				}
				f["Program"], f["Service"], f["Event"], f["Host"], f["PID"], f["Message"] =
					rec.Program, rec.Service, rec.Event, rec.Host, rec.PID, rec.Message
				ev = &event.Event{Kind: event.KindLog, Time: rec.Time, Mailbox: rec.UserID(), Fields: f,
					Origin: event.Origin{Offset: rec.Offset, Line: int64(rec.Line)}}
			}
			if err != nil && rec == nil && !errors.Is(err, io.EOF) {
				continue // a line that is not a record: skip, as ingest does
			}
			if !add(ev, err) {
				return out
			}
		}
	}
}

// collector gathers alerts from concurrent emits.
type collector struct {
	mu sync.Mutex
	as []alert.Alert
}

func (c *collector) emit(a alert.Alert) {
	c.mu.Lock()
	c.as = append(c.as, a)
	c.mu.Unlock()
}

// run feeds events to d from workers goroutines, then flushes.
func run(t testing.TB, d *baseline.Detector, evs []*event.Event, workers int) []alert.Alert {
	t.Helper()
	c := &collector{}
	ctx := context.Background()
	ch := make(chan *event.Event, 256)
	var wg sync.WaitGroup
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for e := range ch {
				if err := d.Detect(ctx, e, c.emit); err != nil {
					t.Error(err)
				}
			}
		}()
	}
	for _, e := range evs {
		ch <- e
	}
	close(ch)
	wg.Wait()
	if err := d.Flush(ctx, c.emit); err != nil {
		t.Fatal(err)
	}
	alert.SortAlerts(c.as)
	return c.as
}

// memState is an in-memory baseline.State.
type memState struct {
	mu sync.Mutex
	m  map[string][]byte
}

func (s *memState) Load(_ context.Context, key string) ([]byte, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.m[key], nil
}

func (s *memState) Save(_ context.Context, key string, v []byte) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.m == nil {
		s.m = map[string][]byte{}
	}
	s.m[key] = append([]byte(nil), v...)
	return nil
}

var _ baseline.State = (*memState)(nil)
