package main

import (
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"github.com/mailtrip/mailtrip/internal/dovecottest"
)

// TestDecoyIMAP plants into a real Dovecot over imaps, verifies and
// removes, with the password from the environment; a wrong password is a
// clear error that does not show it.
func TestDecoyIMAP(t *testing.T) {
	d := dovecottest.Start(t, dovecottest.Config{})
	db := filepath.Join(t.TempDir(), "m.db")
	to := fmt.Sprintf("imaps://%s@%s/Decoys/2024", d.User, d.Addr(d.IMAPSPort))
	run := func(want int, env string, args ...string) (string, string) {
		t.Helper()
		t.Setenv(EnvIMAPPassword, env)
		code, stdout, stderr := runCLI(t, docsEnv, append([]string{"decoy", "--db", db, "--tls-skip-verify"}, args...)...)
		if code != want {
			t.Fatalf("%v: exit %d, want %d\n%s%s", args, code, want, stdout, stderr)
		}
		if strings.Contains(stdout+stderr, d.Pass) || strings.Contains(stdout+stderr, "wrong-password-123") {
			t.Errorf("%v: a password appears in the output", args)
		}
		return stdout, stderr
	}
	out, _ := run(0, d.Pass, "plant", "--to", to, "--create", "--count", "2", "--seed", "31")
	if strings.Count(out, "UID") != 2 {
		t.Errorf("plant output:\n%s", out)
	}
	if out, _ := run(0, d.Pass, "verify"); strings.Count(out, " ok") != 2 {
		t.Errorf("verify:\n%s", out)
	}
	_, stderr := run(exitInput, "wrong-password-123", "plant", "--to", to, "--count", "1", "--seed", "32")
	if !strings.Contains(stderr, "authentication failed") {
		t.Errorf("wrong password: %s", stderr)
	}
	// The target as typed (no port normalisation needed here, a password
	// in it is ignored) selects the plantings.
	if out, _ := run(0, d.Pass, "remove", "--target", to); strings.Count(out, "removed") != 2 {
		t.Errorf("remove --target:\n%s", out)
	}
	run(0, d.Pass, "remove", "--all")
	if out, _ := run(0, d.Pass, "verify"); strings.Count(out, "\n") != 1 {
		t.Errorf("plantings left after remove:\n%s", out)
	}
	// A password in the URL works and is warned about.
	withPass := strings.Replace(to, d.User+"@", d.User+":"+d.Pass+"@", 1)
	t.Setenv(EnvIMAPPassword, "")
	code, _, stderr := runCLI(t, docsEnv, "decoy", "--db", db, "--tls-skip-verify", "plant", "--to", withPass, "--seed", "33")
	if code != 0 || !strings.Contains(stderr, "shell history") {
		t.Errorf("password in URL: exit %d\n%s", code, stderr)
	}
	if strings.Contains(stderr, d.Pass) {
		t.Error("the URL's password was printed")
	}
}

// TestDecoyIMAPReadOnlyFolder: a folder the account may read but not
// append to (a Dovecot ACL) is a clear error, and nothing is recorded.
func TestDecoyIMAPReadOnlyFolder(t *testing.T) {
	d := dovecottest.Start(t, dovecottest.Config{ReadOnlyFolders: []string{"Shared"}})
	db := filepath.Join(t.TempDir(), "m.db")
	t.Setenv(EnvIMAPPassword, d.Pass)
	to := fmt.Sprintf("imaps://%s@%s/Shared", d.User, d.Addr(d.IMAPSPort))
	code, out, errOut := runCLI(t, docsEnv, "decoy", "--db", db, "--tls-skip-verify", "plant", "--to", to, "--count", "2")
	if code != exitInput || !strings.Contains(strings.ToLower(errOut), "permission") || !strings.Contains(errOut, "Shared") {
		t.Fatalf("exit %d, want %d with a permission error\n%s%s", code, exitInput, out, errOut)
	}
	t.Logf("read-only folder: %s", strings.TrimSpace(errOut))
	if ps := plantings(t, db, false); len(ps) != 0 {
		t.Errorf("store records %d plantings that did not happen", len(ps))
	}
	// The writable INBOX still works with the same account.
	to = fmt.Sprintf("imaps://%s@%s/INBOX", d.User, d.Addr(d.IMAPSPort))
	if code, out, errOut := runCLI(t, docsEnv, "decoy", "--db", db, "--tls-skip-verify", "plant", "--to", to); code != 0 {
		t.Fatalf("INBOX: exit %d\n%s%s", code, out, errOut)
	}
}
