package evtx

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"reflect"
	"runtime"
	"testing"
	"time"
)

// recordsOf renders what a record sequence yields, errors included.
func recordsOf(t *testing.T, seq func(func(*Record, error) bool)) []string {
	t.Helper()
	var out []string
	for r, err := range seq {
		if err != nil {
			out = append(out, "error: "+err.Error())
			continue
		}
		out = append(out, fmt.Sprintf("%d %#x\n%s%v", r.ID, r.Offset, r.XML(), r.Fields()))
	}
	return out
}

// TestRecordsParallel: RecordsParallel yields what Records yields, in the
// same order, for every test file and for a damaged one, with any number of
// workers.
func TestRecordsParallel(t *testing.T) {
	files := testFiles(t)
	var inputs [][]byte
	for _, p := range files[:min(len(files), 12)] {
		data, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		inputs = append(inputs, data)
	}
	// A damaged copy of the largest: bad chunk magic, a bad record.
	big := inputs[0]
	for _, d := range inputs {
		if len(d) > len(big) {
			big = d
		}
	}
	bad := append([]byte(nil), big...)
	if len(bad) >= FileHeaderSize+2*ChunkSize {
		copy(bad[FileHeaderSize+ChunkSize:], "XXXX")
		bad[FileHeaderSize+600]++
	}
	inputs = append(inputs, bad)
	ctx := context.Background()
	for i, data := range inputs {
		f, err := Open(bytes.NewReader(data), int64(len(data)), nil)
		if err != nil {
			t.Fatal(err)
		}
		want := recordsOf(t, f.Records(ctx))
		for _, workers := range []int{0, 1, 2, 5} {
			got := recordsOf(t, f.RecordsParallel(ctx, workers))
			if !reflect.DeepEqual(got, want) {
				t.Errorf("input %d, %d workers: %d items, want %d; first difference:\n%s", i, workers, len(got), len(want), firstItemDiff(got, want))
			}
		}
	}
}

func firstItemDiff(got, want []string) string {
	for i := range min(len(got), len(want)) {
		if got[i] != want[i] {
			return firstDiff(got[i], want[i])
		}
	}
	return "(one is a prefix of the other)"
}

// TestMapChunksStop: breaking out of the loop and cancelling the context
// stop the workers.
func TestMapChunksStop(t *testing.T) {
	data := bigTestFile(t)
	f, err := Open(bytes.NewReader(data), int64(len(data)), nil)
	if err != nil {
		t.Fatal(err)
	}
	// A full run first, so that what the runtime starts once (the cleanup
	// goroutine behind the chunk-buffer pool) is running before counting.
	for range MapChunks(context.Background(), f, 3, func(c *Chunk) int { return len(c.Records) }) {
	}
	runtime.GC()
	before := runtime.NumGoroutine()
	n := 0
	for _, err := range MapChunks(context.Background(), f, 3, func(c *Chunk) int { return len(c.Records) }) {
		if err != nil {
			t.Fatal(err)
		}
		if n++; n == 2 {
			break
		}
	}
	// The workers stop on their own schedule after the break; give them a
	// moment.
	after := runtime.NumGoroutine()
	for i := 0; i < 100 && after > before; i++ {
		time.Sleep(10 * time.Millisecond)
		after = runtime.NumGoroutine()
	}
	if after > before {
		t.Errorf("%d goroutines after break, %d before", after, before)
	}
	ctx, cancel := context.WithCancelCause(context.Background())
	defer cancel(nil)
	stop := errors.New("stop")
	var last error
	n = 0
	for _, err := range MapChunks(ctx, f, 2, func(c *Chunk) int { return 0 }) {
		if err != nil {
			last = err
			continue
		}
		if n++; n == 1 {
			cancel(stop)
		}
	}
	if !errors.Is(last, stop) {
		t.Errorf("after cancel: last error %v, want the cause", last)
	}
}

// bigTestFile returns the test file with the most chunks.
func bigTestFile(t *testing.T) []byte {
	t.Helper()
	var big []byte
	for _, p := range testFiles(t) {
		st, err := os.Stat(p)
		if err != nil || st.Size() <= int64(len(big)) {
			continue
		}
		if big, err = os.ReadFile(p); err != nil {
			t.Fatal(err)
		}
	}
	return big
}

// TestChunkBufferReuse keeps some records while dropping the others and
// collecting garbage, so that chunk buffers get reused, and checks the kept
// records still render as they did.
func TestChunkBufferReuse(t *testing.T) {
	data := bigTestFile(t)
	ctx := context.Background()
	type kept struct {
		r        *Record
		xml      string
		fields   map[string]any
		fromFile int
	}
	var keep []kept
	for pass := range 4 {
		f, err := Open(bytes.NewReader(data), int64(len(data)), nil)
		if err != nil {
			t.Fatal(err)
		}
		i := 0
		for r, err := range f.RecordsParallel(ctx, 2) {
			if err != nil {
				continue
			}
			if i++; i%11 == pass {
				keep = append(keep, kept{r, r.XML(), r.Fields(), pass})
			}
			if i%50 == 0 {
				runtime.GC()
			}
		}
		runtime.GC()
	}
	runtime.GC()
	for _, k := range keep {
		if got := k.r.XML(); got != k.xml {
			t.Fatalf("record %d (pass %d) changed after its chunk buffer could be reused:\n%s", k.r.ID, k.fromFile, firstDiff(got, k.xml))
		}
		if got := k.r.Fields(); !reflect.DeepEqual(got, k.fields) {
			t.Fatalf("record %d (pass %d): Fields changed", k.r.ID, k.fromFile)
		}
	}
	if len(keep) == 0 {
		t.Fatal("no records kept")
	}
}
