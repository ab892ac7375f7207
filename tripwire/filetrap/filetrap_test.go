package filetrap

import (
	"context"
	"errors"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/mailtrip/mailtrip/tripwire"
)

type recorder struct {
	mu   sync.Mutex
	hits []tripwire.Hit
}

func (r *recorder) Record(_ context.Context, h tripwire.Hit) (tripwire.Result, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.hits = append(r.hits, h)
	return tripwire.Result{HitID: int64(len(r.hits))}, nil
}

func (r *recorder) all() []tripwire.Hit {
	r.mu.Lock()
	defer r.mu.Unlock()
	return slices.Clone(r.hits)
}

// waitHit waits for a hit on path.
func (r *recorder) waitHit(t *testing.T, path string) tripwire.Hit {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for time.Now().Before(deadline) {
		for _, h := range r.all() {
			if h.Path == path {
				return h
			}
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Fatalf("no hit on %s; hits: %+v", path, r.all())
	return tripwire.Hit{}
}

// decoys makes a planted tree: two decoy files in a folder tree and one
// file named on its own.
func decoys(t *testing.T) (root, nested, single string) {
	t.Helper()
	dir := t.TempDir()
	root = filepath.Join(dir, "Mail Archive 2025")
	if err := os.MkdirAll(filepath.Join(root, "Finance"), 0o755); err != nil {
		t.Fatal(err)
	}
	nested = filepath.Join(root, "Finance", "Wire instructions.eml")
	single = filepath.Join(dir, "passwords-backup.eml")
	for _, p := range []string{nested, filepath.Join(root, "top.eml"), single} {
		if err := os.WriteFile(p, []byte("Subject: decoy\r\n\r\nbody\r\n"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return root, nested, single
}

// run starts the trap and stops it at the end of the test; it skips when
// fanotify is asked for and not permitted.
func run(t *testing.T, cfg Config, rec tripwire.Recorder) *Trap {
	t.Helper()
	if runtime.GOOS != "linux" {
		t.Skip("filetrap watches files on Linux only")
	}
	tr := New(cfg, rec, nil)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- tr.Run(ctx) }()
	deadline := time.Now().Add(5 * time.Second)
	for tr.Mode() == "" || tr.Stats().Watches == 0 {
		select {
		case err := <-done:
			cancel()
			if cfg.Mode == ModeFanotify && err != nil && strings.Contains(err.Error(), "fanotify_init") {
				t.Skipf("fanotify not permitted here (%v): run the test as root or with CAP_SYS_ADMIN", err)
			}
			t.Fatalf("Run returned early: %v", err)
		default:
		}
		if time.Now().After(deadline) {
			t.Fatal("trap did not start")
		}
		time.Sleep(5 * time.Millisecond)
	}
	// Folders are walked and marked one by one: wait until the count of
	// watches has settled, so every planted file is watched before the
	// test touches it.
	for last, stable := tr.Stats().Watches, 0; stable < 10 && time.Now().Before(deadline); {
		time.Sleep(10 * time.Millisecond)
		if n := tr.Stats().Watches; n == last {
			stable++
		} else {
			last, stable = n, 0
		}
	}
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("Run: %v", err)
		}
	})
	return tr
}

func TestInotify(t *testing.T) {
	root, nested, single := decoys(t)
	rec := &recorder{}
	tr := run(t, Config{Paths: []string{root, single}, Mode: ModeInotify}, rec)
	if tr.Mode() != ModeInotify {
		t.Fatalf("mode %q", tr.Mode())
	}
	// The test itself reads: inotify cannot tell who, so this is a hit.
	for _, p := range []string{nested, single} {
		b, err := os.ReadFile(p)
		if err != nil || len(b) == 0 {
			t.Fatal(err)
		}
	}
	// A copy by another process.
	if out, err := exec.Command("cp", nested, filepath.Join(t.TempDir(), "copy.eml")).CombinedOutput(); err != nil {
		t.Fatalf("cp: %v %s", err, out)
	}
	for _, p := range []string{nested, single} {
		h := rec.waitHit(t, p)
		if h.Trap != tripwire.TrapFile || h.Detail["mode"] != ModeInotify || h.Detail["event"] != "open" || h.Source.IsValid() {
			t.Errorf("hit = %+v", h)
		}
		if _, ok := h.Detail["pid"]; ok {
			t.Errorf("inotify hit names a pid: %+v", h)
		}
	}
	time.Sleep(100 * time.Millisecond)
	// Open, reads, close and the copy: one hit per file in the window.
	n := 0
	for _, h := range rec.all() {
		if h.Path == nested {
			n++
		}
	}
	if n != 1 {
		t.Errorf("%d hits on %s, want 1 (dedup)", n, nested)
	}
	if st := tr.Stats(); st.Deduped == 0 || st.Hits < 2 {
		t.Errorf("stats = %+v", st)
	}
	// Opening the folder itself (a listing) is not a hit.
	if _, err := os.ReadDir(root); err != nil {
		t.Fatal(err)
	}
}

func TestInotifyAddRemove(t *testing.T) {
	root, nested, single := decoys(t)
	rec := &recorder{}
	tr := run(t, Config{Paths: []string{root}, Mode: ModeInotify, DedupWindow: time.Nanosecond}, rec)
	if err := tr.Add(single); err != nil {
		t.Fatal(err)
	}
	os.ReadFile(single)
	rec.waitHit(t, single)
	if err := tr.Remove(root); err != nil {
		t.Fatal(err)
	}
	before := len(rec.all())
	os.ReadFile(nested)
	os.ReadFile(single) // still watched
	rec.waitHit(t, single)
	time.Sleep(100 * time.Millisecond)
	for _, h := range rec.all()[before:] {
		if h.Path == nested {
			t.Fatalf("hit on a removed path: %+v", h)
		}
	}
	if err := tr.Remove(root); err == nil {
		t.Error("removing twice succeeded")
	}
}

// Under fanotify the test's own reads are ignored (its pid), and a child
// cat's read names cat.
func TestFanotify(t *testing.T) {
	root, nested, single := decoys(t)
	rec := &recorder{}
	tr := run(t, Config{Paths: []string{root, single}, Mode: ModeFanotify}, rec)
	if _, err := os.ReadFile(nested); err != nil {
		t.Fatal(err)
	}
	// cat reads the file and then waits on its stdin, so it is still there
	// when the trap reads /proc.
	cmd := exec.Command("cat", nested, "-")
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stdout = io.Discard
	if err := cmd.Start(); err != nil {
		t.Skipf("no cat: %v", err)
	}
	h := rec.waitHit(t, nested)
	stdin.Close()
	cmd.Wait()
	if h.Detail["mode"] != ModeFanotify || h.Detail["pid"] != cmd.Process.Pid || h.Detail["event"] != "open" {
		t.Errorf("hit = %+v, want cat's pid %d", h, cmd.Process.Pid)
	}
	exe, _ := h.Detail["exe"].(string)
	cmdline, _ := h.Detail["cmdline"].(string)
	if !strings.HasSuffix(exe, "/cat") && !strings.Contains(exe, "busybox") || !strings.HasPrefix(cmdline, "cat ") {
		t.Errorf("exe %q cmdline %q, want cat", exe, cmdline)
	}
	if uid, ok := h.Detail["uid"].(int); !ok || uid != os.Getuid() {
		t.Errorf("uid = %v, want %d", h.Detail["uid"], os.Getuid())
	}
	if st := tr.Stats(); st.Ignored == 0 {
		t.Errorf("the test's own read was not ignored: %+v", st)
	}
	// A file named on its own, copied by a short-lived process.
	if out, err := exec.Command("cp", single, filepath.Join(t.TempDir(), "x")).CombinedOutput(); err != nil {
		t.Fatalf("cp: %v %s", err, out)
	}
	if h := rec.waitHit(t, single); h.Detail["pid"] == nil {
		t.Errorf("hit = %+v", h)
	}
	// A file planted later in a watched folder is covered.
	later := filepath.Join(root, "Finance", "later.eml")
	if err := os.WriteFile(later, []byte("x"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := exec.Command("cat", later).Run(); err != nil {
		t.Fatal(err)
	}
	rec.waitHit(t, later)
}

func TestAutoMode(t *testing.T) {
	root, _, _ := decoys(t)
	tr := run(t, Config{Paths: []string{root}}, &recorder{})
	if m := tr.Mode(); m != ModeFanotify && m != ModeInotify {
		t.Fatalf("mode %q", m)
	}
}

func TestRunErrors(t *testing.T) {
	if runtime.GOOS != "linux" {
		err := New(Config{Paths: []string{"."}}, &recorder{}, nil).Run(context.Background())
		if !errors.Is(err, ErrUnsupported) {
			t.Fatalf("Run = %v, want ErrUnsupported", err)
		}
		return
	}
	tr := New(Config{Paths: []string{filepath.Join(t.TempDir(), "missing")}, Mode: ModeInotify}, &recorder{}, nil)
	if err := tr.Run(context.Background()); err == nil {
		t.Fatal("Run with no watchable path succeeded")
	}
	if err := New(Config{Mode: "dtrace"}, &recorder{}, nil).Run(context.Background()); err == nil {
		t.Fatal("unknown mode accepted")
	}
	if err := tr.Add(filepath.Join(t.TempDir(), "missing")); err == nil {
		t.Fatal("Add of a missing path succeeded")
	}
}

func TestLimiter(t *testing.T) {
	root, nested, single := decoys(t)
	rec := &recorder{}
	tr := run(t, Config{Paths: []string{root, single}, Mode: ModeInotify, Limiter: tripwire.NewLimiter(0.001, 1)}, rec)
	os.ReadFile(nested)
	rec.waitHit(t, nested)
	os.ReadFile(single)
	deadline := time.Now().Add(5 * time.Second)
	for tr.Stats().Refused == 0 && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	if st := tr.Stats(); st.Refused == 0 || len(rec.all()) != 1 {
		t.Fatalf("stats %+v, %d hits", st, len(rec.all()))
	}
}
