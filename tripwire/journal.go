package tripwire

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/mailtrip/mailtrip/store"
)

// The hit journal is where [Service] makes a touch durable before the trap
// answers, so that the SQLite work (attribution, incidents, alerts, outbox)
// runs off the answer path. It is a directory of numbered segment files:
//
//	<dir>/<base>.seg   base: the journal position of the segment's first byte,
//	                   20 decimal digits, so names sort in position order
//
// A journal position is a byte offset in the concatenation of every segment
// ever written; positions only grow, and a gap between one segment's end
// and the next one's base is allowed (segments are deleted once applied,
// and a journal that lost its tail starts over at the store's position).
//
// A segment is a sequence of records, one per hit:
//
//	record  = length crc payload
//	length  = uint32, little endian: the payload's size (1..maxRecord)
//	crc     = uint32, little endian: CRC-32C (Castagnoli) of length and payload
//	payload = version(1) id time-ns decoy sub trigger source-ip source-port
//	          user-agent data flags
//	          integers as varints, strings and data as uvarint length + bytes,
//	          flags one byte (1 scanner, 2 expected, 4 test)
//
// Each group-commit batch is one write(2) of its records. Once write
// returns the data is in the kernel's page cache: it survives a crash of
// the process (kill -9), not a power loss or a kernel crash. Fsync makes
// every batch wait for the disk too, for power-loss durability (SQLite runs
// with synchronous=NORMAL, which gives the same guarantee for the store).
//
// Replay checks every record's CRC. A torn or corrupt tail of the last
// segment (a write cut short) is truncated with a warning; a bad record
// followed by good ones is reported as a [JournalCorruption] with segment
// and offset, and replay goes on at the next record whose frame checks out.
type Journal struct {
	dir string
	opt JournalOptions

	mu       sync.Mutex
	segs     []journalSegment // in position order; the last one is active
	f        *os.File         // the active segment, open for appending
	end      int64            // position after the last record
	replayed bool
	buf      []byte
}

// JournalOptions configure a [Journal].
type JournalOptions struct {
	// Fsync syncs each batch to disk before Append returns (power-loss
	// durability, at the cost of one fsync per batch).
	Fsync bool
	// SegmentSize: a segment that has reached it is closed and the next
	// batch starts a new one (default 64 MiB).
	SegmentSize int64
	Log         *slog.Logger
}

type journalSegment struct {
	base int64 // position of the first byte
	size int64 // bytes in the file
}

func (s journalSegment) name() string { return fmt.Sprintf("%020d.seg", s.base) }

// JournalRecord is one hit read back from the journal: Pos is where its
// record starts, End where the next one does.
type JournalRecord struct {
	Pos, End int64
	Hit      store.Hit
}

// JournalCorruption reports records of a segment that failed their checks
// and were skipped: Offset and Length are bytes within Segment.
type JournalCorruption struct {
	Segment string
	Offset  int64
	Length  int64
	Reason  string
}

func (c *JournalCorruption) Error() string {
	return fmt.Sprintf("journal segment %s: %d bytes at offset %d skipped: %s", c.Segment, c.Length, c.Offset, c.Reason)
}

const (
	journalVersion    = 1
	frameHeader       = 8
	maxRecord         = 1 << 20 // a hit's detail is bounded well below this
	defaultSegment    = 64 << 20
	journalFileSuffix = ".seg"
)

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

// ErrJournalNotReplayed: Append was called before Replay.
var ErrJournalNotReplayed = errors.New("journal: append before replay")

// OpenJournal opens (creating it if need be) the journal in dir. Call
// Replay once before appending: it checks the records after the applied
// position and finds where the next batch goes.
func OpenJournal(dir string, opt JournalOptions) (*Journal, error) {
	if opt.SegmentSize <= 0 {
		opt.SegmentSize = defaultSegment
	}
	if opt.Log == nil {
		opt.Log = slog.New(slog.DiscardHandler)
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("open journal: %w", err)
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, fmt.Errorf("open journal: %w", err)
	}
	j := &Journal{dir: dir, opt: opt}
	for _, e := range entries {
		name := e.Name()
		if e.IsDir() || !strings.HasSuffix(name, journalFileSuffix) {
			continue
		}
		base, err := strconv.ParseInt(strings.TrimSuffix(name, journalFileSuffix), 10, 64)
		if err != nil || base < 0 {
			opt.Log.Warn("journal: ignoring a file that is not a segment", "dir", dir, "file", name)
			continue
		}
		info, err := e.Info()
		if err != nil {
			return nil, fmt.Errorf("open journal: %w", err)
		}
		j.segs = append(j.segs, journalSegment{base: base, size: info.Size()})
	}
	slices.SortFunc(j.segs, func(a, b journalSegment) int { return cmpInt64(a.base, b.base) })
	return j, nil
}

