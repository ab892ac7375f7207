package evtx

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"hash/crc32"
	"iter"
	"sort"
	"time"
)

// Chunk header (libyal: "chunk header"), 512 bytes:
//
//	offset size  field
//	0      8     signature "ElfChnk\0"
//	8      8     first event record number
//	16     8     last event record number
//	24     8     first event record identifier
//	32     8     last event record identifier
//	40     4     header size (128)
//	44     4     last event record offset
//	48     4     free space offset (end of the last record)
//	52     4     CRC32 of the event records data [512, free space offset)
//	56     64    unknown (empty)
//	120    4     unknown flags
//	124    4     CRC32 of bytes [0,120) and [128,512)
//	128    256   common string offsets (64 x 4)
//	384    128   template definition offsets (32 x 4)

// Chunk is one parsed chunk: its records in file order and the errors of the
// records that could not be parsed.
type Chunk struct {
	Index  int
	Offset int64 // absolute file offset of the chunk
	// FirstRecordID and LastRecordID are the header's record identifier range.
	FirstRecordID, LastRecordID uint64
	Records                     []Record
	// Errors are *ParseError values for bad records (and for a records-data
	// checksum mismatch, Record -1), in offset order.
	Errors []error
}

// chunkCtx is the per-chunk parsing state: the chunk's bytes and the caches
// of names and compiled template definitions, keyed by chunk offset.
type chunkCtx struct {
	b         []byte
	idx       int
	off       int64
	opts      *Options
	names     map[uint32]string
	templates map[uint32]*template
	cache     *templateCache // the file's, nil for ParseChunkBytes
	vals      []value        // arena for substitution values
	frags     []fragment     // arena for fragments
	// arenas for plain (template-less) fragments
	tmpls      []template
	litArena   []byte
	pieceArena []piece
}

var le = binary.LittleEndian

func (c *chunkCtx) chunkErr(err error) *ParseError {
	return &ParseError{Offset: c.off, Chunk: c.idx, Record: -1, Err: err}
}

var zeroChunk [ChunkSize]byte

func isZero(b []byte) bool {
	for len(b) > ChunkSize {
		if !bytes.Equal(b[:ChunkSize], zeroChunk[:]) {
			return false
		}
		b = b[ChunkSize:]
	}
	return bytes.Equal(b, zeroChunk[:len(b)])
}

func parseChunk(b []byte, idx int, off int64, opts *Options, cache *templateCache) (*Chunk, error) {
	ch := &Chunk{Index: idx, Offset: off}
	b = b[:len(b):len(b)]
	c := &chunkCtx{b: b, idx: idx, off: off, opts: opts, cache: cache}
	if len(b) != ChunkSize {
		return nil, c.chunkErr(fmt.Errorf("%w: chunk of %d bytes", ErrTruncated, len(b)))
	}
	if string(b[:8]) != string(chunkMagic) {
		if isZero(b) {
			return ch, nil // unused chunk slot
		}
		return nil, c.chunkErr(fmt.Errorf("%w: signature %q", ErrBadChunk, b[:8]))
	}
	ch.FirstRecordID = le.Uint64(b[24:])
	ch.LastRecordID = le.Uint64(b[32:])
	if !opts.SkipChecksums {
		h := crc32.Update(crc32.ChecksumIEEE(b[:120]), crc32.IEEETable, b[128:512])
		if stored := le.Uint32(b[124:]); h != stored {
			return nil, c.chunkErr(fmt.Errorf("%w: chunk header crc32 %#08x, stored %#08x", ErrChecksum, h, stored))
		}
	}
	free := le.Uint32(b[48:])
	if free < chunkHeaderSize || free > ChunkSize {
		return nil, c.chunkErr(fmt.Errorf("%w: free space offset %#x", ErrBadChunk, free))
	}
	if !opts.SkipChecksums {
		if got, stored := crc32.ChecksumIEEE(b[chunkHeaderSize:free]), le.Uint32(b[52:]); got != stored {
			// A dirty file's last chunk may carry a stale checksum: report it
			// and still read the records that are framed correctly.
			ch.Errors = append(ch.Errors, c.chunkErr(fmt.Errorf("%w: records data crc32 %#08x, stored %#08x", ErrChecksum, got, stored)))
		}
	}
	c.parseRecords(ch, int(free))
	return ch, nil
}

