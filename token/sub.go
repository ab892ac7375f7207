package token

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"errors"
	"fmt"
	"strconv"
)

// Kind says what sort of breadcrumb a token is, and so which tripwire
// catches it.
type Kind string

// The kinds of breadcrumb a decoy carries.
const (
	KindURL        Kind = "url"        // a link (HTTP trap)
	KindImage      Kind = "image"      // a remote image, fetched when the mail is rendered (HTTP trap)
	KindDNS        Kind = "dns"        // a host name in the canary zone (DNS trap)
	KindEmail      Kind = "email"      // a canary address (SMTP trap)
	KindCredential Kind = "credential" // a decoy user name and password (credential trap)
	KindMessageID  Kind = "message-id" // the decoy's own Message-ID (audit logs, forwarded copies)
	KindFile       Kind = "file"       // a decoy file on disk (file trap)
)

// Valid reports whether k is one of the kinds above.
func (k Kind) Valid() bool {
	switch k {
	case KindURL, KindImage, KindDNS, KindEmail, KindCredential, KindMessageID, KindFile:
		return true
	}
	return false
}

// SubIDLen is the length of a [SubID]: 80 bits in 16 base32 characters.
const SubIDLen = 16

// SecretLen is the length of the secrets [NewSecret] makes.
const SecretLen = 32

// ErrInvalidSubID is wrapped by every error [ParseSubID] returns.
var ErrInvalidSubID = errors.New("invalid sub-id")

// SubID identifies one breadcrumb of one decoy: 16 lower-case base32
// characters (80 bits). It fits a DNS label and a mail local-part, and a
// resolver or proxy that changes its case does not change what it names.
type SubID string

// ParseSubID checks that s is 16 characters of the lower-case alphabet.
// 80 bits fill 16 characters exactly, so there are no spare bits to check.
func ParseSubID(s string) (SubID, error) {
	if len(s) != SubIDLen {
		return "", fmt.Errorf("%w: %d characters, want %d", ErrInvalidSubID, len(s), SubIDLen)
	}
	for i := 0; i < len(s); i++ {
		if b32val[s[i]] == 0xff {
			return "", fmt.Errorf("%w: character %q at %d is not in [a-z2-7]", ErrInvalidSubID, s[i], i)
		}
	}
	return SubID(s), nil
}

// NewSecret returns a new server secret: 32 bytes from crypto/rand. It is
// made once, kept in the store, and never leaves it.
func NewSecret() ([]byte, error) {
	b := make([]byte, SecretLen)
	if _, err := rand.Read(b); err != nil {
		return nil, fmt.Errorf("new secret: %w", err)
	}
	return b, nil
}

// derivePrefix names the derivation and its version; a new derivation gets
// a new prefix, so sub-ids of the two can never be confused.
const derivePrefix = "mailtrip/v1|"

// Derive returns the sub-id of the n-th breadcrumb of the given kind in a
// decoy:
//
//	HMAC-SHA256(secret, "mailtrip/v1|" ‖ decoy (16 raw bytes) ‖ "|" ‖ kind ‖ "|" ‖ decimal n)
//
// truncated to its first 80 bits and written in lower-case base32. The
// message is unambiguous: the prefix and id have fixed lengths, and the
// kind ends at the last "|" because a decimal number holds none.
//
// The same inputs always give the same sub-id, so a decoy can be generated
// again from its id. secret should come from [NewSecret]; a short or
// guessable secret voids the argument in the package documentation.
func Derive(secret []byte, decoy ID, kind Kind, n int) SubID {
	var msg [128]byte
	m := append(msg[:0], derivePrefix...)
	m = append(m, decoy[:]...)
	m = append(m, '|')
	m = append(m, kind...)
	m = append(m, '|')
	m = strconv.AppendInt(m, int64(n), 10)

	mac := hmac.New(sha256.New, secret)
	mac.Write(m)
	var sum [sha256.Size]byte
	var out [SubIDLen]byte
	b32.Encode(out[:], mac.Sum(sum[:0])[:10])
	return SubID(out[:])
}
