package evtx

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"iter"
	"runtime"
	"sync"
)

// Sizes fixed by the format.
const (
	FileHeaderSize  = 4096  // the file header block; chunks start here
	ChunkSize       = 65536 // every chunk, header included
	chunkHeaderSize = 512   // chunk header, string and template tables
)

var (
	fileMagic  = []byte("ElfFile\x00")
	chunkMagic = []byte("ElfChnk\x00")
)

// Options holds the limits the parser enforces. Exceeding one is a
// *ParseError wrapping ErrLimit for that record; the reader moves on.
// The zero value means the defaults.
type Options struct {
	// MaxDepth bounds element nesting inside one template plus the nesting of
	// binary XML values (default 64).
	MaxDepth int
	// MaxTemplateDepth bounds template instances nested through binary XML
	// substitution values (default 16).
	MaxTemplateDepth int
	// MaxSubstitutions bounds the substitution values of one template
	// instance (default 4096).
	MaxSubstitutions int
	// MaxXMLSize bounds the rendered XML of one record, computed before
	// rendering from an upper estimate (default 4 MiB; real records render
	// to a few KiB, but binary XML values can repeat each other).
	MaxXMLSize int
	// SkipChecksums turns off CRC verification (file header, chunk header,
	// record data). Off by default.
	SkipChecksums bool
}

func (o *Options) withDefaults() Options {
	var r Options
	if o != nil {
		r = *o
	}
	if r.MaxDepth <= 0 {
		r.MaxDepth = 64
	}
	if r.MaxTemplateDepth <= 0 {
		r.MaxTemplateDepth = 16
	}
	if r.MaxSubstitutions <= 0 {
		r.MaxSubstitutions = 4096
	}
	if r.MaxXMLSize <= 0 {
		r.MaxXMLSize = 4 << 20
	}
	return r
}

// FileHeader is the decoded file header (libyal: "file header").
//
//	offset size  field
//	0      8     signature "ElfFile\0"
//	8      8     first chunk number
//	16     8     last chunk number
//	24     8     next record identifier
//	32     4     header size (128)
//	36     2     minor version (1 or 2)
//	38     2     major version (3)
//	40     2     header block size (4096)
//	42     2     number of chunks
//	44     76    unknown (empty)
//	120    4     file flags (1 dirty, 2 full)
//	124    4     CRC32 of the first 120 bytes
type FileHeader struct {
	FirstChunk   uint64
	LastChunk    uint64
	NextRecordID uint64
	MinorVersion uint16
	MajorVersion uint16
	NumChunks    uint16
	Flags        uint32
	Checksum     uint32
}

// Dirty reports the "dirty" flag: the log was not closed cleanly, so the
// header may not reflect every chunk written.
func (h FileHeader) Dirty() bool { return h.Flags&1 != 0 }

// Full reports the "full" flag.
func (h FileHeader) Full() bool { return h.Flags&2 != 0 }

// File reads an EVTX file through an io.ReaderAt. It is safe for concurrent
// use: ParseChunk may be called from several goroutines.
type File struct {
	r      io.ReaderAt
	size   int64
	opts   Options
	header FileHeader
	// headerErr is a non-fatal header problem (checksum) reported once by
	// Records; chunks are still read.
	headerErr error
	// templates shares compiled template definitions between chunks.
	templates *templateCache
}

// Open reads and checks the file header. size is the file's size in bytes.
// A header whose magic is wrong is fatal (ErrBadHeader); a wrong header
// checksum is not: it is returned by HeaderError and yielded first by Records,
// and the chunks are read anyway (a dirty file may carry a stale header).
func Open(r io.ReaderAt, size int64, opts *Options) (*File, error) {
	f := &File{r: r, size: size, opts: opts.withDefaults(), templates: newTemplateCache()}
	var b [128]byte
	if size < int64(len(b)) {
		return nil, &ParseError{Offset: 0, Chunk: -1, Record: -1, Err: fmt.Errorf("%w: file of %d bytes", ErrTruncated, size)}
	}
	if _, err := r.ReadAt(b[:], 0); err != nil {
		return nil, fmt.Errorf("evtx: read file header: %w", err)
	}
	if string(b[:8]) != string(fileMagic) {
		return nil, &ParseError{Offset: 0, Chunk: -1, Record: -1, Err: fmt.Errorf("%w: signature %q", ErrBadHeader, b[:8])}
	}
	le := binary.LittleEndian
	f.header = FileHeader{
		FirstChunk:   le.Uint64(b[8:]),
		LastChunk:    le.Uint64(b[16:]),
		NextRecordID: le.Uint64(b[24:]),
		MinorVersion: le.Uint16(b[36:]),
		MajorVersion: le.Uint16(b[38:]),
		NumChunks:    le.Uint16(b[42:]),
		Flags:        le.Uint32(b[120:]),
		Checksum:     le.Uint32(b[124:]),
	}
	if !f.opts.SkipChecksums {
		if got := crc32.ChecksumIEEE(b[:120]); got != f.header.Checksum {
			f.headerErr = &ParseError{Offset: 124, Chunk: -1, Record: -1,
				Err: fmt.Errorf("%w: header crc32 %#08x, stored %#08x", ErrChecksum, got, f.header.Checksum)}
		}
	}
	return f, nil
}

