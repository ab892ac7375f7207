package ingest

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"runtime"
	"strconv"
	"time"

	"github.com/mailtrip/mailtrip/event"
	"github.com/mailtrip/mailtrip/logfmt/evtx"
)

// evtxMagic starts every EVTX file ("ElfFile\0").
var evtxMagic = []byte("ElfFile\x00")

func isEVTX(head []byte) bool { return bytes.HasPrefix(head, evtxMagic) }

// EVTX records become events of Kind event.KindLog with Origin.Format
// "evtx", Origin.Offset the record's byte offset, Origin.RecordID its
// EventRecordID, Time its TimeCreated, and Fields as logfmt/evtx gives
// them: EventID, Channel, Computer, Provider_Name, ..., and EventData /
// UserData fields by name — the names Sigma rules use.

// parallelEVTX is the size from which an EVTX file's chunks are parsed in
// parallel.
const parallelEVTX = 16 << 20

// readEVTX reads an EVTX unit's chunks; a bad chunk or record is an error
// with its offset, and reading goes on with the next.
func (u *Unit) readEVTX(ctx context.Context, yield func(*event.Event, error) bool) {
	fh := u.spooled // standard input, copied to a file
	if fh == nil {
		var err error
		if fh, err = os.Open(u.Path); err != nil {
			yield(nil, fmt.Errorf("%s: %w", u.Path, unwrapPathError(err)))
			return
		}
	}
	defer fh.Close()
	fi, err := fh.Stat()
	if err != nil {
		yield(nil, fmt.Errorf("%s: %w", u.Path, err))
		return
	}
	f, err := evtx.Open(fh, fi.Size(), nil)
	if err != nil {
		yield(nil, fmt.Errorf("%s: %w", u.Path, err))
		return
	}
	if herr := f.HeaderError(); herr != nil {
		if !yield(nil, &Warning{File: u.Path, Offset: 0, What: herr.Error()}) {
			return
		}
	}
	if n := u.progress(); n != nil {
		defer n.Add(fi.Size())
	}
	records := f.Records(ctx)
	if fi.Size() >= parallelEVTX {
		// A large log: its chunks are parsed on every core, records still
		// come in file order.
		records = f.RecordsParallel(ctx, runtime.GOMAXPROCS(0))
	}
	for rec, err := range records {
		if err != nil {
			if !yield(nil, fmt.Errorf("%s: %w", u.Path, err)) {
				return
			}
			continue
		}
		fields := rec.Fields()
		ev := &event.Event{Kind: event.KindLog, Fields: fields, Mailbox: u.Path,
			Origin: event.Origin{File: u.Path, Offset: rec.Offset, RecordID: strconv.FormatUint(rec.ID, 10), Format: "evtx"}}
		if t, ok := fields["TimeCreated"].(time.Time); ok {
			ev.Time = t.UTC()
		} else {
			ev.Time = rec.Written.UTC()
		}
		if !yield(ev, nil) {
			return
		}
	}
}
