package token

import (
	"bytes"
	"errors"
	"math/bits"
	"math/rand/v2"
	"strings"
	"testing"
)

var (
	testSecret = []byte{0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31}
	testDecoy  = ID{0x10, 0x11, 0x12, 0x13, 0x14, 0x15, 0x16, 0x17, 0x18, 0x19, 0x1a, 0x1b, 0x1c, 0x1d, 0x1e, 0x1f}
)

var allKinds = []Kind{KindURL, KindImage, KindDNS, KindEmail, KindCredential, KindMessageID, KindFile}

// TestDeriveKnownAnswers pins the derivation: stored sub-ids must stay
// valid across versions. The values were computed with Python's hmac
// module, independently of this code.
func TestDeriveKnownAnswers(t *testing.T) {
	tests := []struct {
		kind Kind
		n    int
		want SubID
	}{
		{KindURL, 0, "uhrm25j432hsudnm"},
		{KindDNS, 0, "fmyutp2p4mj3pqix"},
		{KindEmail, 3, "e4injfvmhreish7y"},
		{KindMessageID, 12345, "roq76qf3drtqkfok"},
	}
	for _, tt := range tests {
		t.Run(string(tt.kind), func(t *testing.T) {
			if got := Derive(testSecret, testDecoy, tt.kind, tt.n); got != tt.want {
				t.Errorf("Derive(…, %s, %d) = %s, want %s", tt.kind, tt.n, got, tt.want)
			}
		})
	}
}

func TestDerive(t *testing.T) {
	t.Run("deterministic", func(t *testing.T) {
		for _, k := range allKinds {
			a := Derive(testSecret, testDecoy, k, 1)
			b := Derive(bytes.Clone(testSecret), testDecoy, k, 1)
			if a != b {
				t.Errorf("%s: %s then %s", k, a, b)
			}
		}
	})
	t.Run("length and alphabet", func(t *testing.T) {
		r := rand.NewChaCha8([32]byte{1})
		for i := range 1000 {
			id, _ := NewFrom(r)
			s := Derive(testSecret, id, allKinds[i%len(allKinds)], i)
			if _, err := ParseSubID(string(s)); err != nil {
				t.Fatalf("Derive gave %q: %v", s, err)
			}
		}
	})
	t.Run("unique over 100k", func(t *testing.T) {
		const decoys, perKind = 2000, 8 // 2000 × 7 kinds × 8 = 112 000
		seen := make(map[SubID]struct{}, decoys*perKind*len(allKinds))
		r := rand.NewChaCha8([32]byte{3})
		for range decoys {
			id, _ := NewFrom(r)
			for _, k := range allKinds {
				for n := range perKind {
					s := Derive(testSecret, id, k, n)
					if _, dup := seen[s]; dup {
						t.Fatalf("duplicate sub-id %s (decoy %s, %s, %d)", s, id, k, n)
					}
					seen[s] = struct{}{}
				}
			}
		}
	})
	t.Run("ambiguous kind", func(t *testing.T) {
		// "a|1" n=2 and "a" n=12 would collide if the kind were not delimited.
		if Derive(testSecret, testDecoy, "a|1", 2) == Derive(testSecret, testDecoy, "a", 12) {
			t.Error("kind and number are not separated")
		}
	})
	t.Run("secret matters", func(t *testing.T) {
		other := bytes.Clone(testSecret)
		other[0] ^= 1
		for _, k := range allKinds {
			if Derive(testSecret, testDecoy, k, 0) == Derive(other, testDecoy, k, 0) {
				t.Errorf("%s: same sub-id under two secrets", k)
			}
		}
	})
	t.Run("independent kinds", func(t *testing.T) {
		// Sub-ids of one decoy must look unrelated: for each pair of kinds
		// (and of numbers), about half of the 80 bits differ on average,
		// and no sub-id shares a long prefix with its siblings.
		const decoys = 1000
		r := rand.NewChaCha8([32]byte{99})
		ids := make([]ID, decoys)
		for i := range ids {
			ids[i], _ = NewFrom(r)
		}
		pairs := [][2]Kind{{KindURL, KindDNS}, {KindURL, KindImage}, {KindEmail, KindMessageID}, {KindCredential, KindFile}}
		for _, p := range pairs {
			total := 0
			for _, id := range ids {
				a := subBits(t, Derive(testSecret, id, p[0], 0))
				b := subBits(t, Derive(testSecret, id, p[1], 0))
				total += bits.OnesCount64(a[0]^b[0]) + bits.OnesCount64(a[1]^b[1])
			}
			// Mean of 1000 Binomial(80, ½): 40, standard deviation ≈ 0.14.
			if mean := float64(total) / decoys; mean < 39 || mean > 41 {
				t.Errorf("%s vs %s: mean bit distance %.2f, want ≈ 40", p[0], p[1], mean)
			}
		}
		seen := map[string]SubID{}
		for _, k := range allKinds {
			for n := range 4 {
				s := Derive(testSecret, testDecoy, k, n)
				if o, ok := seen[string(s[:6])]; ok {
					t.Errorf("%s and %s share a 6-character prefix", s, o)
				}
				seen[string(s[:6])] = s
			}
		}
	})
	t.Run("does not show the decoy id", func(t *testing.T) {
		idText := testDecoy.String()
		for _, k := range allKinds {
			s := string(Derive(testSecret, testDecoy, k, 0))
			for i := 0; i+4 <= len(s); i++ {
				if strings.Contains(idText, s[i:i+4]) && strings.Contains(idText, s[i:]) {
					t.Errorf("%s: sub-id %s repeats the decoy id %s", k, s, idText)
				}
			}
		}
	})
}

