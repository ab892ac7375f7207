package main

import (
	"encoding/json"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

const autoFwdMsg = "From: Vendor <billing@fabrikam.example>\nTo: alice@contoso.com\nSubject: Invoice\n" +
	"Date: Mon, 4 Mar 2024 09:10:00 +0000\nMessage-ID: <%s@fabrikam.example>\n" +
	"X-MS-Exchange-Organization-AutoForwarded: true\n\nbody\n"

func autoFwd(id string) string { return strings.Replace(autoFwdMsg, "%s", id, 1) }

// makeBadInputs writes one file per kind of damage, each next to mail that
// must still be read. The folder is open to every user so that a child
// process without root can read it.
func makeBadInputs(t *testing.T) string {
	t.Helper()
	base, err := os.MkdirTemp("", "mailtrip-badinput-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = os.Chmod(filepath.Join(base, "in", "noperm"), 0o755)
		_ = os.RemoveAll(base)
	})
	dir := filepath.Join(base, "in")
	put := func(name, data string) { writeFile(t, filepath.Join(dir, name), []byte(data)) }
	// An mbox whose second message is cut off inside its header.
	put("truncated.mbox", "From a@b Mon Jan  1 00:00:00 2024\n"+autoFwd("t1")+"\nFrom a@b Mon Jan  1 00:00:00 2024\nFrom: x@y\nSubj")
	// NUL bytes in a header and the body.
	put("nul.eml", "From: a@b\x00c\nSubject: nul\x00\nDate: Mon, 4 Mar 2024 09:10:00 +0000\nTo: d@e\n\nbo\x00dy\n")
	// A 10 MB header line, then a good auto-forwarded message.
	put("hugeline.mbox", "From a@b Mon Jan  1 00:00:00 2024\nFrom: a@b\nX-Long: "+strings.Repeat("A", 10<<20)+
		"\nSubject: long\n\nbody\n\nFrom a@b Mon Jan  1 00:00:00 2024\n"+autoFwd("h2"))
	// A header that runs to the end of the file without a blank line.
	put("nosep.eml", "From: a@b\nTo: c@d\nSubject: no separator\nDate: Mon, 4 Mar 2024 09:10:00 +0000")
	// Broken RFC 2047 words are kept as they are; the message is read.
	put("broken2047.eml", strings.Replace(autoFwd("b1"), "Subject: Invoice", "Subject: =?utf-8?B?!!notbase64?= =?x-unknown?Q?caf=E9?= =?utf-8?Q?unterminated", 1))
	// A folder nobody but its owner may read.
	put("noperm/secret.eml", autoFwd("secret"))
	if err := os.Chmod(filepath.Join(dir, "noperm"), 0); err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{base, dir} {
		if err := os.Chmod(p, 0o777); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

type childResult struct {
	Code           int
	Stdout, Stderr string
}

// TestBadInput: every damaged input is reported with its file (and offset
// where there is one), the rest is scanned, and the exit code is 3.
func TestBadInput(t *testing.T) {
	dir := makeBadInputs(t)
	var r childResult
	if os.Geteuid() == 0 {
		// Root reads any folder; run the scan as an unprivileged user.
		r = runAsNobody(t, filepath.Dir(dir), "scan", "--format", "json", dir)
	} else {
		r.Code, r.Stdout, r.Stderr = runCLI(t, docsEnv, "scan", "--format", "json", dir)
	}
	if r.Code != exitInput {
		t.Errorf("exit %d, want %d", r.Code, exitInput)
	}
	for _, want := range []string{
		"truncated.mbox: offset ",
		"hugeline.mbox: offset ",
		"limit",
		"nosep.eml: offset ",
		"noperm: permission denied",
		"warning: " + filepath.Join(dir, "nul.eml") + ": offset 9: NUL byte",
		"warning: " + filepath.Join(dir, "broken2047.eml") + ": offset ",
		"undecodable RFC 2047 encoded word",
	} {
		if !strings.Contains(r.Stderr, want) {
			t.Errorf("stderr lacks %q", want)
		}
	}
	d := decodeDoc(t, r.Stdout)
	ids := map[string]bool{}
	for _, a := range d.Alerts {
		ids[a.MessageID] = true
	}
	for _, id := range []string{"<t1@fabrikam.example>", "<h2@fabrikam.example>", "<b1@fabrikam.example>"} {
		if !ids[id] {
			t.Errorf("the auto-forwarded message %s beside the damage was not reported", id)
		}
	}
	if d.Summary.InputErrors != 4 || d.Summary.WarningCount != 3 {
		t.Errorf("summary counts %d input errors and %d warnings, want 4 and 3 (the cut-off \"Subj\" line is one)", d.Summary.InputErrors, d.Summary.WarningCount)
	}
	if ids["<secret@fabrikam.example>"] {
		t.Errorf("read a message in a folder without permission (test not effective)")
	}
	if t.Failed() {
		t.Logf("stderr:\n%s\nstdout:\n%s", r.Stderr, r.Stdout)
	}
}

// runAsNobody re-runs this test binary as user nobody, which runs
// TestCLIChild: mailtrip with args, in base (which nobody must be able to
// write: the result goes there).
func runAsNobody(t *testing.T, base string, args ...string) childResult {
	t.Helper()
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	bin := filepath.Join(base, "mailtrip.test")
	copyFile(t, exe, bin, 0o755)
	resultFile := filepath.Join(base, "result.json")
	argv, _ := json.Marshal(args)
	cmd := exec.Command(bin, "-test.run=^TestCLIChild$", "-test.count=1")
	cmd.Dir = base
	cmd.Env = append(os.Environ(), "MAILTRIP_CHILD_ARGS="+string(argv), "MAILTRIP_CHILD_RESULT="+resultFile, "HOME="+base)
	cmd.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: 65534, Gid: 65534}}
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("child as nobody: %v\n%s", err, out)
	}
	data, err := os.ReadFile(resultFile)
	if err != nil {
		t.Fatal(err)
	}
	var r childResult
	if err := json.Unmarshal(data, &r); err != nil {
		t.Fatal(err)
	}
	return r
}

