package sieve

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"strings"

	"github.com/mailtrip/mailtrip/logfmt"
)

// Format is the kind of filter file.
type Format string

// Formats, also the values of the "Format" field of [Records].
const (
	FormatUnknown  Format = ""
	FormatSieve    Format = "sieve"
	FormatForward  Format = "forward"
	FormatProcmail Format = "procmail"
)

// Action types. Sieve commands keep their own name ("redirect",
// "fileinto", "discard", "keep", "stop", "vacation", "reject",
// "ereject", "addflag", "setflag", "removeflag", "notify", "include",
// ...); .forward and procmail entries map onto the same names where they
// mean the same, plus the two below.
const (
	ActionRedirect = "redirect" // Sieve redirect
	ActionForward  = "forward"  // .forward address, procmail "!"
	ActionFileinto = "fileinto" // Sieve fileinto, procmail mailbox, .forward /file
	ActionDiscard  = "discard"  // Sieve discard, procmail /dev/null
	ActionKeep     = "keep"     // Sieve keep, .forward "\user"
	ActionPipe     = "pipe"     // .forward "|cmd", procmail "| cmd"
	ActionStop     = "stop"
)

// Sentinel errors wrapped by [ParseError]. ErrSyntax and ErrLimit are
// logfmt's, so callers branch on them the same way for every log reader.
var (
	ErrSyntax      = logfmt.ErrSyntax
	ErrLimit       = logfmt.ErrLimit
	ErrUnsupported = errors.New("unsupported filter language")
)

// Action is one thing a script does with mail.
type Action struct {
	// Type is the command ("redirect", "forward", "fileinto", ...); see
	// the Action constants.
	Type string
	// Targets are what the action names: addresses for redirect and
	// forward (and vacation's :addresses, notify's mailto: recipients),
	// the folder for fileinto, the command for pipe, flags for addflag.
	Targets []string
	// Copy is true when a copy of the message is still delivered to the
	// mailbox: Sieve ":copy" or a keep/fileinto in the same block,
	// procmail flag c, a "\user" entry in a .forward file.
	Copy bool
	// Conditions are the tests guarding the action, outermost first, as
	// text (Sieve syntax for Sieve; the procmail condition lines; "else"
	// branches as "not <test>"). Empty for unconditional actions.
	Conditions []string
	// Flags are procmail's recipe flags ("Hc") or the tags of a Sieve
	// command (":copy", ":days").
	Flags string
	// Siblings are the types of the other actions under the same
	// conditions (the same block or recipe).
	Siblings []string
	// Line is the 1-based line the action starts on; Offset its byte
	// offset.
	Line   int
	Offset int64

	block int // index of the block the action is in, to fill Siblings
}

// Script is what a filter file does.
type Script struct {
	Format  Format
	Require []string // Sieve capabilities required
	Actions []Action
}

// Options bound what a script may hold. Zero fields take the defaults.
type Options struct {
	// Format forces the format; FormatUnknown guesses it from the name
	// and content ([DetectFormat]).
	Format Format
	// Name is the file name, used to guess the format.
	Name       string
	MaxBytes   int // bytes of script read (1 MiB)
	MaxDepth   int // nesting of blocks and tests (32)
	MaxActions int // actions listed (10000)
	MaxText    int // bytes of one condition's text (1024); longer is cut with "…"
}

func (o Options) withDefaults() Options {
	if o.MaxBytes <= 0 {
		o.MaxBytes = 1 << 20
	}
	if o.MaxDepth <= 0 {
		o.MaxDepth = 32
	}
	if o.MaxActions <= 0 {
		o.MaxActions = 10000
	}
	if o.MaxText <= 0 {
		o.MaxText = 1024
	}
	return o
}

// ParseError reports where a script could not be read.
type ParseError struct {
	Line   int
	Offset int64
	Err    error
}

func (e *ParseError) Error() string {
	return fmt.Sprintf("line %d: %v", e.Line, e.Err)
}

func (e *ParseError) Unwrap() error { return e.Err }

