// Command evtx builds a large EVTX file from real chunks and measures how fast
// logfmt/evtx reads it.
//
//	go run ./bench/evtx build -size 256MiB -out big.evtx [-src ../shared/testdata]
//	go run ./bench/evtx read -workers 1 [-mode xml|fields|fieldsinto] [-repeat n] [-cpuprofile f] big.evtx
//
// build copies every used chunk of the .evtx files under -src, round-robin
// until the size is reached, renumbers the records (record headers and chunk
// headers) so identifiers increase through the file, recomputes the chunk
// CRCs and writes a fresh file header. read parses every chunk (with more
// than one worker through evtx.MapChunks, in parallel and in file order),
// renders every record as XML (what `mailtrip dump --format xml` does) or
// maps it with Fields (what `mailtrip scan` does), and prints one JSON line:
// records, seconds, records/s.
package main

import (
	"context"
	"encoding/binary"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"hash/crc32"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"runtime/pprof"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/mailtrip/mailtrip/logfmt/evtx"
)

func main() {
	if len(os.Args) < 2 {
		fmt.Fprintln(os.Stderr, "usage: evtx build|read ...")
		os.Exit(2)
	}
	var err error
	switch os.Args[1] {
	case "build":
		err = build(os.Args[2:])
	case "read":
		err = read(os.Args[2:])
	default:
		err = fmt.Errorf("unknown command %q", os.Args[1])
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "evtx:", err)
		os.Exit(1)
	}
}

func parseSize(s string) (int64, error) {
	mult := int64(1)
	for suf, m := range map[string]int64{"KiB": 1 << 10, "MiB": 1 << 20, "GiB": 1 << 30} {
		if strings.HasSuffix(s, suf) {
			s, mult = strings.TrimSuffix(s, suf), m
			break
		}
	}
	n, err := strconv.ParseInt(s, 10, 64)
	return n * mult, err
}

var le = binary.LittleEndian

func build(args []string) error {
	fl := flag.NewFlagSet("build", flag.ExitOnError)
	src := fl.String("src", "../shared/testdata", "folder with .evtx files")
	sizeArg := fl.String("size", "256MiB", "approximate output size")
	chunksArg := fl.Int("chunks", 0, "number of chunks (overrides -size)")
	out := fl.String("out", "", "output file")
	fl.Parse(args)
	if *out == "" {
		return errors.New("build: -out is required")
	}
	size, err := parseSize(*sizeArg)
	if err != nil {
		return fmt.Errorf("build: -size: %w", err)
	}
	var files []string
	filepath.WalkDir(*src, func(p string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() && strings.HasSuffix(p, ".evtx") {
			files = append(files, p)
		}
		return nil
	})
	sort.Strings(files)
	var chunks [][]byte
	for _, p := range files {
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		for off := evtx.FileHeaderSize; off+evtx.ChunkSize <= len(data); off += evtx.ChunkSize {
			c := data[off : off+evtx.ChunkSize]
			// Only chunks our reader and the references read without error.
			ch, err := evtx.ParseChunkBytes(c, 0, 0, nil)
			if err != nil || len(ch.Records) == 0 || len(ch.Errors) > 0 || plainXML(c) {
				continue
			}
			chunks = append(chunks, c)
		}
	}
	if len(chunks) == 0 {
		return fmt.Errorf("build: no usable chunks under %s", *src)
	}
	n := *chunksArg
	if n == 0 {
		n = int((size - evtx.FileHeaderSize) / evtx.ChunkSize)
	}
	n = max(1, min(n, 65535))
	f, err := os.Create(*out)
	if err != nil {
		return err
	}
	defer f.Close()
	hdr := make([]byte, evtx.FileHeaderSize)
	if _, err := f.Write(hdr); err != nil {
		return err
	}
	next := uint64(1)
	buf := make([]byte, evtx.ChunkSize)
	for i := 0; i < n; i++ {
		copy(buf, chunks[i%len(chunks)])
		first := next
		free := int(le.Uint32(buf[48:]))
		var last int
		for pos := 512; pos+28 <= free; {
			size := int(le.Uint32(buf[pos+4:]))
			le.PutUint64(buf[pos+8:], next)
			next++
			last = pos
			pos += size
		}
		le.PutUint64(buf[8:], first)
		le.PutUint64(buf[16:], next-1)
		le.PutUint64(buf[24:], first)
		le.PutUint64(buf[32:], next-1)
		le.PutUint32(buf[44:], uint32(last))
		le.PutUint32(buf[52:], crc32.ChecksumIEEE(buf[512:free]))
		le.PutUint32(buf[124:], crc32.Update(crc32.ChecksumIEEE(buf[:120]), crc32.IEEETable, buf[128:512]))
		if _, err := f.Write(buf); err != nil {
			return err
		}
	}
	copy(hdr, "ElfFile\x00")
	le.PutUint64(hdr[8:], 0)
	le.PutUint64(hdr[16:], uint64(n-1))
	le.PutUint64(hdr[24:], next)
	le.PutUint32(hdr[32:], 128)
	le.PutUint16(hdr[36:], 1)
	le.PutUint16(hdr[38:], 3)
	le.PutUint16(hdr[40:], evtx.FileHeaderSize)
	le.PutUint16(hdr[42:], uint16(n))
	le.PutUint32(hdr[124:], crc32.ChecksumIEEE(hdr[:120]))
	if _, err := f.WriteAt(hdr, 0); err != nil {
		return err
	}
	fmt.Fprintf(os.Stderr, "wrote %s: %d chunks from %d distinct real chunks, %d records\n", *out, n, len(chunks), next-1)
	return f.Close()
}

