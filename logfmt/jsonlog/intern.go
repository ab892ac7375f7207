package jsonlog

import (
	"encoding/binary"
	"encoding/json"
)

// interner hands out one copy of the keys, short strings and numbers that
// repeat across the records of a stream (member names, "Exchange",
// "MailItemsAccessed", a user's address, "0"), so that decoding a record
// allocates only what is new in it. Each table is a direct-mapped cache:
// a slot holds the last value whose hash fell on it, so memory stays
// bounded whatever the input, and a value that does not repeat costs a
// hash and the allocation it would have needed anyway. Values are
// immutable (strings, json.Number), so sharing them is invisible to
// callers.
type interner struct {
	keys [internKeySlots]keyEntry
	strs [internValSlots]any // strings, boxed once
	nums [internNumSlots]internedVal
}

// keyEntry is an interned member name, with how often the short values
// seen under it were found interned: values of a name that almost never
// repeat (ids, message ids, sizes) are allocated without going through
// the table, which also keeps them from evicting the values that do
// repeat. Such a name is given another chance every 256 values.
type keyEntry struct {
	s            string
	hits, misses uint16
	skipped      uint8
	// size is the member count of the last object found under this
	// name, the size a map for the next one is made with.
	size uint8
}

// skip says whether to allocate a value under this name directly.
func (k *keyEntry) skip() bool {
	if k == nil || k.misses < 32 || k.hits >= k.misses/8 {
		return false
	}
	k.skipped++
	if k.skipped == 0 {
		k.hits, k.misses = 0, 0
	}
	return true
}

// count records a lookup of a value under this name.
func (k *keyEntry) count(hit bool) {
	if k == nil {
		return
	}
	if hit {
		k.hits++
	} else {
		k.misses++
	}
	if k.hits >= 1<<15 || k.misses >= 1<<15 {
		k.hits, k.misses = k.hits/2, k.misses/2
	}
}

type internedVal struct {
	s string
	v any // s as a string or as a json.Number
}

const (
	internKeyBits  = 10
	internValBits  = 12
	internNumBits  = 8
	internKeySlots = 1 << internKeyBits
	internValSlots = 1 << internValBits
	internNumSlots = 1 << internNumBits
	// maxIntern is the longest member name interned, maxInternValue the
	// longest value (user agents repeat and are often longer than 64).
	maxIntern      = 64
	maxInternValue = 128
)

func newInterner() *interner { return new(interner) }

// internHash mixes b's length and its first and last eight bytes: cheap,
// and enough to spread member names and short values over the slots (a
// collision only costs a miss, the slot is checked byte for byte).
// The top bits are the well-mixed ones.
func internHash(b []byte) uint64 {
	var h uint64
	if n := len(b); n >= 8 {
		h = binary.LittleEndian.Uint64(b)*0x9E3779B97F4A7C15 ^ binary.LittleEndian.Uint64(b[n-8:])*0xC2B2AE3D27D4EB4F
	} else {
		for _, c := range b {
			h = h<<8 | uint64(c)
		}
		h *= 0x9E3779B97F4A7C15
	}
	h ^= uint64(len(b)) * 0x165667B19E3779F9
	h ^= h >> 29
	return h * 0xBF58476D1CE4E5B9
}

// key returns b as a string, and its entry (nil when b is too long to
// intern).
func (in *interner) key(b []byte) (string, *keyEntry) {
	if len(b) > maxIntern {
		return string(b), nil
	}
	e := &in.keys[internHash(b)>>(64-internKeyBits)]
	if e.s != string(b) {
		*e = keyEntry{s: string(b)}
	}
	return e.s, e
}

// str returns b, a value under the name of entry k (nil: none), as a
// string in an interface.
func (in *interner) str(b []byte, k *keyEntry) any {
	if len(b) > maxInternValue || k.skip() {
		return string(b)
	}
	e := &in.strs[internHash(b)>>(64-internValBits)]
	s, hit := (*e).(string)
	hit = hit && s == string(b)
	k.count(hit)
	if !hit {
		*e = string(b)
	}
	return *e
}

// num returns b, a value under the name of entry k (nil: none), as a
// json.Number in an interface.
func (in *interner) num(b []byte, k *keyEntry) any {
	if len(b) > maxIntern || k.skip() {
		return json.Number(b)
	}
	e := &in.nums[internHash(b)>>(64-internNumBits)]
	hit := e.v != nil && e.s == string(b)
	k.count(hit)
	if !hit {
		s := string(b)
		e.s, e.v = s, json.Number(s)
	}
	return e.v
}
