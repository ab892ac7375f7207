package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

// syncBuffer is a bytes.Buffer safe to write from the scan and read from
// the test.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// TestScanFollow: scan --follow picks up records appended to a log and a
// record in the file that replaced it after rotation, streams their
// alerts, and ends normally when interrupted.
func TestScanFollow(t *testing.T) {
	sample, err := os.ReadFile(filepath.Join(shared, "platform", "m365", "ual-add-mailboxpermission.splunk-example.json"))
	if err != nil {
		t.Fatal(err)
	}
	var rec map[string]any
	if err := json.Unmarshal(sample, &rec); err != nil {
		t.Fatal(err)
	}
	line := func(id string) []byte {
		rec["Id"] = id
		b, _ := json.Marshal(rec)
		return append(b, '\n')
	}
	dir := t.TempDir()
	logf := filepath.Join(dir, "audit.jsonl")
	benign := []byte(`{"CreationTime":"2020-12-15T10:00:00","Id":"b0","Operation":"MailboxLogin","RecordType":2,"UserId":"ann@example.com","Workload":"Exchange","ResultStatus":"Succeeded"}` + "\n")
	writeFile(t, logf, benign)

	isolateScan(t)
	ctx, cancel := context.WithCancel(context.Background())
	var out, errOut syncBuffer
	done := make(chan int, 1)
	go func() {
		done <- run(ctx, &app{stdout: &out, stderr: &errOut, env: docsEnv}, []string{"scan", "--follow", "--flush-every", "200ms", logf})
	}()
	waitFor := func(what string, n int) {
		t.Helper()
		deadline := time.Now().Add(10 * time.Second)
		for strings.Count(out.String(), "mailtrip-mailbox-permission") < n {
			if time.Now().After(deadline) {
				cancel()
				t.Fatalf("%s: no alert within 10s\nstdout:\n%s\nstderr:\n%s", what, out.String(), errOut.String())
			}
			time.Sleep(50 * time.Millisecond)
		}
	}
	time.Sleep(300 * time.Millisecond)
	f, err := os.OpenFile(logf, os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	f.Write(line("appended-1"))
	f.Close()
	waitFor("appended record", 1)

	// Rotation: the file is renamed away and a new one takes its name.
	if err := os.Rename(logf, logf+".1"); err != nil {
		t.Fatal(err)
	}
	writeFile(t, logf, line("rotated-2"))
	waitFor("record in the rotated-in file", 2)

	cancel()
	select {
	case code := <-done:
		if code != exitFindings {
			t.Errorf("exit %d, want %d (findings)\n%s", code, exitFindings, errOut.String())
		}
	case <-time.After(10 * time.Second):
		t.Fatal("scan --follow did not stop after the interrupt")
	}
	if n := strings.Count(out.String(), "mailtrip-mailbox-permission"); n != 2 {
		t.Errorf("%d alerts, want 2 (each reported once)", n)
	}
}

// TestScanFollowEmptyFile: a log that is empty when scan --follow starts
// (just rotated) is followed, its format told from the first line that
// comes; without --follow an empty file is reported as empty, not as an
// input error.
func TestScanFollowEmptyFile(t *testing.T) {
	logf := filepath.Join(t.TempDir(), "audit.jsonl")
	writeFile(t, logf, nil)
	isolateScan(t)

	var out, errOut syncBuffer
	if code := run(context.Background(), &app{stdout: &out, stderr: &errOut, env: docsEnv}, []string{"scan", logf}); code != exitOK {
		t.Fatalf("scan of an empty file: exit %d, want %d\n%s", code, exitOK, errOut.String())
	}
	if !strings.Contains(errOut.String(), "1 file empty") || strings.Contains(errOut.String(), "input error") {
		t.Errorf("scan of an empty file says:\n%s", errOut.String())
	}

	followUntilAlert(t, logf, "the first line of a followed empty file", func(line []byte) {
		f, err := os.OpenFile(logf, os.O_APPEND|os.O_WRONLY, 0)
		if err != nil {
			t.Fatal(err)
		}
		f.Write(line)
		f.Close()
	})
}

// TestScanFollowMissingFile: scan --follow of a log that does not exist
// yet says so and reads it from its first line once it appears; a path
// whose folder does not exist is an error as without --follow.
func TestScanFollowMissingFile(t *testing.T) {
	dir := t.TempDir()
	logf := filepath.Join(dir, "audit.jsonl")
	isolateScan(t)

	var out, errOut syncBuffer
	if code := run(context.Background(), &app{stdout: &out, stderr: &errOut, env: docsEnv},
		[]string{"scan", "--follow", filepath.Join(dir, "no-such-folder", "x.log")}); code != exitInput {
		t.Errorf("follow in a missing folder: exit %d, want %d\n%s", code, exitInput, errOut.String())
	}

	stderr := followUntilAlert(t, logf, "a followed log that appeared later", func(line []byte) { writeFile(t, logf, line) })
	if !strings.Contains(stderr, "does not exist yet; following it until it appears") {
		t.Errorf("no word that the log is awaited:\n%s", stderr)
	}
}

// isolateScan keeps a scan in a test from the user's configuration and
// state.
func isolateScan(t *testing.T) {
	t.Setenv("MAILTRIP_CONFIG", "")
	t.Setenv("MAILTRIP_DB", "")
	t.Setenv("XDG_CONFIG_HOME", t.TempDir())
	t.Setenv("XDG_STATE_HOME", t.TempDir())
}

// followUntilAlert runs scan --follow on logf, hands write a mailbox
// permission record as one line once the scan is following, waits for its
// alert, interrupts the scan and checks it ends with findings. It returns
// the scan's stderr.
func followUntilAlert(t *testing.T, logf, what string, write func(line []byte)) string {
	t.Helper()
	sample, err := os.ReadFile(filepath.Join(shared, "platform", "m365", "ual-add-mailboxpermission.splunk-example.json"))
	if err != nil {
		t.Fatal(err)
	}
	var c bytes.Buffer
	if err := json.Compact(&c, sample); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var out, errOut syncBuffer
	done := make(chan int, 1)
	go func() {
		done <- run(ctx, &app{stdout: &out, stderr: &errOut, env: docsEnv}, []string{"scan", "--follow", "--format", "jsonl", logf})
	}()
	time.Sleep(300 * time.Millisecond)
	write(append(c.Bytes(), '\n'))
	deadline := time.Now().Add(10 * time.Second)
	for !strings.Contains(out.String(), "mailtrip-mailbox-permission") {
		if time.Now().After(deadline) {
			cancel()
			t.Fatalf("no alert for %s within 10s\nstdout:\n%s\nstderr:\n%s", what, out.String(), errOut.String())
		}
		time.Sleep(50 * time.Millisecond)
	}
	cancel()
	select {
	case code := <-done:
		if code != exitFindings {
			t.Errorf("exit %d, want %d (findings)\n%s", code, exitFindings, errOut.String())
		}
	case <-time.After(10 * time.Second):
		t.Fatal("scan --follow did not stop after the interrupt")
	}
	return errOut.String()
}