// Event record (libyal: "event record"):
//
//	offset size  field
//	0      4     signature "**\0\0"
//	4      4     size (of the whole record)
//	8      8     event record identifier
//	16     8     written time (FILETIME)
//	24     ...   binary XML fragment
//	size-4 4     copy of size
func (c *chunkCtx) parseRecords(ch *Chunk, free int) {
	b := c.b
	ch.Records = make([]Record, 0, 128)
	for pos := chunkHeaderSize; pos < free; {
		recErr := func(err error) *ParseError {
			return &ParseError{Offset: c.off + int64(pos), Chunk: c.idx, Record: pos, Err: err}
		}
		if pos+28 > free {
			ch.Errors = append(ch.Errors, recErr(fmt.Errorf("%w: %d bytes left before free space offset", ErrTruncated, free-pos)))
			break
		}
		if b[pos] != '*' || b[pos+1] != '*' || b[pos+2] != 0 || b[pos+3] != 0 {
			ch.Errors = append(ch.Errors, recErr(fmt.Errorf("%w: signature % x", ErrBadRecord, b[pos:pos+4])))
			break
		}
		size := int(le.Uint32(b[pos+4:]))
		if size < 28 || pos+size > free {
			ch.Errors = append(ch.Errors, recErr(fmt.Errorf("%w: size %d", ErrBadRecord, size)))
			break
		}
		if cp := int(le.Uint32(b[pos+size-4:])); cp != size {
			ch.Errors = append(ch.Errors, recErr(fmt.Errorf("%w: size %d, size copy %d", ErrBadRecord, size, cp)))
			break
		}
		frag, est, err := c.parseFragment(pos+24, pos+size-4, 0)
		if err == nil && est > c.opts.MaxXMLSize {
			err = fmt.Errorf("%w: rendered xml may reach %d bytes (max %d)", ErrLimit, est, c.opts.MaxXMLSize)
		}
		if err != nil {
			ch.Errors = append(ch.Errors, recErr(err))
		} else {
			ch.Records = append(ch.Records, Record{
				ID:      le.Uint64(b[pos+8:]),
				Written: filetime(le.Uint64(b[pos+16:])),
				Offset:  c.off + int64(pos),
				Chunk:   c.idx,
				c:       c,
				root:    frag,
			})
		}
		pos += size
	}
}

// each yields the chunk's records and errors in offset order.
func (ch *Chunk) each(yield func(*Record, error) bool) bool {
	errs := ch.Errors
	if !sort.SliceIsSorted(errs, func(i, j int) bool { return errOffset(errs[i]) < errOffset(errs[j]) }) {
		errs = append([]error(nil), errs...)
		sort.SliceStable(errs, func(i, j int) bool { return errOffset(errs[i]) < errOffset(errs[j]) })
	}
	ei := 0
	for i := range ch.Records {
		r := &ch.Records[i]
		for ei < len(errs) && errOffset(errs[ei]) < r.Offset {
			if !yield(nil, errs[ei]) {
				return false
			}
			ei++
		}
		if !yield(r, nil) {
			return false
		}
	}
	for ; ei < len(errs); ei++ {
		if !yield(nil, errs[ei]) {
			return false
		}
	}
	return true
}

// All yields the chunk's records and errors in offset order.
func (ch *Chunk) All() iter.Seq2[*Record, error] {
	return func(yield func(*Record, error) bool) { ch.each(yield) }
}

func errOffset(err error) int64 {
	if pe, ok := err.(*ParseError); ok {
		return pe.Offset
	}
	return 0
}

// filetime converts a FILETIME (100 ns intervals since 1601-01-01 UTC).
func filetime(ft uint64) time.Time {
	const epochDiff = 11644473600 // seconds from 1601 to 1970
	secs := int64(ft/10_000_000) - epochDiff
	nsec := int64(ft%10_000_000) * 100
	return time.Unix(secs, nsec).UTC()
}
