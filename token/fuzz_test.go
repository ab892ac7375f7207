package token

import (
	"errors"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// alnumRun is the oracle's idea of a run: Find's rules said differently.
var alnumRun = regexp.MustCompile(`[A-Za-z0-9]+`)

// findOracle is a slow, independent statement of Find's contract.
func findOracle(s string, n int) []string {
	var out []string
	add := func(c string) {
		c = asciiLower(c)
		if strings.Trim(c, alphabet) == "" && !slices.Contains(out, c) {
			out = append(out, c)
		}
	}
	for _, m := range alnumRun.FindAllStringIndex(s, -1) {
		run := s[m[0]:m[1]]
		switch {
		case len(run) == n:
			add(run)
		case len(run) == n+2 && m[0] > 0 && strings.ContainsRune("%=", rune(s[m[0]-1])) &&
			strings.Trim(run[:2], "0123456789abcdefABCDEF") == "":
			add(run[2:])
		}
	}
	return out
}

func asciiLower(s string) string { return string(lower(nil, s)) }

func FuzzFind(f *testing.F) {
	// Seeds are in testdata/fuzz/FuzzFind.
	f.Fuzz(func(t *testing.T, s string) {
		got := Find(s)
		low := asciiLower(s)
		var gotStr []string
		for _, sub := range got {
			if _, err := ParseSubID(string(sub)); err != nil {
				t.Fatalf("Find(%q) returned %q: %v", s, sub, err)
			}
			if !strings.Contains(low, string(sub)) {
				t.Fatalf("Find(%q) returned %q, not in the lower-cased input", s, sub)
			}
			gotStr = append(gotStr, string(sub))
		}
		if want := findOracle(s, SubIDLen); !slices.Equal(gotStr, want) {
			t.Fatalf("Find(%q) = %q, oracle says %q", s, gotStr, want)
		}

		var ids []string
		for _, id := range FindID(s) {
			text := id.String()
			if !strings.Contains(low, text) {
				t.Fatalf("FindID(%q) returned %s, not in the lower-cased input", s, text)
			}
			ids = append(ids, text)
		}
		var want []string
		for _, c := range findOracle(s, IDLen) {
			if _, err := ParseID(c); err == nil {
				want = append(want, c)
			}
		}
		if !slices.Equal(ids, want) {
			t.Fatalf("FindID(%q) = %q, oracle says %q", s, ids, want)
		}
	})
}

func FuzzParseID(f *testing.F) {
	// Seeds are in testdata/fuzz/FuzzParseID.
	f.Fuzz(func(t *testing.T, s string) {
		id, err := ParseID(s)
		if err != nil {
			if !errors.Is(err, ErrInvalidID) {
				t.Fatalf("ParseID(%q): %v does not wrap ErrInvalidID", s, err)
			}
			if id != (ID{}) {
				t.Fatalf("ParseID(%q) failed but returned %x", s, id)
			}
		} else if id.String() != s {
			// Strict: exactly one text per id.
			t.Fatalf("ParseID(%q) = %x, which prints as %q", s, id, id.String())
		}
		// Cross-check with encoding/base32, which is lenient about the
		// trailing bits: ParseID must accept exactly its canonical texts.
		if len(s) == IDLen && strings.Trim(s, alphabet) == "" {
			raw, derr := b32.DecodeString(s)
			canonical := derr == nil && len(raw) == 16 && b32.EncodeToString(raw) == s
			if canonical != (err == nil) {
				t.Fatalf("ParseID(%q): err %v, but base32 canonical = %v", s, err, canonical)
			}
		}
	})
}
