package ingest

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"sync/atomic"

	"github.com/mailtrip/mailtrip/mailfmt"
	"github.com/mailtrip/mailtrip/mailfmt/maildir"
	"github.com/mailtrip/mailtrip/mailfmt/mbox"
)

// Options control planning and reading.
type Options struct {
	// Format forces the input format; FormatAuto recognises it.
	Format Format
	// Limits bound each message in memory.
	Limits mailfmt.Limits
	// SplitBytes: an mbox larger than this is read in sections of about
	// this size on several cores. 0 means DefaultSplitBytes; < 0 never.
	SplitBytes int64
	// BatchFiles is how many .eml or Maildir files one unit reads.
	BatchFiles int
	// Progress, if set, is advanced by every byte read from input files.
	Progress *atomic.Int64
	// Follow, when set, makes log files (not mail stores or EVTX) be
	// followed like tail -F: read to the end, then wait for what is
	// appended, across rotation, until Follow is closed. Standard input
	// is then read until it ends or Follow is closed.
	Follow <-chan struct{}
	// Stdin is read, as it arrives, for a "-" among the paths
	// (stream.go); nil makes "-" an error.
	Stdin io.Reader
	// Awaiting, if set, is told of a path followed before it exists.
	Awaiting func(path string)
}

// DefaultSplitBytes is the mbox section size. Sections this large keep the
// per-section cost (finding a boundary) negligible while leaving enough
// pieces to balance two to sixteen cores on a 1 GiB file.
const DefaultSplitBytes = 32 << 20

const defaultBatchFiles = 256

// Unit is a piece of work for one core.
type Unit struct {
	Format  Format
	Mailbox string
	// Mbox section (Format == FormatMbox).
	Path       string
	Folder     string
	Gzip       bool
	Start, End int64 // End < 0: to end of file
	// File batch (FormatEML, FormatMaildir).
	Files []File
	// LogFormat names the reader of a FormatLog unit (Path is the file);
	// "" for a followed file that was empty when planned, whose format is
	// told from its first line.
	LogFormat string
	// Bytes this unit covers, for progress.
	Bytes int64

	opt *Options
	// in is the stream a unit of standard input reads (Path is
	// StdinName); spooled the temporary file an EVTX one reads instead.
	in      *streamInput
	spooled *os.File
}

// File is one message file of a batch.
type File struct {
	Path   string
	Folder string
	Flags  string
	Size   int64
}

// Skipped is a file inside a scanned folder that was not read.
type Skipped struct {
	Path   string
	Reason string
}

// Plan is what planning found besides the units.
type Plan struct {
	Bytes     int64 // total input bytes (compressed size for gzip)
	Units     int
	Mailboxes []Mailbox // in the order found
	Skipped   []Skipped
	Outlook   []string // Outlook .pst/.ost files found: need conversion
	Errors    []error  // unreadable paths (exit code 3)
}

// Mailbox is one mail store as defined in ARCHITECTURE.md.
type Mailbox struct {
	Name   string
	Format Format
	Files  int
	Bytes  int64
}

// Planner walks inputs and emits units.
type Planner struct {
	opt       Options
	plan      Plan
	byName    map[string]int
	workers   int
	stdinRead bool
}

// NewPlanner returns a planner; workers is used to decide how finely a
// single large mbox is split.
func NewPlanner(opt Options, workers int) *Planner {
	if opt.Format == "" {
		opt.Format = FormatAuto
	}
	if opt.SplitBytes == 0 {
		opt.SplitBytes = DefaultSplitBytes
	}
	if opt.BatchFiles <= 0 {
		opt.BatchFiles = defaultBatchFiles
	}
	opt.Limits = opt.Limits.WithDefaults()
	return &Planner{opt: opt, byName: map[string]int{}, workers: max(workers, 1)}
}

// Plan returns what planning found; call after Run returns.
func (p *Planner) Plan() *Plan { return &p.plan }

// Run walks paths and calls emit for each unit, in a deterministic order
// (paths in the order given, directory entries sorted by name).
func (p *Planner) Run(ctx context.Context, paths []string, emit func(*Unit)) error {
	for _, path := range paths {
		if err := context.Cause(ctx); err != nil {
			return err
		}
		p.path(ctx, path, emit)
	}
	return context.Cause(ctx)
}

func (p *Planner) fail(err error) { p.plan.Errors = append(p.plan.Errors, err) }

// SkipEmpty is the reason a Skipped file gives when it is empty.
const SkipEmpty = "empty file"

func (p *Planner) skip(path, reason string) {
	p.plan.Skipped = append(p.plan.Skipped, Skipped{Path: path, Reason: reason})
}

