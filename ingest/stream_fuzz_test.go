package ingest

import (
	"bytes"
	"path/filepath"
	"testing"
)

// FuzzStdin: standard input is planned and read like a file of the same
// bytes — the same plan errors, events and read errors — and never
// panics.
func FuzzStdin(f *testing.F) {
	f.Add([]byte(ualLine("a") + "{bad\n" + ualLine("b")))
	f.Add([]byte(mboxOf("1", "2")))
	f.Add([]byte(msg("1")))
	f.Add([]byte("Mar  4 09:10:00 mx dovecot: imap-login: Login: user=<ann>, rip=192.0.2.7\n"))
	f.Add([]byte("a,b\n1,2\n"))
	f.Add([]byte{0x1f, 0x8b, 0x08, 0x00})
	f.Add([]byte("ElfFile\x00"))
	f.Fuzz(func(t *testing.T, data []byte) {
		path := filepath.Join(t.TempDir(), "input")
		write(t, path, data)
		filePlan, fileEvs, fileErrs := collect(t, Options{}, 1, path)
		plan, evs, errs := collect(t, Options{Stdin: bytes.NewReader(data)}, 1, "-")
		if len(plan.Errors) != len(filePlan.Errors) || len(errs) != len(fileErrs) || len(evs) != len(fileEvs) {
			t.Fatalf("stdin: %d plan errors, %d events, %d read errors; file: %d, %d, %d\nstdin: %v %v\nfile: %v %v",
				len(plan.Errors), len(evs), len(errs), len(filePlan.Errors), len(fileEvs), len(fileErrs), plan.Errors, errs, filePlan.Errors, fileErrs)
		}
		for i, ev := range evs {
			if got, want := summary(ev, StdinName), summary(fileEvs[i], path, filepath.Dir(path)); got != want {
				t.Fatalf("event %d:\n got %s\nwant %s", i, got, want)
			}
		}
	})
}