// Parse reads a filter script from r. On error it returns the actions
// read so far together with a [*ParseError].
func Parse(r io.Reader, opt Options) (*Script, error) {
	opt = opt.withDefaults()
	src, err := io.ReadAll(io.LimitReader(r, int64(opt.MaxBytes)+1))
	if err != nil {
		return &Script{Format: opt.Format}, fmt.Errorf("read script: %w", err)
	}
	var tooBig error
	if len(src) > opt.MaxBytes {
		src = src[:opt.MaxBytes]
		tooBig = &ParseError{Line: bytes.Count(src, []byte("\n")) + 1, Offset: int64(len(src)),
			Err: fmt.Errorf("%w: script longer than %d bytes", ErrLimit, opt.MaxBytes)}
	}
	f := opt.Format
	if f == FormatUnknown {
		f = DetectFormat(opt.Name, src)
	}
	var s *Script
	switch f {
	case FormatSieve:
		s, err = parseSieve(src, opt)
	case FormatProcmail:
		s, err = parseProcmail(src, opt)
	case FormatForward:
		if isExim(src) {
			return &Script{Format: f}, &ParseError{Line: 1, Err: fmt.Errorf("%w: Exim filter", ErrUnsupported)}
		}
		s, err = parseForward(src, opt)
	default:
		return &Script{}, &ParseError{Line: 1, Err: fmt.Errorf("%w: not a Sieve script, .forward or procmailrc", ErrUnsupported)}
	}
	fillSiblings(s.Actions)
	if err == nil {
		err = tooBig
	}
	return s, err
}

// fillSiblings sets each action's Siblings from the actions of its block.
func fillSiblings(as []Action) {
	byBlock := map[int][]int{}
	for i, a := range as {
		byBlock[a.block] = append(byBlock[a.block], i)
	}
	for _, idx := range byBlock {
		for _, i := range idx {
			for _, j := range idx {
				if i != j {
					as[i].Siblings = append(as[i].Siblings, as[j].Type)
				}
			}
		}
	}
}

func isExim(src []byte) bool {
	return bytes.HasPrefix(bytes.ToLower(bytes.TrimLeft(src, " \t\r\n")), []byte("# exim filter"))
}

// DetectFormat guesses a filter file's format from its name and first
// bytes: ".sieve"/".siv" names, "require"/"if" commands and a "# Sieve
// filter" first line mean Sieve; a ".procmailrc"/"procmailrc" name or a
// ":0" recipe line means procmail; a ".forward" name means .forward.
func DetectFormat(name string, head []byte) Format {
	base := strings.ToLower(filepath.Base(name))
	trim := bytes.TrimLeft(head, " \t\r\n\ufeff")
	if bytes.HasPrefix(bytes.ToLower(trim), []byte("# sieve filter")) {
		return FormatSieve
	}
	switch {
	case strings.HasSuffix(base, ".sieve"), strings.HasSuffix(base, ".siv"), base == "dovecot.sieve", base == ".dovecot.sieve":
		return FormatSieve
	case strings.Contains(base, "procmailrc"), strings.HasSuffix(base, ".rc") && hasRecipe(head):
		return FormatProcmail
	case strings.HasPrefix(base, ".forward"):
		return FormatForward
	}
	if hasRecipe(head) {
		return FormatProcmail
	}
	if looksSieve(trim) {
		return FormatSieve
	}
	return FormatUnknown
}

func hasRecipe(head []byte) bool {
	for line := range bytes.SplitSeq(head, []byte("\n")) {
		if bytes.HasPrefix(bytes.TrimLeft(line, " \t"), []byte(":0")) {
			return true
		}
	}
	return false
}

// looksSieve: the first non-comment token is require, if or a common
// action followed by an argument.
func looksSieve(src []byte) bool {
	for len(src) > 0 {
		switch {
		case src[0] == '#':
			i := bytes.IndexByte(src, '\n')
			if i < 0 {
				return false
			}
			src = bytes.TrimLeft(src[i+1:], " \t\r\n")
			continue
		case bytes.HasPrefix(src, []byte("/*")):
			i := bytes.Index(src, []byte("*/"))
			if i < 0 {
				return false
			}
			src = bytes.TrimLeft(src[i+2:], " \t\r\n")
			continue
		}
		break
	}
	for _, kw := range []string{"require ", "require[", "require\t", "if ", "if\t", "redirect ", "fileinto ", "keep;", "discard;"} {
		if bytes.HasPrefix(src, []byte(kw)) {
			return true
		}
	}
	return false
}

// Sniff says whether head and name look like a filter file, for the log
// format sniffer: "sieve.script", "sieve.forward" or "sieve.procmail".
func Sniff(head []byte, name string) logfmt.Guess {
	switch f := DetectFormat(name, head); f {
	case FormatSieve:
		return logfmt.Guess{Format: "sieve.script", Confidence: 80, Why: "Sieve commands or .sieve name"}
	case FormatProcmail:
		return logfmt.Guess{Format: "sieve.procmail", Confidence: 80, Why: "procmail :0 recipe"}
	case FormatForward:
		return logfmt.Guess{Format: "sieve.forward", Confidence: 70, Why: ".forward name"}
	}
	return logfmt.Guess{}
}

// clip cuts s to n bytes (on a rune boundary), marking the cut.
func clip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && n < len(s) && s[n]&0xC0 == 0x80 {
		n--
	}
	return s[:n] + "…"
}