// subBits returns the 80 bits of a sub-id in two words.
func subBits(t *testing.T, s SubID) [2]uint64 {
	t.Helper()
	var w [2]uint64
	for i := 0; i < len(s); i++ {
		v := b32val[s[i]]
		if v == 0xff {
			t.Fatalf("sub-id %q outside the alphabet", s)
		}
		w[i/8] = w[i/8]<<5 | uint64(v)
	}
	return w
}

func TestParseSubID(t *testing.T) {
	tests := []struct {
		in string
		ok bool
	}{
		{"uhrm25j432hsudnm", true},
		{"aaaaaaaaaaaaaaaa", true},
		{"7777777777777777", true},
		{"uhrm25j432hsudn", false},
		{"uhrm25j432hsudnmm", false},
		{"UHRM25J432HSUDNM", false},
		{"uhrm25j432hsudn0", false},
		{"uhrm25j432hsudn1", false},
		{"uhrm25j432hsud-m", false},
		{"", false},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			_, err := ParseSubID(tt.in)
			if (err == nil) != tt.ok {
				t.Errorf("ParseSubID(%q) = %v, want ok=%v", tt.in, err, tt.ok)
			}
			if err != nil && !errors.Is(err, ErrInvalidSubID) {
				t.Errorf("error %v does not wrap ErrInvalidSubID", err)
			}
		})
	}
}

func TestNewSecret(t *testing.T) {
	a, err := NewSecret()
	if err != nil {
		t.Fatal(err)
	}
	b, _ := NewSecret()
	if len(a) != SecretLen || bytes.Equal(a, b) {
		t.Errorf("NewSecret() = %x, %x", a, b)
	}
}

func TestKindValid(t *testing.T) {
	for _, k := range allKinds {
		if !k.Valid() {
			t.Errorf("%s not valid", k)
		}
	}
	for _, k := range []Kind{"", "URL", "link", "dns "} {
		if k.Valid() {
			t.Errorf("%q valid", k)
		}
	}
}

func BenchmarkDerive(b *testing.B) {
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		Derive(testSecret, testDecoy, KindURL, i)
	}
}
