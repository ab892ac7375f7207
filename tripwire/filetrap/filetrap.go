package filetrap

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"net/netip"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/mailtrip/mailtrip/tripwire"
)

// Modes, as [Trap.Mode] reports them and Detail["mode"] records them.
const (
	ModeFanotify = "fanotify"
	ModeInotify  = "inotify"
)

// Defaults for zero Config fields.
const (
	DefaultDedupWindow   = time.Minute
	DefaultMaxWatches    = 10000
	DefaultRecordTimeout = 10 * time.Second
)

// ErrUnsupported is returned by Run where the kernel offers neither
// fanotify nor inotify (every system but Linux).
var ErrUnsupported = errors.New("filetrap: file watching is not supported on this system")

// Config is what the file trap needs.
type Config struct {
	// Paths are decoy files and folders of them. A folder is watched with
	// every folder under it (as they are when the trap starts or Add is
	// called), so every file planted in them is a decoy.
	Paths []string
	// IgnorePIDs are processes whose touches are not hits (fanotify only:
	// inotify does not say who). Nil means the trap's own process, so
	// mailtrip's own verify does not trip it; an empty non-nil slice
	// ignores nothing.
	IgnorePIDs []int
	// DedupWindow: one hit per (file, process) within it; later events
	// (a read after the open, the close) are counted, not recorded.
	DedupWindow time.Duration
	// Limiter, when set, bounds hits per user (the uid, written as an
	// IPv4 address for the Limiter's key; one key under inotify);
	// refusals are counted, not recorded.
	Limiter *tripwire.Limiter
	// Mode forces ModeFanotify or ModeInotify; "" tries fanotify (it
	// needs CAP_SYS_ADMIN) and falls back to inotify.
	Mode string
	// MaxWatches bounds the files and folders marked.
	MaxWatches    int
	RecordTimeout time.Duration
}

// Stats are the trap's counters since New.
type Stats struct {
	Events   int64 // kernel events read
	Hits     int64 // recorded
	Ignored  int64 // from an ignored process
	Deduped  int64 // within the dedup window of an earlier hit
	Refused  int64 // turned away by the Limiter
	Overflow int64 // the kernel's event queue overflowed: touches were lost
	Errors   int64 // Record failed
	Watches  int64 // files and folders marked now
}

// event is one touch as a watcher read it.
type event struct {
	path string
	kind string // open, open_exec, access, close_nowrite
	pid  int    // 0 under inotify
	proc procInfo
}

// watcher is the kernel interface a Trap runs on.
type watcher interface {
	mode() string
	add(path string, dir bool) error
	remove(path string) error
	// run reads events until close is called, calling emit for each
	// touch and overflow for each lost-events notice.
	run(emit func(event), overflow func()) error
	close() error
}

// Trap watches decoy files. Make it with [New].
type Trap struct {
	cfg    Config
	rec    tripwire.Recorder
	log    *slog.Logger
	ignore map[int]bool

	mu      sync.Mutex
	roots   []string            // paths asked for, in order
	marked  map[string][]string // root → what was marked for it
	w       watcher
	running bool
	seen    map[dedupKey]time.Time
	swept   time.Time

	events, hits, ignored, deduped, refused, overflow, errs, watches atomic.Int64
}

type dedupKey struct {
	path string
	pid  int
}

// New returns a trap recording to rec and logging to log (nil: discard).
// It watches nothing until Run.
func New(cfg Config, rec tripwire.Recorder, log *slog.Logger) *Trap {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	if cfg.DedupWindow == 0 {
		cfg.DedupWindow = DefaultDedupWindow
	}
	if cfg.MaxWatches == 0 {
		cfg.MaxWatches = DefaultMaxWatches
	}
	if cfg.RecordTimeout == 0 {
		cfg.RecordTimeout = DefaultRecordTimeout
	}
	t := &Trap{cfg: cfg, rec: rec, log: log, ignore: make(map[int]bool), marked: make(map[string][]string), seen: make(map[dedupKey]time.Time)}
	if cfg.IgnorePIDs == nil {
		t.ignore[os.Getpid()] = true
	}
	for _, p := range cfg.IgnorePIDs {
		t.ignore[p] = true
	}
	for _, p := range cfg.Paths {
		t.roots = append(t.roots, filepath.Clean(p))
	}
	return t
}

