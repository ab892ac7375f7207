package token

import (
	"bytes"
	"encoding/json"
	"errors"
	"math/rand/v2"
	"strings"
	"testing"
)

func TestIDRoundTrip(t *testing.T) {
	tests := []struct {
		name string
		id   ID
		text string
	}{
		{"zero", ID{}, "aaaaaaaaaaaaaaaaaaaaaaaaaa"},
		{"ones", ID{0: 0xff, 1: 0xff, 2: 0xff, 3: 0xff, 4: 0xff, 5: 0xff, 6: 0xff, 7: 0xff, 8: 0xff, 9: 0xff, 10: 0xff, 11: 0xff, 12: 0xff, 13: 0xff, 14: 0xff, 15: 0xff}, "77777777777777777777777774"},
		{"sequence", ID{0x10, 0x11, 0x12, 0x13, 0x14, 0x15, 0x16, 0x17, 0x18, 0x19, 0x1a, 0x1b, 0x1c, 0x1d, 0x1e, 0x1f}, "caireeyuculbogazdinryhi6d4"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.id.String(); got != tt.text {
				t.Errorf("String() = %q, want %q", got, tt.text)
			}
			back, err := ParseID(tt.text)
			if err != nil {
				t.Fatalf("ParseID(%q): %v", tt.text, err)
			}
			if back != tt.id {
				t.Errorf("ParseID(%q) = %x, want %x", tt.text, back, tt.id)
			}
		})
	}
	t.Run("random", func(t *testing.T) {
		r := rand.NewChaCha8([32]byte{42})
		for range 1000 {
			id, err := NewFrom(r)
			if err != nil {
				t.Fatal(err)
			}
			s := id.String()
			if len(s) != IDLen || strings.Trim(s, alphabet) != "" {
				t.Fatalf("String() = %q: want 26 characters of the alphabet", s)
			}
			if back, err := ParseID(s); err != nil || back != id {
				t.Fatalf("ParseID(%q) = %x, %v; want %x", s, back, err, id)
			}
		}
	})
	t.Run("new", func(t *testing.T) {
		a, err := New()
		if err != nil {
			t.Fatal(err)
		}
		b, err := New()
		if err != nil {
			t.Fatal(err)
		}
		if a == b || a == (ID{}) {
			t.Errorf("New() gave %s and %s", a, b)
		}
	})
	t.Run("json", func(t *testing.T) {
		id, _ := NewFrom(rand.NewChaCha8([32]byte{7}))
		b, err := json.Marshal(Token{Sub: "abcdefghijklmnop", Decoy: id, Kind: KindURL})
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Contains(b, []byte(`"decoy":"`+id.String()+`"`)) {
			t.Errorf("JSON %s does not hold the id as text", b)
		}
		var back Token
		if err := json.Unmarshal(b, &back); err != nil || back.Decoy != id {
			t.Errorf("unmarshal: %v, %v", back.Decoy, err)
		}
		if err := json.Unmarshal([]byte(`{"decoy":"AAAA"}`), &back); !errors.Is(err, ErrInvalidID) {
			t.Errorf("unmarshal of a bad id: %v, want ErrInvalidID", err)
		}
	})
}

func TestNewFromShortReader(t *testing.T) {
	if _, err := NewFrom(strings.NewReader("only ten b")); err == nil {
		t.Error("NewFrom of 10 bytes: no error")
	}
}

func TestParseIDErrors(t *testing.T) {
	tests := []struct {
		name, in string
	}{
		{"empty", ""},
		{"short", "caireeyuculbogazdinryhi6d"},
		{"long", "caireeyuculbogazdinryhi6d4a"},
		{"padded", "caireeyuculbogazdinryhi6d4======"},
		{"upper case", "CAIREEYUCULBOGAZDINRYHI6D4"},
		{"digit 0", "caireeyuculbogazdinryhi0d4"},
		{"digit 1", "caireeyuculbogazdinryhi1d4"},
		{"digit 8", "8aireeyuculbogazdinryhi6d4"},
		{"digit 9", "caireeyuculbogazdinryhi6d9"},
		{"space", "caireeyuculbogazdinryhi6d "},
		{"non-ascii", "caireeyuculbogazdinryhi6\xc3\xa9"},
		{"trailing bits 01", "caireeyuculbogazdinryhi6d5"},
		{"trailing bits 10", "caireeyuculbogazdinryhi6d6"},
		{"trailing bits 11", "caireeyuculbogazdinryhi6d7"},
		{"trailing bits on b", "aaaaaaaaaaaaaaaaaaaaaaaaab"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			id, err := ParseID(tt.in)
			if err == nil {
				t.Fatalf("ParseID(%q) = %s, want an error", tt.in, id)
			}
			if !errors.Is(err, ErrInvalidID) {
				t.Errorf("ParseID(%q): %v does not wrap ErrInvalidID", tt.in, err)
			}
		})
	}
}