func cmpInt64(a, b int64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// Dir is the journal's directory.
func (j *Journal) Dir() string { return j.dir }

// End is the position after the last record appended or replayed.
func (j *Journal) End() int64 {
	j.mu.Lock()
	defer j.mu.Unlock()
	return j.end
}

// Replay calls fn for every good record at or after position from, in
// order, and makes the journal ready for Append. from is the position the
// store has applied (0 for a new store). Bad records are skipped and
// reported to the log and in the returned corruptions; a torn tail of the
// last segment is cut off. An error from fn stops the replay and is
// returned; Replay may then be called again.
func (j *Journal) Replay(ctx context.Context, from int64, fn func(JournalRecord) error) ([]JournalCorruption, error) {
	j.mu.Lock()
	defer j.mu.Unlock()
	if j.f != nil {
		j.f.Close()
		j.f = nil
	}
	var bad []JournalCorruption
	if len(j.segs) > 0 && from < j.segs[0].base {
		c := JournalCorruption{Segment: "(before " + j.segs[0].name() + ")", Offset: from, Length: j.segs[0].base - from,
			Reason: "the store's applied position is before the journal's first segment: those hits are missing"}
		j.opt.Log.Warn("journal: "+c.Error(), "dir", j.dir)
		bad = append(bad, c)
	}
	end := from
	for i := range j.segs {
		seg := &j.segs[i]
		last := i == len(j.segs)-1
		if seg.base+seg.size <= from && !last {
			continue
		}
		start := max(from-seg.base, 0)
		if start > seg.size {
			// The store applied more than the journal holds: its tail was
			// lost (a power loss without Fsync). New records go after the
			// store's position.
			j.opt.Log.Warn("journal: the store's applied position is past the journal's end; starting a new segment there",
				"dir", j.dir, "segment", seg.name(), "segment_end", seg.base+seg.size, "applied", from)
			break
		}
		segEnd, segBad, err := j.replaySegment(ctx, seg, start, last, fn)
		bad = append(bad, segBad...)
		if err != nil {
			return bad, err
		}
		end = max(end, seg.base+segEnd)
	}
	j.end = end
	// Append to the last segment when it ends exactly at end; otherwise
	// (no segment, or the journal lost its tail) start one at end.
	if n := len(j.segs); n > 0 && j.segs[n-1].base+j.segs[n-1].size == end && j.segs[n-1].size < j.opt.SegmentSize {
		f, err := os.OpenFile(filepath.Join(j.dir, j.segs[n-1].name()), os.O_WRONLY|os.O_APPEND, 0o600)
		if err != nil {
			return bad, fmt.Errorf("journal: %w", err)
		}
		j.f = f
	} else if err := j.rotate(); err != nil {
		return bad, err
	}
	j.replayed = true
	return bad, nil
}

// replaySegment reads seg from offset start. It returns the offset after
// the last good record (the segment's size, once a torn tail is cut).
func (j *Journal) replaySegment(ctx context.Context, seg *journalSegment, start int64, last bool, fn func(JournalRecord) error) (int64, []JournalCorruption, error) {
	path := filepath.Join(j.dir, seg.name())
	b, err := os.ReadFile(path)
	if err != nil {
		return 0, nil, fmt.Errorf("journal: %w", err)
	}
	seg.size = int64(len(b))
	var bad []JournalCorruption
	off := start
	for off < int64(len(b)) {
		if err := ctx.Err(); err != nil {
			return off, bad, context.Cause(ctx)
		}
		h, n, reason := decodeFrame(b[off:])
		if reason == "" {
			if err := fn(JournalRecord{Pos: seg.base + off, End: seg.base + off + int64(n), Hit: h}); err != nil {
				return off, bad, err
			}
			off += int64(n)
			continue
		}
		next := resync(b, off+1)
		if next < 0 {
			if last {
				// A batch cut short: nobody was answered for it.
				j.opt.Log.Warn("journal: torn tail truncated", "segment", path, "offset", off,
					"bytes", int64(len(b))-off, "reason", reason)
				if err := os.Truncate(path, off); err != nil {
					return off, bad, fmt.Errorf("journal: truncate torn tail: %w", err)
				}
				seg.size = off
				return off, bad, nil
			}
			next = int64(len(b))
		}
		c := JournalCorruption{Segment: path, Offset: off, Length: next - off, Reason: reason}
		j.opt.Log.Error("journal: corrupt records skipped", "segment", path, "offset", off, "bytes", next-off, "reason", reason)
		bad = append(bad, c)
		off = next
	}
	return off, bad, nil
}

// resync finds the next offset at or after from where a whole frame checks
// out, or -1.
func resync(b []byte, from int64) int64 {
	for o := from; o+frameHeader < int64(len(b)); o++ {
		if _, _, reason := decodeFrame(b[o:]); reason == "" {
			return o
		}
	}
	return -1
}

// decodeFrame decodes the record at the start of b; reason says why it is
// not one.
func decodeFrame(b []byte) (h store.Hit, n int, reason string) {
	if len(b) < frameHeader {
		return h, 0, "short header"
	}
	size := binary.LittleEndian.Uint32(b)
	if size == 0 || size > maxRecord {
		return h, 0, fmt.Sprintf("bad length %d", size)
	}
	if int64(len(b)) < frameHeader+int64(size) {
		return h, 0, "record runs past the end of the segment"
	}
	payload := b[frameHeader : frameHeader+size]
	crc := crc32.Update(crc32.Checksum(b[:4], castagnoli), castagnoli, payload)
	if crc != binary.LittleEndian.Uint32(b[4:]) {
		return h, 0, "checksum mismatch"
	}
	h, err := decodeHit(payload)
	if err != nil {
		return h, 0, err.Error()
	}
	return h, frameHeader + int(size), ""
}

// Append writes hits as one batch (one write) and returns the position
// after it. With Fsync it returns after the data reached the disk.
func (j *Journal) Append(hits []store.Hit) (int64, error) {
	j.mu.Lock()
	defer j.mu.Unlock()
	if !j.replayed {
		return 0, ErrJournalNotReplayed
	}
	if j.f == nil || j.segs[len(j.segs)-1].size >= j.opt.SegmentSize {
		if err := j.rotate(); err != nil {
			return j.end, err
		}
	}
	buf := j.buf[:0]
	for i := range hits {
		start := len(buf)
		buf = append(buf, make([]byte, frameHeader)...)
		buf = appendHit(buf, &hits[i])
		size := len(buf) - start - frameHeader
		if size > maxRecord {
			return j.end, fmt.Errorf("journal: hit %d is %d bytes, more than %d", hits[i].ID, size, maxRecord)
		}
		binary.LittleEndian.PutUint32(buf[start:], uint32(size))
		crc := crc32.Update(crc32.Checksum(buf[start:start+4], castagnoli), castagnoli, buf[start+frameHeader:])
		binary.LittleEndian.PutUint32(buf[start+4:], crc)
	}
	j.buf = buf
	seg := &j.segs[len(j.segs)-1]
	n, err := j.f.Write(buf)
	if err != nil {
		// A short write leaves a torn record: cut it off so the next
		// batch starts at a record boundary.
		if n > 0 {
			if terr := j.f.Truncate(seg.size); terr != nil {
				j.f.Close()
				j.f = nil // the next Append starts a new segment
			}
		}
		return j.end, fmt.Errorf("journal: write: %w", err)
	}
	seg.size += int64(n)
	j.end += int64(n)
	if j.opt.Fsync {
		if err := j.f.Sync(); err != nil {
			return j.end, fmt.Errorf("journal: fsync: %w", err)
		}
	}
	if cap(j.buf) > 4<<20 {
		j.buf = nil // do not keep a huge batch's buffer
	}
	return j.end, nil
}

// rotate closes the active segment and starts a new one at the end; the
// caller holds mu.
func (j *Journal) rotate() error {
	if j.f != nil {
		if j.opt.Fsync {
			_ = j.f.Sync()
		}
		j.f.Close()
		j.f = nil
	}
	seg := journalSegment{base: j.end}
	if n := len(j.segs); n > 0 && j.segs[n-1].base == seg.base {
		// An empty (or fully truncated) segment at the same base: reuse it.
		j.segs = j.segs[:n-1]
	}
	f, err := os.OpenFile(filepath.Join(j.dir, seg.name()), os.O_WRONLY|os.O_CREATE|os.O_APPEND|os.O_TRUNC, 0o600)
	if err != nil {
		return fmt.Errorf("journal: new segment: %w", err)
	}
	if j.opt.Fsync {
		if d, err := os.Open(j.dir); err == nil {
			_ = d.Sync()
			d.Close()
		}
	}
	j.f = f
	j.segs = append(j.segs, seg)
	return nil
}

// Release deletes the segments wholly before position applied (the store
// has applied them). The active segment is kept.
func (j *Journal) Release(applied int64) error {
	j.mu.Lock()
	defer j.mu.Unlock()
	var firstErr error
	for len(j.segs) > 1 && j.segs[0].base+j.segs[0].size <= applied {
		if err := os.Remove(filepath.Join(j.dir, j.segs[0].name())); err != nil && !errors.Is(err, os.ErrNotExist) {
			firstErr = fmt.Errorf("journal: delete applied segment: %w", err)
			break
		}
		j.segs = j.segs[1:]
	}
	return firstErr
}

// Segments lists the segment files, oldest first (for tests and metrics).
func (j *Journal) Segments() []string {
	j.mu.Lock()
	defer j.mu.Unlock()
	var out []string
	for _, s := range j.segs {
		out = append(out, s.name())
	}
	return out
}

// Close closes the active segment.
func (j *Journal) Close() error {
	j.mu.Lock()
	defer j.mu.Unlock()
	j.replayed = false
	if j.f == nil {
		return nil
	}
	var err error
	if j.opt.Fsync {
		err = j.f.Sync()
	}
	if cerr := j.f.Close(); err == nil {
		err = cerr
	}
	j.f = nil
	return err
}

// Hit payload flags.
const (
	flagScanner = 1 << iota
	flagExpected
	flagTest
)

func appendString(b []byte, s string) []byte {
	b = binary.AppendUvarint(b, uint64(len(s)))
	return append(b, s...)
}

func appendHit(b []byte, h *store.Hit) []byte {
	b = append(b, journalVersion)
	b = binary.AppendVarint(b, h.ID)
	b = binary.AppendVarint(b, h.Time.UnixNano())
	b = appendString(b, h.DecoyID)
	b = appendString(b, h.SubID)
	b = appendString(b, h.Trigger)
	b = appendString(b, h.SourceIP)
	b = binary.AppendVarint(b, int64(h.SourcePort))
	b = appendString(b, h.UserAgent)
	b = binary.AppendUvarint(b, uint64(len(h.Data)))
	b = append(b, h.Data...)
	var flags byte
	if h.Scanner {
		flags |= flagScanner
	}
	if h.Expected {
		flags |= flagExpected
	}
	if h.Test {
		flags |= flagTest
	}
	return append(b, flags)
}

var errBadPayload = errors.New("malformed hit payload")

type payloadReader struct {
	b   []byte
	err error
}

func (r *payloadReader) varint() int64 {
	if r.err != nil {
		return 0
	}
	v, n := binary.Varint(r.b)
	if n <= 0 {
		r.err = errBadPayload
		return 0
	}
	r.b = r.b[n:]
	return v
}

func (r *payloadReader) bytes() []byte {
	if r.err != nil {
		return nil
	}
	l, n := binary.Uvarint(r.b)
	if n <= 0 || l > uint64(len(r.b)-n) {
		r.err = errBadPayload
		return nil
	}
	v := r.b[n : n+int(l)]
	r.b = r.b[n+int(l):]
	return v
}

func decodeHit(p []byte) (store.Hit, error) {
	var h store.Hit
	if len(p) == 0 {
		return h, errBadPayload
	}
	if p[0] != journalVersion {
		return h, fmt.Errorf("unknown record version %d", p[0])
	}
	r := payloadReader{b: p[1:]}
	h.ID = r.varint()
	ns := r.varint()
	h.DecoyID = string(r.bytes())
	h.SubID = string(r.bytes())
	h.Trigger = string(r.bytes())
	h.SourceIP = string(r.bytes())
	h.SourcePort = int(r.varint())
	h.UserAgent = string(r.bytes())
	if d := r.bytes(); len(d) > 0 {
		h.Data = slices.Clone(d)
	}
	if r.err == nil && len(r.b) != 1 {
		r.err = errBadPayload
	}
	if r.err != nil {
		return store.Hit{}, r.err
	}
	flags := r.b[0]
	h.Scanner, h.Expected, h.Test = flags&flagScanner != 0, flags&flagExpected != 0, flags&flagTest != 0
	h.Time = time.Unix(0, ns).UTC()
	return h, nil
}

var _ io.Closer = (*Journal)(nil)