// Mode is the kernel interface the running trap uses: ModeFanotify or
// ModeInotify, "" when not running.
func (t *Trap) Mode() string {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.w == nil {
		return ""
	}
	return t.w.mode()
}

// Stats returns the counters.
func (t *Trap) Stats() Stats {
	return Stats{
		Events: t.events.Load(), Hits: t.hits.Load(), Ignored: t.ignored.Load(), Deduped: t.deduped.Load(),
		Refused: t.refused.Load(), Overflow: t.overflow.Load(), Errors: t.errs.Load(), Watches: t.watches.Load(),
	}
}

// Run watches until ctx is done and returns nil then, once the hits it
// read are recorded. It fails when no watcher can start or when none of
// the paths can be watched.
func (t *Trap) Run(ctx context.Context) error {
	w, err := t.open()
	if err != nil {
		return err
	}
	t.mu.Lock()
	if t.running {
		t.mu.Unlock()
		w.close()
		return errors.New("filetrap: already running")
	}
	t.w, t.running = w, true
	roots := slices.Clone(t.roots)
	t.mu.Unlock()
	defer func() {
		t.mu.Lock()
		t.w, t.running = nil, false
		clear(t.marked)
		t.mu.Unlock()
		t.watches.Store(0)
	}()
	ok := 0
	for _, r := range roots {
		if err := t.mark(r); err != nil {
			t.log.Warn("filetrap: watch", "path", r, "err", err)
			continue
		}
		ok++
	}
	if ok == 0 && len(roots) > 0 {
		w.close()
		return fmt.Errorf("filetrap: none of %d paths can be watched", len(roots))
	}
	t.log.Info("filetrap: watching", "mode", w.mode(), "paths", len(roots), "watches", t.watches.Load())

	hits := make(chan tripwire.Hit, 256)
	recorded := make(chan struct{})
	go func() {
		defer close(recorded)
		for h := range hits {
			t.record(h)
		}
	}()
	stop := context.AfterFunc(ctx, func() { w.close() })
	defer stop()
	rerr := w.run(func(ev event) {
		if h, ok := t.judge(ev); ok {
			hits <- h
		}
	}, func() {
		t.overflow.Add(1)
		t.log.Warn("filetrap: kernel event queue overflowed; touches were lost")
	})
	close(hits)
	<-recorded
	if ctx.Err() != nil {
		return nil
	}
	w.close()
	if rerr != nil {
		return fmt.Errorf("filetrap: %s: %w", w.mode(), rerr)
	}
	return nil
}

func (t *Trap) open() (watcher, error) {
	switch t.cfg.Mode {
	case ModeFanotify:
		return newFanotify()
	case ModeInotify:
		return newInotify()
	case "":
		w, err := newFanotify()
		if err == nil {
			return w, nil
		}
		t.log.Info("filetrap: fanotify unavailable, falling back to inotify (no process details)", "err", err)
		return newInotify()
	}
	return nil, fmt.Errorf("filetrap: unknown mode %q", t.cfg.Mode)
}

// Add watches path (a file or a folder of them) from now on, and with every
// later Run.
func (t *Trap) Add(path string) error {
	path = filepath.Clean(path)
	t.mu.Lock()
	if !slices.Contains(t.roots, path) {
		t.roots = append(t.roots, path)
	}
	running := t.running
	t.mu.Unlock()
	if !running {
		if _, err := os.Stat(path); err != nil {
			return fmt.Errorf("filetrap: add: %w", err)
		}
		return nil
	}
	return t.mark(path)
}

// Remove stops watching path, as it was given to Add or Config.Paths.
func (t *Trap) Remove(path string) error {
	path = filepath.Clean(path)
	t.mu.Lock()
	defer t.mu.Unlock()
	i := slices.Index(t.roots, path)
	if i < 0 {
		return fmt.Errorf("filetrap: remove %s: not watched", path)
	}
	t.roots = slices.Delete(t.roots, i, i+1)
	var errs []error
	if t.w != nil {
		for _, m := range t.marked[path] {
			if t.markedElsewhere(path, m) {
				continue
			}
			if err := t.w.remove(m); err != nil {
				errs = append(errs, err)
			}
			t.watches.Add(-1)
		}
	}
	delete(t.marked, path)
	return errors.Join(errs...)
}

// markedElsewhere reports whether another root marked m too. t.mu is held.
func (t *Trap) markedElsewhere(root, m string) bool {
	for r, ms := range t.marked {
		if r != root && slices.Contains(ms, m) {
			return true
		}
	}
	return false
}

