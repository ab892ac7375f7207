package tripwire_test

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"testing"
	"time"

	"github.com/mailtrip/mailtrip/store"
	"github.com/mailtrip/mailtrip/tripwire"
)

func journalHits(first int64, n int) []store.Hit {
	hs := make([]store.Hit, n)
	for i := range hs {
		id := first + int64(i)
		hs[i] = store.Hit{ID: id, Time: time.Unix(1_700_000_000, id*1000).UTC(), DecoyID: "d1", SubID: "s1",
			Trigger: tripwire.TrapHTTP, SourceIP: "203.0.113.9", SourcePort: 40000 + int(id), UserAgent: "curl/8",
			Data: []byte(fmt.Sprintf(`{"n":%d}`, id)), Scanner: id%2 == 0, Expected: id%3 == 0, Test: id%5 == 0}
	}
	hs[0].DecoyID, hs[0].SubID, hs[0].Data = "", "", nil // an unresolved touch
	return hs
}

// openJournal opens dir and replays it from `from`, returning what it read.
func openJournal(t *testing.T, dir string, from int64, opt tripwire.JournalOptions) (*tripwire.Journal, []tripwire.JournalRecord, []tripwire.JournalCorruption) {
	t.Helper()
	j, err := tripwire.OpenJournal(dir, opt)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { j.Close() })
	var recs []tripwire.JournalRecord
	bad, err := j.Replay(context.Background(), from, func(r tripwire.JournalRecord) error {
		recs = append(recs, r)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return j, recs, bad
}

func recordHits(recs []tripwire.JournalRecord) []store.Hit {
	var hs []store.Hit
	for _, r := range recs {
		hs = append(hs, r.Hit)
	}
	return hs
}

func TestJournalFraming(t *testing.T) {
	dir := t.TempDir()
	j, recs, _ := openJournal(t, dir, 0, tripwire.JournalOptions{})
	if len(recs) != 0 {
		t.Fatalf("new journal replayed %d records", len(recs))
	}
	if _, err := j.Append(journalHits(1, 3)); err != nil {
		t.Fatal(err)
	}
	end, err := j.Append(journalHits(4, 5))
	if err != nil {
		t.Fatal(err)
	}
	j.Close()

	_, recs, bad := openJournal(t, dir, 0, tripwire.JournalOptions{})
	if len(bad) != 0 {
		t.Fatalf("corruption in a clean journal: %v", bad)
	}
	want := append(journalHits(1, 3), journalHits(4, 5)...)
	if got := recordHits(recs); !reflect.DeepEqual(got, want) {
		t.Fatalf("replayed\n%+v\nwant\n%+v", got, want)
	}
	pos := int64(0)
	for _, r := range recs {
		if r.Pos != pos || r.End <= r.Pos {
			t.Fatalf("record at %d..%d, want it to start at %d", r.Pos, r.End, pos)
		}
		pos = r.End
	}
	if pos != end {
		t.Fatalf("records end at %d, Append said %d", pos, end)
	}

	// Replay from a position: only what comes after it.
	_, recs, _ = openJournal(t, dir, recs[4].Pos, tripwire.JournalOptions{})
	if len(recs) != 4 || recs[0].Hit.ID != 5 {
		t.Fatalf("replay from record 5: got %d records starting at hit %d", len(recs), recs[0].Hit.ID)
	}
}

func TestJournalAppendBeforeReplay(t *testing.T) {
	j, err := tripwire.OpenJournal(t.TempDir(), tripwire.JournalOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer j.Close()
	if _, err := j.Append(journalHits(1, 1)); !errors.Is(err, tripwire.ErrJournalNotReplayed) {
		t.Fatalf("Append before Replay: %v", err)
	}
}

// segmentFile is the only segment of dir.
func segmentFile(t *testing.T, dir string) string {
	t.Helper()
	m, _ := filepath.Glob(filepath.Join(dir, "*.seg"))
	if len(m) != 1 {
		t.Fatalf("segments: %v, want one", m)
	}
	return m[0]
}

func TestJournalTornTail(t *testing.T) {
	for _, tc := range []struct {
		name string
		cut  func(b []byte, lastPos int64) []byte
	}{
		{"half a record", func(b []byte, last int64) []byte { return b[:last+(int64(len(b))-last)/2] }},
		{"header only", func(b []byte, last int64) []byte { return b[:last+5] }},
		{"zeros", func(b []byte, last int64) []byte { return append(b[:last], make([]byte, 4096)...) }},
		{"bad checksum", func(b []byte, last int64) []byte { b[len(b)-1] ^= 0xff; return b }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			j, _, _ := openJournal(t, dir, 0, tripwire.JournalOptions{})
			if _, err := j.Append(journalHits(1, 4)); err != nil {
				t.Fatal(err)
			}
			j.Close()
			_, recs, _ := openJournal(t, dir, 0, tripwire.JournalOptions{})
			last := recs[3].Pos
			seg := segmentFile(t, dir)
			b, _ := os.ReadFile(seg)
			if err := os.WriteFile(seg, tc.cut(b, last), 0o600); err != nil {
				t.Fatal(err)
			}

			j, recs, bad := openJournal(t, dir, 0, tripwire.JournalOptions{})
			if len(recs) != 3 || len(bad) != 0 {
				t.Fatalf("replayed %d records, %d corruptions; want 3 and the tail cut silently", len(recs), len(bad))
			}
			if fi, _ := os.Stat(seg); fi.Size() != last {
				t.Fatalf("segment is %d bytes after replay, want it cut to %d", fi.Size(), last)
			}
			if j.End() != last {
				t.Fatalf("End = %d, want %d", j.End(), last)
			}
			// The next batch follows the last good record.
			if _, err := j.Append(journalHits(10, 2)); err != nil {
				t.Fatal(err)
			}
			j.Close()
			_, recs, bad = openJournal(t, dir, 0, tripwire.JournalOptions{})
			if len(recs) != 5 || recs[3].Hit.ID != 10 || len(bad) != 0 {
				t.Fatalf("after the tail: %d records (%v), %d corruptions", len(recs), recordHits(recs), len(bad))
			}
		})
	}
}

func TestJournalCorruptMiddle(t *testing.T) {
	for _, tc := range []struct {
		name    string
		corrupt func(b []byte, pos int64)
	}{
		{"payload", func(b []byte, pos int64) { b[pos+12] ^= 0x55 }},
		{"length", func(b []byte, pos int64) { binary.LittleEndian.PutUint32(b[pos:], 0xfffffff0) }},
		{"checksum", func(b []byte, pos int64) { b[pos+4] ^= 1 }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			j, _, _ := openJournal(t, dir, 0, tripwire.JournalOptions{})
			if _, err := j.Append(journalHits(1, 5)); err != nil {
				t.Fatal(err)
			}
			j.Close()
			_, recs, _ := openJournal(t, dir, 0, tripwire.JournalOptions{})
			seg := segmentFile(t, dir)
			b, _ := os.ReadFile(seg)
			tc.corrupt(b, recs[1].Pos)
			if err := os.WriteFile(seg, b, 0o600); err != nil {
				t.Fatal(err)
			}
			_, got, bad := openJournal(t, dir, 0, tripwire.JournalOptions{})
			var ids []int64
			for _, r := range got {
				ids = append(ids, r.Hit.ID)
			}
			if !reflect.DeepEqual(ids, []int64{1, 3, 4, 5}) {
				t.Fatalf("replayed hits %v, want 1 3 4 5 (2 skipped)", ids)
			}
			if len(bad) != 1 || bad[0].Segment != seg || bad[0].Offset != recs[1].Pos || bad[0].Length != recs[1].End-recs[1].Pos {
				t.Fatalf("corruptions: %+v; want record 2 (%d..%d) of %s", bad, recs[1].Pos, recs[1].End, seg)
			}
			if fi, _ := os.Stat(seg); fi.Size() != int64(len(b)) {
				t.Fatalf("a corrupt middle truncated the segment")
			}
		})
	}
}