// plainXML reports whether the chunk's first record has no template instance
// (the references cannot read such records; see docs/evtx-divergences.md).
func plainXML(c []byte) bool {
	p := 512 + 24
	if c[p]&0x0f == 0x0f {
		p += 4
	}
	return c[p]&0x0f != 0x0c
}

func read(args []string) error {
	fl := flag.NewFlagSet("read", flag.ExitOnError)
	workers := fl.Int("workers", 1, "goroutines parsing chunks (0: GOMAXPROCS)")
	cpuprofile := fl.String("cpuprofile", "", "write a CPU profile to this file")
	repeat := fl.Int("repeat", 1, "read the file this many times (longer profiles)")
	mode := fl.String("mode", "xml", "per record: xml (Record.AppendXML), fields (Record.Fields) or fieldsinto (Record.FieldsInto)")
	fl.Parse(args)
	if *cpuprofile != "" {
		pf, err := os.Create(*cpuprofile)
		if err != nil {
			return err
		}
		defer pf.Close()
		if err := pprof.StartCPUProfile(pf); err != nil {
			return err
		}
		defer pprof.StopCPUProfile()
	}
	if fl.NArg() != 1 {
		return errors.New("read: one file")
	}
	if *workers <= 0 {
		*workers = runtime.GOMAXPROCS(0)
	}
	fh, err := os.Open(fl.Arg(0))
	if err != nil {
		return err
	}
	defer fh.Close()
	st, err := fh.Stat()
	if err != nil {
		return err
	}
	start := time.Now()
	f, err := evtx.Open(fh, st.Size(), nil)
	if err != nil {
		return err
	}
	ctx := context.Background()
	var records, bad int64
	for range *repeat {
		n, b, err := readOnce(ctx, f, *workers, *mode)
		if err != nil {
			return err
		}
		records += n
		bad += b
	}
	secs := time.Since(start).Seconds()
	return json.NewEncoder(os.Stdout).Encode(map[string]any{
		"records": records, "errors": bad, "workers": *workers, "mode": *mode,
		"seconds": secs, "records_per_s": float64(records) / secs,
	})
}

// readOnce reads every record of f once and renders it as mode says: "xml"
// (what `mailtrip dump --format xml` does), "fields" (Record.Fields, what
// `mailtrip scan` does) or "fieldsinto" (Record.FieldsInto one map). With
// one worker it parses and renders chunk after chunk in this goroutine;
// with more, evtx.MapChunks parses and renders chunks in parallel and
// delivers them in file order, as a parallel dump would write them.
func readOnce(ctx context.Context, f *evtx.File, workers int, mode string) (records, bad int64, err error) {
	type out struct {
		records, bad int64
		buf          *[]byte
	}
	render := func(c *evtx.Chunk, buf *[]byte, m map[string]any) out {
		o := out{records: int64(len(c.Records)), bad: int64(len(c.Errors)), buf: buf}
		for j := range c.Records {
			r := &c.Records[j]
			switch mode {
			case "fields":
				_ = r.Fields()
			case "fieldsinto":
				r.FieldsInto(m)
			default:
				*buf = r.AppendXML(*buf)
			}
		}
		return o
	}
	switch mode {
	case "xml", "fields", "fieldsinto":
	default:
		return 0, 0, fmt.Errorf("read: unknown -mode %q", mode)
	}
	if workers == 1 {
		buf := make([]byte, 0, 1<<20)
		m := make(map[string]any)
		for i := range f.NumChunks() {
			c, err := f.ParseChunk(ctx, i)
			if err != nil {
				bad++
				continue
			}
			buf = buf[:0]
			o := render(c, &buf, m)
			records += o.records
			bad += o.bad
		}
		return records, bad, nil
	}
	bufs := sync.Pool{New: func() any { b := make([]byte, 0, 1<<20); return &b }}
	maps := sync.Pool{New: func() any { return make(map[string]any) }}
	for o, err := range evtx.MapChunks(ctx, f, workers, func(c *evtx.Chunk) out {
		buf := bufs.Get().(*[]byte)
		*buf = (*buf)[:0]
		m := maps.Get().(map[string]any)
		defer maps.Put(m)
		return render(c, buf, m)
	}) {
		if err != nil {
			bad++
			continue
		}
		records += o.records
		bad += o.bad
		bufs.Put(o.buf) // written out in file order here
	}
	return records, bad, nil
}
