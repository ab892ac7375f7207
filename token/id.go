package token

import (
	"crypto/rand"
	"encoding/base32"
	"errors"
	"fmt"
	"io"
)

// alphabet is RFC 4648 base32 in lower case. Every identifier this package
// prints uses it: it has no character a DNS resolver, a mail system or a URL
// changes other than by case, and case is folded back by [Find].
const alphabet = "abcdefghijklmnopqrstuvwxyz234567"

var b32 = base32.NewEncoding(alphabet).WithPadding(base32.NoPadding)

// b32val maps a byte to its base32 value, or 0xff when the byte is not in
// [alphabet]. Upper-case letters are not in it: parsing is strict, finding
// folds case before it looks the byte up.
var b32val = func() (t [256]byte) {
	for i := range t {
		t[i] = 0xff
	}
	for i := 0; i < len(alphabet); i++ {
		t[alphabet[i]] = byte(i)
	}
	return t
}()

// IDLen is the length of an [ID] in text: 128 bits in 26 base32 characters,
// the last of which carries 3 bits and 2 zero bits.
const IDLen = 26

// ErrInvalidID is wrapped by every error [ParseID] returns.
var ErrInvalidID = errors.New("invalid decoy id")

// ID identifies one decoy: 128 bits from crypto/rand, never derived from
// anything, so knowing some ids tells nothing about others.
type ID [16]byte

// New returns a random id from crypto/rand.
func New() (ID, error) { return NewFrom(rand.Reader) }

// NewFrom returns an id read from r. Tests pass a deterministic reader;
// everything else uses [New].
func NewFrom(r io.Reader) (ID, error) {
	var id ID
	if _, err := io.ReadFull(r, id[:]); err != nil {
		return ID{}, fmt.Errorf("new decoy id: %w", err)
	}
	return id, nil
}

// String returns the id as 26 lower-case base32 characters without padding.
func (id ID) String() string { return b32.EncodeToString(id[:]) }

// MarshalText implements [encoding.TextMarshaler] (JSON, YAML, SQL text).
func (id ID) MarshalText() ([]byte, error) {
	b := make([]byte, IDLen)
	b32.Encode(b, id[:])
	return b, nil
}

// UnmarshalText implements [encoding.TextUnmarshaler] with [ParseID]'s rules.
func (id *ID) UnmarshalText(b []byte) error {
	v, err := ParseID(string(b))
	if err != nil {
		return err
	}
	*id = v
	return nil
}

// ParseID parses the text form of an id strictly: exactly 26 characters, all
// in the lower-case alphabet, and the 2 bits past the 128th zero, so every id
// has exactly one text form. Text that went through a channel that changes
// case (DNS, some proxies) must be lower-cased first; [FindID] does that.
func ParseID(s string) (ID, error) {
	if len(s) != IDLen {
		return ID{}, fmt.Errorf("%w: %d characters, want %d", ErrInvalidID, len(s), IDLen)
	}
	var id ID
	var acc uint64 // bit accumulator, at most 12 bits pending
	var bits, n int
	for i := 0; i < len(s); i++ {
		v := b32val[s[i]]
		if v == 0xff {
			return ID{}, fmt.Errorf("%w: character %q at %d is not in [a-z2-7]", ErrInvalidID, s[i], i)
		}
		acc = acc<<5 | uint64(v)
		bits += 5
		if bits >= 8 {
			bits -= 8
			id[n] = byte(acc >> bits)
			n++
			acc &= 1<<bits - 1
		}
	}
	// 26×5 = 130 bits: two are left over and must be zero.
	if acc != 0 {
		return ID{}, fmt.Errorf("%w: trailing bits of %q are not zero", ErrInvalidID, s[len(s)-1])
	}
	return id, nil
}