// Header returns the decoded file header.
func (f *File) Header() FileHeader { return f.header }

// HeaderError returns the non-fatal file header problem found by Open, if any.
func (f *File) HeaderError() error { return f.headerErr }

// NumChunks is the number of whole 64 KiB chunk slots in the file after the
// header. It counts what the file holds, not what the header claims, so the
// chunks of a dirty file the header does not know about are read too.
// Unused (all-zero) slots are among them; ParseChunk returns them empty.
func (f *File) NumChunks() int {
	if f.size < FileHeaderSize {
		return 0
	}
	return int((f.size - FileHeaderSize) / ChunkSize)
}

// ChunkOffset is the absolute file offset of chunk i.
func (f *File) ChunkOffset(i int) int64 { return FileHeaderSize + int64(i)*ChunkSize }

// ParseChunk reads chunk i and parses all its records. It is safe to call
// from several goroutines. A returned error concerns the whole chunk (I/O,
// bad magic, header checksum); per-record errors are in Chunk.Errors and the
// chunk's other records are still returned. An unused chunk (all zero bytes)
// is returned empty with no error.
func (f *File) ParseChunk(ctx context.Context, i int) (*Chunk, error) {
	if err := ctx.Err(); err != nil {
		return nil, context.Cause(ctx)
	}
	if i < 0 || i >= f.NumChunks() {
		return nil, fmt.Errorf("evtx: chunk %d out of range [0,%d)", i, f.NumChunks())
	}
	buf := chunkBufs.Get().(*[ChunkSize]byte)
	off := f.ChunkOffset(i)
	n, err := f.r.ReadAt(buf[:], off)
	if err != nil && !errors.Is(err, io.EOF) {
		chunkBufs.Put(buf)
		return nil, fmt.Errorf("evtx: read chunk %d: %w", i, err)
	}
	clear(buf[n:])
	ch, err := parseChunk(buf[:], i, off, &f.opts, f.templates)
	if err != nil || len(ch.Records) == 0 {
		chunkBufs.Put(buf) // nothing refers to it
		return ch, err
	}
	// The records refer to the buffer through their chunkCtx only (no
	// slice of it leaves the package): once that is unreachable, the buffer
	// is reused. This saves the garbage collector 64 KiB per chunk.
	runtime.AddCleanup(ch.Records[0].c, func(b *[ChunkSize]byte) { chunkBufs.Put(b) }, buf)
	return ch, nil
}

// chunkBufs holds chunk buffers no record refers to any more.
var chunkBufs = sync.Pool{New: func() any { return new([ChunkSize]byte) }}

// ParseChunkBytes parses one 64 KiB chunk held in memory (for example a
// carved chunk); idx and fileOffset only label errors and records.
func ParseChunkBytes(b []byte, idx int, fileOffset int64, opts *Options) (*Chunk, error) {
	o := opts.withDefaults()
	return parseChunk(b, idx, fileOffset, &o, nil)
}

// Records yields every record of the file in file order, with an error for
// each bad chunk or record (a *ParseError, or the context's cause), after
// which it continues with the next. Stop early by breaking out of the loop.
func (f *File) Records(ctx context.Context) iter.Seq2[*Record, error] {
	return func(yield func(*Record, error) bool) {
		if f.headerErr != nil {
			if !yield(nil, f.headerErr) {
				return
			}
		}
		n := f.NumChunks()
		for i := 0; i < n; i++ {
			c, err := f.ParseChunk(ctx, i)
			if err != nil {
				if ctx.Err() != nil {
					yield(nil, context.Cause(ctx))
					return
				}
				if !yield(nil, err) {
					return
				}
				continue
			}
			if !c.each(yield) {
				return
			}
		}
	}
}