func (p *Planner) emitUnit(u *Unit, emit func(*Unit)) {
	u.opt = &p.opt
	p.plan.Units++
	p.plan.Bytes += u.Bytes
	i, ok := p.byName[u.Mailbox]
	if !ok {
		i = len(p.plan.Mailboxes)
		p.byName[u.Mailbox] = i
		p.plan.Mailboxes = append(p.plan.Mailboxes, Mailbox{Name: u.Mailbox, Format: u.Format})
	}
	mb := &p.plan.Mailboxes[i]
	mb.Bytes += u.Bytes
	if u.Format == FormatMbox {
		if u.Start == 0 {
			mb.Files++
		}
	} else {
		mb.Files += len(u.Files)
	}
	emit(u)
}

// path plans one command-line path; "-" is standard input.
func (p *Planner) path(ctx context.Context, path string, emit func(*Unit)) {
	if path == "-" {
		p.stdin(ctx, emit)
		return
	}
	fi, err := os.Stat(path)
	if err != nil && errors.Is(err, fs.ErrNotExist) && p.opt.Follow != nil &&
		(p.opt.Format == FormatAuto || p.opt.Format == FormatLog) && isDir(filepath.Dir(path)) {
		// Followed like tail -F: a log not written yet (a service not
		// started, a rotation that has not created the new file) is read
		// from its first line once it appears.
		if p.opt.Awaiting != nil {
			p.opt.Awaiting(path)
		}
		p.emitUnit(&Unit{Format: FormatLog, Mailbox: path, Path: path, End: -1}, emit)
		return
	}
	if err != nil {
		p.fail(fmt.Errorf("%s: %w", path, unwrapPathError(err)))
		return
	}
	switch {
	case fi.IsDir() && (p.opt.Format == FormatMaildir || (p.opt.Format == FormatAuto && maildir.IsMaildir(path))):
		p.maildir(path, emit)
	case fi.IsDir():
		p.dir(ctx, path, path, emit)
	default:
		p.file(path, fi, "", true, emit)
	}
}

// dir walks a folder that is not itself a Maildir. Maildirs inside it are
// mailboxes of their own; .eml files are folders of the mailbox named by
// the scanned root; mbox files are mailboxes of their own.
func (p *Planner) dir(ctx context.Context, root, dir string, emit func(*Unit)) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		p.fail(fmt.Errorf("%s: %w", dir, unwrapPathError(err)))
		if len(entries) == 0 {
			return
		}
	}
	sort.Slice(entries, func(i, j int) bool { return entries[i].Name() < entries[j].Name() })
	var batch []File
	var batchBytes int64
	folder := relFolder(root, dir)
	flush := func() {
		if len(batch) == 0 {
			return
		}
		p.emitUnit(&Unit{Format: FormatEML, Mailbox: root, Files: batch, Bytes: batchBytes}, emit)
		batch, batchBytes = nil, 0
	}
	for _, e := range entries {
		if context.Cause(ctx) != nil {
			return
		}
		full := filepath.Join(dir, e.Name())
		if e.IsDir() {
			if p.opt.Format != FormatEML && maildir.IsMaildir(full) {
				p.maildir(full, emit)
			} else {
				p.dir(ctx, root, full, emit)
			}
			continue
		}
		fi, err := e.Info()
		if err != nil {
			p.fail(fmt.Errorf("%s: %w", full, unwrapPathError(err)))
			continue
		}
		if !fi.Mode().IsRegular() {
			continue // sockets, links to nowhere, devices
		}
		if f, ok := p.file(full, fi, folder, false, emit); ok {
			batch = append(batch, f)
			batchBytes += f.Size
			if len(batch) >= p.opt.BatchFiles {
				flush()
			}
		}
	}
	flush()
}

func relFolder(root, dir string) string {
	rel, err := filepath.Rel(root, dir)
	if err != nil || rel == "." {
		return ""
	}
	return filepath.ToSlash(rel)
}

