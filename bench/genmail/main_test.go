package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/mailtrip/mailtrip/internal/mailgen"
)

func TestParseSize(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want int64
		bad  bool
	}{
		{"1GiB", 1 << 30, false}, {"20MiB", 20 << 20, false}, {"512KiB", 512 << 10, false},
		{"1.5G", 3 << 29, false}, {"4096", 4096, false}, {"", 0, false}, {"lots", 0, true}, {"-1M", 0, true},
	} {
		got, err := parseSize(tc.in)
		if (err != nil) != tc.bad || got != tc.want {
			t.Errorf("parseSize(%q) = %d, %v; want %d (error %v)", tc.in, got, err, tc.want, tc.bad)
		}
	}
}

func TestRun(t *testing.T) {
	dir := t.TempDir()
	for _, format := range []string{"mbox", "maildir", "eml"} {
		t.Run(format, func(t *testing.T) {
			out := filepath.Join(dir, "store-"+format)
			var stderr bytes.Buffer
			if code := run([]string{"-messages", "40", "-format", format, "-out", out, "-seed", "2", "-scenario", "hidden-rule"}, &stderr, &stderr); code != 0 {
				t.Fatalf("exit %d: %s", code, stderr.String())
			}
			f, err := os.Open(out + ".labels.jsonl")
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			n := 0
			sc := bufio.NewScanner(f)
			for sc.Scan() {
				var l mailgen.Label
				if err := json.Unmarshal(sc.Bytes(), &l); err != nil {
					t.Fatal(err)
				}
				if l.Class == "" || l.MessageID == "" {
					t.Fatalf("incomplete label %s", sc.Text())
				}
				n++
			}
			if n != 40 {
				t.Fatalf("%d labels, want 40", n)
			}
			if !strings.Contains(stderr.String(), "wrote 40 messages") {
				t.Fatalf("no summary on stderr: %s", stderr.String())
			}
		})
	}
	var stderr bytes.Buffer
	if code := run([]string{"-format", "tar", "-out", filepath.Join(dir, "x")}, &stderr, &stderr); code != 2 {
		t.Fatalf("unknown format: exit %d", code)
	}
	if code := run(nil, &stderr, &stderr); code != 2 {
		t.Fatalf("no -out: exit %d", code)
	}
}
