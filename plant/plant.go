package plant

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"time"
)

// Message is one decoy to plant.
type Message struct {
	DecoyID   string    // 26-char decoy id
	MessageID string    // with angle brackets
	Subject   string    // for file names of eml/files targets
	Raw       []byte    // RFC 5322, CRLF line ends (written with LF line ends)
	Date      time.Time // the decoy's Date: used for file times, mbox From_ line, Maildir name time
	Flags     string    // Maildir flags to set, e.g. "S" (seen); "" = new/unseen
}

// Receipt records where a message was planted: enough to verify and remove it.
type Receipt struct {
	Kind   string // "maildir", "mbox", "eml", "files"
	Target string // the root given to Open, made absolute (Maildir root, mbox file, folder)
	Folder string // Maildir folder ("INBOX", "Archive/2024"), or the sub-folder of files:
	Path   string // the file holding the message (Maildir file, .eml, or the mbox file)
	// Offset is, for mbox, the byte offset of the From_ line, or of the
	// newlines written before it when the file did not end with a blank
	// line; else 0.
	Offset int64
	// Size is the number of bytes planted (mbox: any newlines added
	// before, the From_ line, the message, the blank line after). Verify
	// and Remove work without it (0) by reading the message's extent from
	// the file.
	Size      int64
	SHA256    string // hex of exactly those bytes
	MessageID string
}

// Status is what Verify found.
type Status struct {
	Present  bool   // found, unmodified, where it was planted
	Modified bool   // found but its bytes differ
	Moved    string // found in another folder (its path), for Maildir, eml and files
	// FlagsChanged holds the Maildir flags now when they differ from
	// those planted ("RS"; "-" when all flags were taken away), or for
	// mbox the status fields a mail client added ("Status: RO").
	FlagsChanged string
	Detail       string // one line for people
}

// Target is a mail store decoys are planted into.
type Target interface {
	Plant(ctx context.Context, m Message) (Receipt, error)
	Verify(ctx context.Context, r Receipt) (Status, error)
	// Remove takes the planted message out. It is idempotent: a message
	// already gone is not an error (Verify then says !Present).
	Remove(ctx context.Context, r Receipt) error
}

// Options configure Open.
type Options struct {
	// Folder is the Maildir folder ("Archive/2024") or the sub-folder of
	// a files: target; "" means INBOX or the root.
	Folder string
	// Create creates the Maildir (folder), mbox file or directory when it
	// is missing; without it a missing target is an error wrapping
	// fs.ErrNotExist.
	Create bool
	// LockTimeout bounds the wait for an mbox held locked by another
	// process (a mail client, the delivery agent); 0 means 20 seconds.
	LockTimeout time.Duration
}

// Target kinds, as in Receipt.Kind and the spec's scheme.
const (
	KindMaildir = "maildir"
	KindMbox    = "mbox"
	KindEML     = "eml"
	KindFiles   = "files"
)

var (
	// ErrGone is wrapped in Verify details of a decoy that is no longer
	// where it was planted. Remove does not return it.
	ErrGone = errors.New("decoy no longer where it was planted")
	// ErrModified is wrapped by Remove when the planted bytes were
	// changed: the file is left alone, since a person may have edited it.
	ErrModified = errors.New("decoy content differs from what was planted")
	// ErrLocked is wrapped by mbox Plant and Remove when another process
	// holds the mbox lock beyond the lock timeout.
	ErrLocked = errors.New("mbox is locked by another process")
	// ErrSpec is wrapped by Open for a target spec it does not accept.
	ErrSpec = errors.New("invalid plant target")
)

const accepted = "maildir:PATH, mbox:PATH, eml:DIR or files:DIR"

// Open returns the Target a spec names: "maildir:PATH", "mbox:PATH",
// "eml:DIR" or "files:DIR". It does not touch the file system; Plant
// checks (or, with Options.Create, creates) the target.
func Open(spec string, opt Options) (Target, error) {
	low := strings.ToLower(spec)
	if strings.HasPrefix(low, "imap://") || strings.HasPrefix(low, "imaps://") {
		return nil, fmt.Errorf("%w %q: IMAP planting is not built yet (accepted: %s)", ErrSpec, redact(spec), accepted)
	}
	scheme, path, ok := strings.Cut(spec, ":")
	if !ok || scheme == "" {
		return nil, fmt.Errorf("%w %q: want %s", ErrSpec, spec, accepted)
	}
	scheme = strings.ToLower(scheme)
	switch scheme {
	case KindMaildir, KindMbox, KindEML, KindFiles:
	default:
		return nil, fmt.Errorf("%w %q: unknown kind %q, want %s", ErrSpec, redact(spec), scheme, accepted)
	}
	if path == "" {
		return nil, fmt.Errorf("%w %q: empty path, want %s", ErrSpec, spec, accepted)
	}
	if strings.HasPrefix(path, "//") {
		return nil, fmt.Errorf("%w %q: %s takes a local path, not a URL", ErrSpec, spec, scheme)
	}
	abs, err := filepath.Abs(path)
	if err != nil {
		return nil, fmt.Errorf("%w %q: %v", ErrSpec, spec, err)
	}
	switch scheme {
	case KindMaildir:
		folder, err := cleanMaildirFolder(opt.Folder)
		if err != nil {
			return nil, fmt.Errorf("%w %q: %v", ErrSpec, spec, err)
		}
		return &maildirTarget{root: abs, folder: folder, create: opt.Create}, nil
	case KindMbox:
		if opt.Folder != "" {
			return nil, fmt.Errorf("%w %q: an mbox file has no folders (Folder %q)", ErrSpec, spec, opt.Folder)
		}
		return &mboxTarget{path: abs, create: opt.Create, lockTimeout: opt.LockTimeout}, nil
	case KindEML:
		if opt.Folder != "" {
			return nil, fmt.Errorf("%w %q: give the folder in the path (eml:DIR/SUB), not as Folder %q", ErrSpec, spec, opt.Folder)
		}
		return &fileTarget{kind: KindEML, dir: abs, create: opt.Create}, nil
	default:
		sub, err := cleanRelDir(opt.Folder)
		if err != nil {
			return nil, fmt.Errorf("%w %q: %v", ErrSpec, spec, err)
		}
		return &fileTarget{kind: KindFiles, dir: abs, sub: sub, create: opt.Create}, nil
	}
}

// redact drops a password from a URL-like spec before it goes into an error.
func redact(spec string) string {
	scheme, rest, ok := strings.Cut(spec, "://")
	if !ok {
		return spec
	}
	host, path, _ := strings.Cut(rest, "/")
	if at := strings.LastIndexByte(host, '@'); at >= 0 {
		if user, _, ok := strings.Cut(host[:at], ":"); ok {
			host = user + ":xxxxx" + host[at:]
		}
	}
	if path != "" || strings.Contains(rest, "/") {
		return scheme + "://" + host + "/" + path
	}
	return scheme + "://" + host
}

// cleanRelDir checks a relative folder path of a files: target.
func cleanRelDir(s string) (string, error) {
	if s == "" {
		return "", nil
	}
	s = filepath.ToSlash(s)
	if strings.HasPrefix(s, "/") {
		return "", fmt.Errorf("folder %q must be relative", s)
	}
	for p := range strings.SplitSeq(s, "/") {
		if p == "" || p == "." || p == ".." || strings.ContainsRune(p, 0) {
			return "", fmt.Errorf("bad folder %q", s)
		}
	}
	return s, nil
}

func ctxErr(ctx context.Context) error {
	if ctx.Err() != nil {
		return context.Cause(ctx)
	}
	return nil
}