// file plans one regular file. It returns the file for the caller's .eml
// batch when it is a single message inside a walked folder; mbox files are
// emitted as units of their own. explicit: the user named this file.
func (p *Planner) file(path string, fi fs.FileInfo, folder string, explicit bool, emit func(*Unit)) (File, bool) {
	format := p.opt.Format
	if fi.Size() == 0 && fi.Mode().IsRegular() {
		// An empty file says nothing of its format. A log just rotated is
		// empty: followed, it is read as a log once its first line comes
		// (readLog tells the format then); otherwise there is nothing in
		// it to scan, which is no error.
		if explicit && p.opt.Follow != nil && (format == FormatAuto || format == FormatLog) {
			p.emitUnit(&Unit{Format: FormatLog, Mailbox: path, Path: path, End: -1}, emit)
			return File{}, false
		}
		p.skip(path, SkipEmpty)
		return File{}, false
	}
	var gz bool
	var logFormat string
	if format == FormatAuto || format == FormatMbox || format == FormatLog || format == FormatEVTX {
		k, isGz, lf, err := sniff(path, explicit || format == FormatLog)
		if err != nil {
			p.fail(fmt.Errorf("%s: %w", path, unwrapPathError(err)))
			return File{}, false
		}
		gz, logFormat = isGz, lf
		if format == FormatLog && logFormat == "" {
			logFormat = "jsonlog.auto" // forced: read as generic JSON/CSV
		}
		if format == FormatAuto {
			f, ok := k.format()
			switch {
			case ok:
				format = f
			case k == kindPST:
				p.plan.Outlook = append(p.plan.Outlook, path)
				p.skip(path, "Outlook data file: convert it first (readpst -M -o OUT "+path+") and scan the output")
				if explicit {
					p.fail(fmt.Errorf("%s: Outlook data files are not read directly; convert with readpst -M (Debian package pst-utils) and scan the output", path))
				}
				return File{}, false
			default:
				if explicit {
					p.fail(fmt.Errorf("%s: not a recognised mail store (eml, mbox, gzip mbox, Maildir) or log (JSON, JSON Lines, CSV, syslog, W3C); use --input-format to force one", path))
				} else {
					p.skip(path, "format not recognised")
				}
				return File{}, false
			}
		}
	}
	switch format {
	case FormatMbox:
		p.mbox(path, fi.Size(), folder, gz, emit)
		return File{}, false
	case FormatEVTX:
		p.emitUnit(&Unit{Format: FormatEVTX, Mailbox: path, Path: path, End: -1, Bytes: fi.Size()}, emit)
		return File{}, false
	case FormatLog:
		p.emitUnit(&Unit{Format: FormatLog, LogFormat: logFormat, Mailbox: path, Path: path, Gzip: gz, End: -1, Bytes: fi.Size()}, emit)
		return File{}, false
	case FormatMaildir:
		if explicit {
			p.fail(fmt.Errorf("%s: --input-format maildir needs a Maildir directory, not a file", path))
		}
		return File{}, false
	}
	f := File{Path: path, Folder: folder, Size: fi.Size()}
	if explicit {
		p.emitUnit(&Unit{Format: FormatEML, Mailbox: filepath.Dir(path), Files: []File{f}, Bytes: f.Size}, emit)
		return File{}, false
	}
	return f, true
}

// mbox plans an mbox file, split into sections when it is large.
func (p *Planner) mbox(path string, size int64, folder string, gz bool, emit func(*Unit)) {
	unit := func(start, end int64) *Unit {
		return &Unit{Format: FormatMbox, Mailbox: path, Path: path, Folder: folder, Gzip: gz,
			Start: start, End: end, Bytes: max(end, size) - start}
	}
	if gz || p.workers == 1 || p.opt.SplitBytes < 0 || size <= p.opt.SplitBytes {
		p.emitUnit(unit(0, -1), emit)
		return
	}
	f, err := os.Open(path)
	if err != nil {
		p.fail(fmt.Errorf("%s: %w", path, unwrapPathError(err)))
		return
	}
	defer f.Close()
	// Emit each section as soon as its end is found, so the first worker
	// starts while the later boundaries are still being looked for.
	var start int64
	for q := p.opt.SplitBytes; q < size; q += p.opt.SplitBytes {
		if q <= start {
			continue
		}
		b, ok, err := mbox.NextBoundary(f, size, q)
		if err != nil || !ok {
			// Splitting is an optimisation: on trouble the rest is one
			// section, and its reader reports what is wrong.
			break
		}
		if b > start {
			u := unit(start, b)
			u.Bytes = b - start
			p.emitUnit(u, emit)
			start = b
		}
	}
	u := unit(start, size)
	u.Bytes = size - start
	p.emitUnit(u, emit)
}

// maildir plans a Maildir root: its messages in batches, folder by folder.
func (p *Planner) maildir(root string, emit func(*Unit)) {
	var batch []File
	var batchBytes int64
	flush := func() {
		if len(batch) > 0 {
			p.emitUnit(&Unit{Format: FormatMaildir, Mailbox: root, Files: batch, Bytes: batchBytes}, emit)
			batch, batchBytes = nil, 0
		}
	}
	for e := range maildir.Walk(root) {
		if e.Err != nil {
			p.fail(e.Err)
			continue
		}
		size := e.Info.Size
		if fi, err := os.Stat(e.Path); err == nil {
			size = fi.Size()
		}
		batch = append(batch, File{Path: e.Path, Folder: e.Folder, Flags: e.Info.Flags, Size: size})
		batchBytes += size
		if len(batch) >= p.opt.BatchFiles {
			flush()
		}
	}
	flush()
	if _, ok := p.byName[root]; !ok {
		// An empty Maildir is still a mailbox that was scanned.
		p.byName[root] = len(p.plan.Mailboxes)
		p.plan.Mailboxes = append(p.plan.Mailboxes, Mailbox{Name: root, Format: FormatMaildir})
	}
}

// unwrapPathError drops the *fs.PathError wrapper whose path the caller
// already prints.
func unwrapPathError(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}

// isDir reports whether path is a directory.
func isDir(path string) bool {
	fi, err := os.Stat(path)
	return err == nil && fi.IsDir()
}
