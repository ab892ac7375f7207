package mbox

import (
	"fmt"
	"io"
	"slices"
)

// boundaryReadSize is the read size used while Boundaries looks for the
// next message start: most are found within one message's length, and a
// longer search reads on.
const boundaryReadSize = 64 << 10

// Boundaries returns offsets that split the mbox in ra (size bytes) into
// about parts pieces of equal size, each starting at a message boundary,
// so that the pieces can be read in parallel:
//
//	starts, err := mbox.Boundaries(f, size, runtime.NumCPU())
//	for i, start := range starts {
//		end := size
//		if i+1 < len(starts) {
//			end = starts[i+1]
//		}
//		r := mbox.NewReader(io.NewSectionReader(f, start, end-start),
//			mbox.Options{BaseOffset: start})
//		// ... r.Next() on its own goroutine
//	}
//
// The first offset is always 0 (so data before the first From_ line is
// reported by the first piece exactly as a sequential read reports it);
// each other one is the first boundary at or after size*i/parts.
// Offsets are strictly increasing; fewer than parts are returned when
// messages are few or large. The pieces together give exactly the
// messages, offsets and errors of one sequential read.
func Boundaries(ra io.ReaderAt, size int64, parts int) ([]int64, error) {
	starts := []int64{0}
	if parts <= 1 || size <= 0 {
		return starts, nil
	}
	for i := 1; i < parts; i++ {
		q := size * int64(i) / int64(parts)
		if q <= starts[len(starts)-1] {
			continue
		}
		p, ok, err := NextBoundary(ra, size, q)
		if err != nil {
			return nil, fmt.Errorf("find boundary after offset %d: %w", q, err)
		}
		if !ok {
			break
		}
		if p > starts[len(starts)-1] {
			starts = append(starts, p)
		}
	}
	return slices.Compact(starts), nil
}

// NextBoundary finds the first message boundary at or after offset q > 0
// of the mbox in ra (size bytes); ok is false when there is none. It is
// the step of Boundaries, for callers that start on the first piece
// before the last one is found.
func NextBoundary(ra io.ReaderAt, size, q int64) (p int64, ok bool, err error) {
	// Read from a few bytes before q: the empty line before a boundary
	// at q lies there.
	from := max(0, q-context)
	r := newReader(io.NewSectionReader(ra, from, size-from), Options{BaseOffset: from}, boundaryReadSize)
	r.buf = make([]byte, boundaryReadSize+2*lookahead)
	if from > 0 {
		r.startIdx = -1 // not the file start
	}
	if err := r.fill(0); err != nil {
		return 0, false, err
	}
	ok, err = r.seekBoundary(int(q - from))
	if err != nil || !ok {
		return 0, false, err
	}
	return r.base + int64(r.r), true, nil
}