// mark marks root: a file itself, a folder with every folder under it.
func (t *Trap) mark(root string) error {
	fi, err := os.Stat(root)
	if err != nil {
		return err
	}
	var marks []string
	var errs []error
	add := func(p string, dir bool) error {
		if int(t.watches.Load()) >= t.cfg.MaxWatches {
			return fmt.Errorf("more than %d watches", t.cfg.MaxWatches)
		}
		t.mu.Lock()
		w := t.w
		t.mu.Unlock()
		if w == nil {
			return errors.New("not running")
		}
		if err := w.add(p, dir); err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", p, err))
			return nil
		}
		marks = append(marks, p)
		t.watches.Add(1)
		return nil
	}
	if !fi.IsDir() {
		err = add(root, false)
	} else {
		err = filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
			if err != nil {
				errs = append(errs, err)
				return nil
			}
			if !d.IsDir() {
				return nil
			}
			return add(p, true)
		})
	}
	t.mu.Lock()
	t.marked[root] = append(t.marked[root], marks...)
	t.mu.Unlock()
	if err != nil {
		errs = append(errs, err)
	}
	if len(marks) == 0 {
		return errors.Join(append(errs, errors.New("nothing marked"))...)
	}
	if len(errs) > 0 {
		t.log.Warn("filetrap: some paths not watched", "root", root, "err", errors.Join(errs...))
	}
	return nil
}

// judge turns an event into a hit unless it is ignored, a repeat within the
// dedup window or refused.
func (t *Trap) judge(ev event) (tripwire.Hit, bool) {
	t.events.Add(1)
	if ev.pid != 0 && t.ignore[ev.pid] {
		t.ignored.Add(1)
		return tripwire.Hit{}, false
	}
	now := time.Now()
	key := dedupKey{ev.path, ev.pid}
	t.mu.Lock()
	if now.Sub(t.swept) > t.cfg.DedupWindow {
		for k, at := range t.seen {
			if now.Sub(at) > t.cfg.DedupWindow {
				delete(t.seen, k)
			}
		}
		t.swept = now
	}
	if at, ok := t.seen[key]; ok && now.Sub(at) <= t.cfg.DedupWindow {
		t.mu.Unlock()
		t.deduped.Add(1)
		return tripwire.Hit{}, false
	}
	t.seen[key] = now
	t.mu.Unlock()
	mode := ModeInotify
	if ev.pid != 0 {
		mode = ModeFanotify
	}
	limitKey := netip.IPv4Unspecified()
	if ev.proc.uidKnown {
		u := uint32(ev.proc.uid)
		limitKey = netip.AddrFrom4([4]byte{byte(u >> 24), byte(u >> 16), byte(u >> 8), byte(u)})
	}
	if !t.cfg.Limiter.Allow(limitKey) {
		t.refused.Add(1)
		return tripwire.Hit{}, false
	}
	detail := map[string]any{"event": ev.kind, "mode": mode}
	if ev.pid != 0 {
		detail["pid"] = ev.pid
		if ev.proc.exe != "" {
			detail["exe"] = ev.proc.exe
		}
		if ev.proc.cmdline != "" {
			detail["cmdline"] = ev.proc.cmdline
		}
		if ev.proc.uidKnown {
			detail["uid"] = ev.proc.uid
		}
		if ev.proc.gone {
			detail["process_gone"] = true
		}
	}
	return tripwire.Hit{Time: now, Trap: tripwire.TrapFile, Path: ev.path, Detail: detail}, true
}

func (t *Trap) record(h tripwire.Hit) {
	ctx, cancel := context.WithTimeout(context.Background(), t.cfg.RecordTimeout)
	defer cancel()
	res, err := t.rec.Record(ctx, h)
	if err != nil {
		t.errs.Add(1)
		t.log.Error("filetrap: record hit", "path", h.Path, "err", err)
		return
	}
	t.hits.Add(1)
	t.log.Info("filetrap: hit", "path", h.Path, "event", h.Detail["event"], "pid", h.Detail["pid"], "exe", h.Detail["exe"], "hit", res.HitID, "decoy", res.Decoy)
}

// procInfo is what /proc says of a process.
type procInfo struct {
	exe, cmdline string
	uid          int
	uidKnown     bool
	gone         bool // the process ended before it could be read
}
