package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// scanStdin runs mailtrip with args in the background, standard input
// read from the returned pipe.
func scanStdin(t *testing.T, ctx context.Context, args ...string) (in *io.PipeWriter, out, errOut *syncBuffer, done <-chan int) {
	t.Helper()
	isolateScan(t)
	pr, pw := io.Pipe()
	t.Cleanup(func() { pw.Close() })
	out, errOut = &syncBuffer{}, &syncBuffer{}
	ch := make(chan int, 1)
	go func() { ch <- run(ctx, &app{stdin: pr, stdout: out, stderr: errOut, env: docsEnv}, args) }()
	return pw, out, errOut, ch
}

// waitOutput waits until out holds n copies of s.
func waitOutput(t *testing.T, out, errOut *syncBuffer, s string, n int, what string) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for strings.Count(out.String(), s) < n {
		if time.Now().After(deadline) {
			t.Fatalf("%s: %d × %s not seen within 10s\nstdout:\n%s\nstderr:\n%s", what, n, s, out.String(), errOut.String())
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func waitExit(t *testing.T, done <-chan int) int {
	t.Helper()
	select {
	case code := <-done:
		return code
	case <-time.After(10 * time.Second):
		t.Fatal("scan did not end")
	}
	return 0
}

// permissionLine is the shared Add-MailboxPermission UAL sample as one
// JSON line with id.
func permissionLine(t *testing.T, id string) string {
	t.Helper()
	sample, err := os.ReadFile(filepath.Join(shared, "platform", "m365", "ual-add-mailboxpermission.splunk-example.json"))
	if err != nil {
		t.Fatal(err)
	}
	var rec map[string]any
	if err := json.Unmarshal(sample, &rec); err != nil {
		t.Fatal(err)
	}
	rec["Id"] = id
	b, _ := json.Marshal(rec)
	return string(b) + "\n"
}

// TestScanStdinStreams: scan - reports the records of standard input as
// they arrive, before the writer closes it; a bad record is reported with
// its place and the records after it are still read.
func TestScanStdinStreams(t *testing.T) {
	in, out, errOut, done := scanStdin(t, t.Context(), "scan", "--format", "jsonl", "-")
	first := permissionLine(t, "p1")
	io.WriteString(in, first)
	waitOutput(t, out, errOut, "mailtrip-mailbox-permission", 1, "record written while standard input is open")

	bad := "{\"Operation\": oops\n"
	io.WriteString(in, bad+permissionLine(t, "p2"))
	in.Close()
	code := waitExit(t, done)
	if code != exitInput {
		t.Errorf("exit %d, want %d (an input error)\n%s", code, exitInput, errOut.String())
	}
	if n := strings.Count(out.String(), "mailtrip-mailbox-permission"); n != 2 {
		t.Errorf("%d alerts, want 2\n%s", n, out.String())
	}
	if want := fmt.Sprintf("<stdin>: line 2: offset %d:", len(first)); !strings.Contains(errOut.String(), want) {
		t.Errorf("stderr lacks %q:\n%s", want, errOut.String())
	}
	if !strings.Contains(out.String(), `"file":"<stdin>"`) {
		t.Errorf("alerts do not name <stdin>:\n%.1000s", out.String())
	}
}

// ualAccess is a UAL MailItemsAccessed Sync record of one folder as a
// JSON line.
func ualAccess(n int, user string, at time.Time, folder string) string {
	b, _ := json.Marshal(map[string]any{
		"CreationTime": at.UTC().Format("2006-01-02T15:04:05"), "Id": fmt.Sprintf("mia-%d", n), "Operation": "MailItemsAccessed",
		"RecordType": 50, "Workload": "Exchange", "ResultStatus": "Succeeded", "UserId": user, "MailboxOwnerUPN": user,
		"ClientIPAddress": "203.0.113.9", "AppId": "a6f3c1d2-app", "ClientInfoString": "Client=REST;",
		"OperationProperties": []any{map[string]any{"Name": "MailAccessType", "Value": "Sync"}, map[string]any{"Name": "IsThrottled", "Value": "False"}},
		"Folders":             []any{map[string]any{"Path": folder}},
	})
	return string(b) + "\n"
}

// TestScanFollowStdin: scan --follow - judges a sync burst on standard
// input with its periodic flushes, once later records have passed its
// window and while the writer still holds the pipe open, and reports it
// once; interrupting ends the scan.
func TestScanFollowStdin(t *testing.T) {
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	in, out, errOut, done := scanStdin(t, ctx, "scan", "--follow", "--flush-every", "100ms", "--fail-on", "low", "-")
	t0 := time.Date(2024, 5, 6, 10, 0, 0, 0, time.UTC)
	var b strings.Builder
	for i := range 40 { // a new folder every 3 minutes: 20 within an hour
		b.WriteString(ualAccess(i, "ann@example.com", t0.Add(time.Duration(i)*3*time.Minute), fmt.Sprintf("/Inbox/f%02d", i)))
	}
	io.WriteString(in, b.String())
	time.Sleep(500 * time.Millisecond) // several flushes: the burst is still within the watermark's lag
	if strings.Contains(out.String(), "mailtrip-access-sync-burst") {
		t.Fatalf("burst reported before later records showed its window complete:\n%s", out.String())
	}
	io.WriteString(in, ualAccess(99, "bob@example.com", t0.Add(4*time.Hour), "/Inbox"))
	waitOutput(t, out, errOut, "mailtrip-access-sync-burst", 1, "burst judged by a periodic flush")
	cancel()
	if code := waitExit(t, done); code != exitFindings {
		t.Errorf("exit %d, want %d (findings)\n%s", code, exitFindings, errOut.String())
	}
	if n := strings.Count(out.String(), "mailtrip-access-sync-burst"); n != 1 {
		t.Errorf("%d sync-burst alerts, want 1\n%s", n, out.String())
	}
	if !strings.Contains(out.String(), `"member_count":40`) {
		t.Errorf("the alert does not stand for the 40 records:\n%s", out.String())
	}
}

// TestScanStdinEVTX: an EVTX file on standard input (which its reader
// cannot stream) is still read and its Sigma alerts name <stdin>.
func TestScanStdinEVTX(t *testing.T) {
	dir := filepath.Join(shared, "sigma", "regression", "regression_data", "rules", "windows", "process_creation",
		"proc_creation_win_susp_local_system_owner_account_discovery")
	data, err := os.ReadFile(filepath.Join(dir, "502b42de-4306-40b4-9596-6f590c81f073.evtx"))
	if err != nil {
		t.Fatal(err)
	}
	rules := filepath.Join(shared, "sigma", "sigmahq", "rules", "windows", "process_creation")
	in, out, errOut, done := scanStdin(t, t.Context(), "scan", "--format", "jsonl", "--rules", rules, "-")
	go func() {
		in.Write(data)
		in.Close()
	}()
	if code := waitExit(t, done); code != exitOK && code != exitFindings {
		t.Fatalf("exit %d\n%s", code, errOut.String())
	}
	if !strings.Contains(out.String(), `"id":"502b42de-4306-40b4-9596-6f590c81f073"`) || !strings.Contains(out.String(), `"file":"<stdin>"`) {
		t.Errorf("no alert of rule 502b42de from <stdin>:\n%.2000s\n%s", out.String(), errOut.String())
	}
}