// TestCLIChild is run by runAsNobody only.
func TestCLIChild(t *testing.T) {
	argv := os.Getenv("MAILTRIP_CHILD_ARGS")
	if argv == "" {
		t.Skip("helper for tests that run mailtrip as an unprivileged user")
	}
	var args []string
	if err := json.Unmarshal([]byte(argv), &args); err != nil {
		t.Fatal(err)
	}
	var r childResult
	r.Code, r.Stdout, r.Stderr = runCLI(t, docsEnv, args...)
	data, _ := json.Marshal(r)
	if err := os.WriteFile(os.Getenv("MAILTRIP_CHILD_RESULT"), data, 0o644); err != nil {
		t.Fatal(err)
	}
}

func copyFile(t *testing.T, src, dst string, mode os.FileMode) {
	t.Helper()
	in, err := os.Open(src)
	if err != nil {
		t.Fatal(err)
	}
	defer in.Close()
	out, err := os.OpenFile(dst, os.O_CREATE|os.O_WRONLY|os.O_TRUNC, mode)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := io.Copy(out, in); err != nil {
		t.Fatal(err)
	}
	if err := out.Close(); err != nil {
		t.Fatal(err)
	}
}

// TestWarningsOnly: defects in messages that were read in full are
// reported but leave the results complete, so the exit code is not 3.
func TestWarningsOnly(t *testing.T) {
	path := filepath.Join(t.TempDir(), "nul.eml")
	writeFile(t, path, []byte("From: a@b\x00c\nSubject: nul\nDate: Mon, 4 Mar 2024 09:10:00 +0000\nTo: d@e\n\nbody\n"))
	code, _, stderr := runCLI(t, docsEnv, "scan", "--format", "jsonl", path)
	if code != exitOK || !strings.Contains(stderr, "warning: "+path+": offset 9: NUL byte") || !strings.Contains(stderr, "1 warning") {
		t.Errorf("exit %d, stderr:\n%s", code, stderr)
	}
}