func TestJournalRotationAndRelease(t *testing.T) {
	dir := t.TempDir()
	opt := tripwire.JournalOptions{SegmentSize: 400}
	j, _, _ := openJournal(t, dir, 0, opt)
	var ends []int64
	for i := range 10 {
		end, err := j.Append(journalHits(int64(1+3*i), 3))
		if err != nil {
			t.Fatal(err)
		}
		ends = append(ends, end)
	}
	segs := j.Segments()
	if len(segs) < 3 {
		t.Fatalf("segments %v: want rotation at 400 bytes", segs)
	}
	if segs[0] != fmt.Sprintf("%020d.seg", 0) {
		t.Fatalf("first segment %s", segs[0])
	}
	// The store applied the first 6 batches: the segments wholly before
	// that go, the rest stays.
	applied := ends[5]
	if err := j.Release(applied); err != nil {
		t.Fatal(err)
	}
	left := j.Segments()
	if len(left) >= len(segs) || len(left) == 0 {
		t.Fatalf("after Release: %v (before %v)", left, segs)
	}
	j.Close()
	_, recs, bad := openJournal(t, dir, applied, opt)
	if len(bad) != 0 || len(recs) != 12 || recs[0].Hit.ID != 19 || recs[0].Pos != applied {
		t.Fatalf("replay from %d after Release: %d records from hit %d at %d, %v", applied, len(recs), recs[0].Hit.ID, recs[0].Pos, bad)
	}
	// Release keeps the active segment even when all is applied.
	j2, _, _ := openJournal(t, dir, applied, opt)
	if err := j2.Release(j2.End()); err != nil {
		t.Fatal(err)
	}
	if n := len(j2.Segments()); n != 1 {
		t.Fatalf("%d segments after releasing everything, want the active one", n)
	}
}

func TestJournalLostTail(t *testing.T) {
	// The store applied more than the journal holds (the journal's tail
	// was lost, or the journal was removed): new records go after the
	// store's position, never under it.
	dir := t.TempDir()
	j, _, _ := openJournal(t, dir, 0, tripwire.JournalOptions{})
	end, _ := j.Append(journalHits(1, 2))
	j.Close()
	applied := end + 1000
	j, recs, _ := openJournal(t, dir, applied, tripwire.JournalOptions{})
	if len(recs) != 0 || j.End() != applied {
		t.Fatalf("replay past the end: %d records, End %d; want none and %d", len(recs), j.End(), applied)
	}
	if _, err := j.Append(journalHits(3, 2)); err != nil {
		t.Fatal(err)
	}
	j.Close()
	_, recs, _ = openJournal(t, dir, applied, tripwire.JournalOptions{})
	if len(recs) != 2 || recs[0].Pos != applied {
		t.Fatalf("after a lost tail: %d records from %d", len(recs), recs[0].Pos)
	}

	// An empty journal directory starts at the store's position.
	j, _, _ = openJournal(t, t.TempDir(), 5000, tripwire.JournalOptions{Fsync: true})
	if e, _ := j.Append(journalHits(1, 1)); e <= 5000 {
		t.Fatalf("first record of a new journal ends at %d, want past the store's 5000", e)
	}
}
