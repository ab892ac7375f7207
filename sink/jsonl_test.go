package sink_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"sync"
	"testing"

	"github.com/mailtrip/mailtrip/alert"
	"github.com/mailtrip/mailtrip/sink"
)

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func readAlerts(t *testing.T, path string) []alert.Alert {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out []alert.Alert
	sc := bufio.NewScanner(f)
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		var a alert.Alert
		if err := json.Unmarshal(sc.Bytes(), &a); err != nil {
			t.Fatalf("%s: line %q: %v", path, sc.Text(), err)
		}
		out = append(out, a)
	}
	return out
}

func TestJSONLReopen(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "alerts.jsonl")
	j, err := sink.NewJSONL(sink.JSONLConfig{Name: "file", Path: path, Fsync: true})
	if err != nil {
		t.Fatal(err)
	}
	defer j.Close()
	ctx := context.Background()
	if err := j.Deliver(ctx, []alert.Alert{testAlert(1), testAlert(2)}); err != nil {
		t.Fatal(err)
	}
	// logrotate: rename, then SIGHUP → Reopen.
	rotated := path + ".1"
	if err := os.Rename(path, rotated); err != nil {
		t.Fatal(err)
	}
	if err := j.Deliver(ctx, []alert.Alert{testAlert(3)}); err != nil {
		t.Fatal(err)
	}
	if err := j.Reopen(); err != nil {
		t.Fatal(err)
	}
	if err := j.Deliver(ctx, []alert.Alert{testAlert(4)}); err != nil {
		t.Fatal(err)
	}
	old, cur := readAlerts(t, rotated), readAlerts(t, path)
	if len(old) != 3 || old[2].ID != testAlert(3).ID || len(cur) != 1 || cur[0].ID != testAlert(4).ID {
		t.Errorf("rotated file has %d alerts, new file %d; want 3 and 1", len(old), len(cur))
	}
	if cur[0].Actor == nil || cur[0].Actor.UserAgent != testAlert(4).Actor.UserAgent {
		t.Errorf("round trip lost fields: %+v", cur[0])
	}
	fi, err := os.Stat(path)
	if err != nil || fi.Mode().Perm() != 0o600 {
		t.Errorf("new file mode %v, %v; want 0600", fi.Mode(), err)
	}
	j.Close()
	if err := j.Deliver(ctx, []alert.Alert{testAlert(5)}); err == nil || sink.IsPermanent(err) {
		t.Errorf("Deliver after Close = %v, want a temporary error", err)
	}
}

func TestJSONLWriter(t *testing.T) {
	var buf syncBuffer
	j := sink.NewJSONLWriter("out", &buf)
	if err := j.Deliver(context.Background(), []alert.Alert{testAlert(1)}); err != nil {
		t.Fatal(err)
	}
	line := buf.b.String()
	if !bytes.HasSuffix([]byte(line), []byte("\n")) || bytes.Count([]byte(line), []byte("\n")) != 1 {
		t.Errorf("want one line, got %q", line)
	}
	if !bytes.Contains([]byte(line), []byte("<script>")) {
		t.Errorf("HTML escaped in JSONL: %q", line)
	}
}
