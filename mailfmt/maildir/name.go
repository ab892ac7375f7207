package maildir

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
)

// Info is what a message file name says about the message.
type Info struct {
	// Unique is the part before the info separator
	// ("1700000000.M1P2Q3.host,S=1234,W=1260").
	Unique string
	// Flags are the ":2," flags as written ("FRS"); Dovecot keywords are
	// the lower-case letters among them.
	Flags string
	// Size is the message size from ",S=", or -1 when absent.
	Size int64
	// Experimental is set for the ":1," info form; Flags is then empty.
	Experimental bool
}

// ErrName is wrapped by every ParseName error.
var ErrName = errors.New("invalid maildir file name")

// ParseName parses a Maildir message file name:
//
//	name     = unique [ sep info ]
//	sep      = ":" / ";"
//	info     = "2," *flag / "1," *CHAR        ; "1," is experimental
//	flag     = %x41-5A / %x61-7A             ; A-Z standard, a-z keywords
//	unique   = 1*(CHAR except "/" and NUL), not starting with "."
//	size     = "," "S=" 1*DIGIT              ; inside unique (Maildir++)
//
// Files in new/ normally have no info part. Errors wrap [ErrName].
func ParseName(name string) (Info, error) {
	info := Info{Size: -1}
	if name == "" || name[0] == '.' || strings.ContainsAny(name, "/\x00") {
		return info, fmt.Errorf("%w: %q", ErrName, name)
	}
	unique, rest, hasInfo := cutInfo(name)
	if unique == "" {
		return info, fmt.Errorf("%w: %q: empty unique part", ErrName, name)
	}
	info.Unique = unique
	if hasInfo {
		switch {
		case strings.HasPrefix(rest, "2,"):
			flags := rest[2:]
			for i := 0; i < len(flags); i++ {
				if c := flags[i]; !('A' <= c && c <= 'Z' || 'a' <= c && c <= 'z') {
					return info, fmt.Errorf("%w: %q: bad flag %q", ErrName, name, c)
				}
			}
			info.Flags = flags
		case strings.HasPrefix(rest, "1,"):
			info.Experimental = true
		default:
			return info, fmt.Errorf("%w: %q: unknown info %q", ErrName, name, rest)
		}
	}
	// ",S=<size>" may appear among other ",X=" fields of the unique part.
	for f := range strings.SplitSeq(unique, ",") {
		if v, ok := strings.CutPrefix(f, "S="); ok {
			n, err := strconv.ParseInt(v, 10, 64)
			if err != nil || n < 0 {
				return info, fmt.Errorf("%w: %q: bad size %q", ErrName, name, v)
			}
			info.Size = n
		}
	}
	return info, nil
}

// cutInfo splits name at the info separator: the last ':', or else a ';'
// followed by "1," or "2,".
func cutInfo(name string) (unique, info string, ok bool) {
	if i := strings.LastIndexByte(name, ':'); i >= 0 {
		return name[:i], name[i+1:], true
	}
	if i := strings.LastIndexByte(name, ';'); i >= 0 {
		if rest := name[i+1:]; strings.HasPrefix(rest, "2,") || strings.HasPrefix(rest, "1,") {
			return name[:i], rest, true
		}
	}
	return name, "", false
}
