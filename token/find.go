package token

// Byte classes for Find: a byte is a delimiter, a letter or digit of the
// token alphabet (either case), or a letter or digit outside it (0, 1, 8, 9).
const (
	clDelim = iota
	clToken
	clOther
)

var class = func() (t [256]byte) {
	for c := 0; c < 256; c++ {
		switch {
		case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '2' <= c && c <= '7':
			t[c] = clToken
		case c == '0', c == '1', c == '8', c == '9':
			t[c] = clOther
		}
	}
	return t
}()

// Find returns the candidate sub-ids in s, lower-cased, each once, in the
// order they first appear. s may be anything a breadcrumb ends up in: a URL
// with its query, a host name, a mail address, message text, a log line.
//
// A candidate is a run of exactly 16 letters and digits, all in [a-z2-7]
// in either case, with no letter or digit just before or after it. Bytes
// outside ASCII count as delimiters. Case is folded because resolvers
// (0x20 randomisation), proxies and people change it.
//
// One divergence from "delimited by non-alphanumerics": a run of 18 that
// follows '%' or '=' and begins with two hex digits is read as a
// percent-encoded (%2F) or quoted-printable (=3D) byte followed by a
// candidate, so links in URL-encoded log fields and in quoted-printable
// mail bodies are found without decoding them first. A quoted-printable
// soft line break inside a token, or base64, still needs decoding.
//
// Candidates are only candidates: English has 16-letter words. Confirm
// each with a [Registry]. Find allocates about once per distinct candidate
// and not at all for s without one; bound s if it comes from an adversary.
func Find(s string) []SubID {
	var out []SubID
	var seen map[string]struct{} // only once out grows past a few
	scanRuns(s, SubIDLen, func(c string) {
		if len(out) < 8 {
			for _, o := range out {
				if equalFold(string(o), c) {
					return
				}
			}
		} else {
			if seen == nil {
				seen = make(map[string]struct{}, 2*len(out))
				for _, o := range out {
					seen[string(o)] = struct{}{}
				}
			}
			var buf [SubIDLen]byte
			if _, ok := seen[string(lower(buf[:0], c))]; ok { // no allocation: map lookup by converted bytes
				return
			}
		}
		var buf [SubIDLen]byte
		id := SubID(lower(buf[:0], c)) // the one allocation per candidate
		if out == nil {
			out = make([]SubID, 0, 4)
		}
		out = append(out, id)
		if seen != nil {
			seen[string(id)] = struct{}{}
		}
	})
	return out
}

// FindID returns the decoy ids written in s, each once, in the order they
// first appear, by [Find]'s rules for runs of 26 characters; a run whose
// trailing bits are not zero is not an id.
func FindID(s string) []ID {
	var out []ID
	scanRuns(s, IDLen, func(c string) {
		var buf [IDLen]byte
		id, err := ParseID(string(lower(buf[:0], c)))
		if err != nil {
			return
		}
		for _, o := range out {
			if o == id {
				return
			}
		}
		out = append(out, id)
	})
	return out
}

// scanRuns calls fn with every run of exactly n token-alphabet bytes in s
// that has no letter or digit on either side, plus the escaped variant
// described in [Find]. fn gets a slice of s, not yet lower-cased.
func scanRuns(s string, n int, fn func(string)) {
	for i := 0; i < len(s); {
		for i < len(s) && class[s[i]] == clDelim {
			i++
		}
		start := i
		for i < len(s) && class[s[i]] != clDelim {
			i++
		}
		switch run := s[start:i]; {
		case len(run) == n:
			if allToken(run) {
				fn(run)
			}
		case len(run) == n+2 && start > 0 && (s[start-1] == '%' || s[start-1] == '=') &&
			isHex(run[0]) && isHex(run[1]) && allToken(run[2:]):
			fn(run[2:])
		}
	}
}

func allToken(s string) bool {
	for i := 0; i < len(s); i++ {
		if class[s[i]] != clToken {
			return false
		}
	}
	return true
}

func isHex(c byte) bool {
	return '0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F'
}

// lower appends s to b with ASCII upper case folded.
func lower(b []byte, s string) []byte {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		b = append(b, c)
	}
	return b
}

// equalFold reports whether lower-case a equals s with ASCII case folded.
func equalFold(a, s string) bool {
	if len(a) != len(s) {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		if a[i] != c {
			return false
		}
	}
	return true
}
