package imap

import (
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/mailtrip/mailtrip/plant"
)

// KindIMAP is Receipt.Kind of a message planted over IMAP.
const KindIMAP = "imap"

// DefaultTimeout bounds each network step when Options.Timeout is 0.
const DefaultTimeout = 30 * time.Second

var (
	// ErrAuth is wrapped by errors of a login the server refused.
	ErrAuth = errors.New("authentication failed")
	// ErrNoFolder is wrapped when the folder does not exist and
	// Options.Create is not set.
	ErrNoFolder = errors.New("folder does not exist")
	// ErrReadOnly is wrapped when the server does not let the user write
	// to the folder.
	ErrReadOnly = errors.New("folder is read-only")
	// ErrNoUIDPlus is wrapped by Remove on a server without UIDPLUS: the
	// only EXPUNGE left would also expunge the user's own \Deleted
	// messages.
	ErrNoUIDPlus = errors.New("server lacks UIDPLUS (UID EXPUNGE)")
	// ErrPlaintext is wrapped when an imap:// server offers no STARTTLS and
	// Options.Insecure is not set.
	ErrPlaintext = errors.New("server offers no STARTTLS")
)

// Options configure New.
type Options struct {
	// Password of the URL's user. When empty, a password in the URL is
	// used.
	Password string
	// Insecure allows imap:// without TLS: STARTTLS is still used when the
	// server offers it, else the session (password included) is plaintext.
	Insecure bool
	// TLSSkipVerify accepts any server certificate (self-signed test
	// servers).
	TLSSkipVerify bool
	// Create creates (and subscribes) the folder when it is missing.
	Create bool
	// Timeout bounds connecting and each command; 0 means DefaultTimeout.
	Timeout time.Duration
	// TLSConfig is the base TLS configuration (tests: RootCAs trusting a
	// test CA). ServerName defaults to the URL's host.
	TLSConfig *tls.Config
}

// Target plants into one folder of one IMAP mailbox. Each call opens its
// own connection, so a Target may be used by several goroutines at once;
// PlantBatch plants many messages over one connection.
type Target struct {
	implicitTLS bool
	host, port  string
	user, pass  string
	folder      string // as given, "/" separating levels
	opt         Options
	url         string // without password
}

var _ plant.Target = (*Target)(nil)

// New returns the Target a URL names. It does not connect.
func New(u *url.URL, opt Options) (*Target, error) {
	if u == nil {
		return nil, fmt.Errorf("%w: no IMAP URL", plant.ErrSpec)
	}
	t := &Target{opt: opt}
	var defPort string
	switch strings.ToLower(u.Scheme) {
	case "imaps":
		t.implicitTLS, defPort = true, "993"
	case "imap":
		defPort = "143"
	default:
		return nil, fmt.Errorf("%w %q: want imap:// or imaps://", plant.ErrSpec, u.Redacted())
	}
	if u.Opaque != "" || u.Host == "" {
		return nil, fmt.Errorf("%w %q: want %s://user@host[:port]/Folder", plant.ErrSpec, u.Redacted(), u.Scheme)
	}
	if u.User == nil || u.User.Username() == "" {
		return nil, fmt.Errorf("%w %q: no user name (want %s://user@host/Folder)", plant.ErrSpec, u.Redacted(), u.Scheme)
	}
	t.user = u.User.Username()
	t.pass = opt.Password
	if t.pass == "" {
		t.pass, _ = u.User.Password()
	}
	if t.pass == "" {
		return nil, fmt.Errorf("%w %q: no password for user %s", plant.ErrSpec, redactURL(u), t.user)
	}
	t.host, t.port = u.Hostname(), u.Port()
	if t.host == "" {
		return nil, fmt.Errorf("%w %q: no host", plant.ErrSpec, redactURL(u))
	}
	if t.port == "" {
		t.port = defPort
	} else if n, err := strconv.Atoi(t.port); err != nil || n < 1 || n > 65535 {
		return nil, fmt.Errorf("%w %q: bad port %q", plant.ErrSpec, redactURL(u), t.port)
	}
	if u.RawQuery != "" || u.Fragment != "" {
		return nil, fmt.Errorf("%w %q: unexpected query or fragment", plant.ErrSpec, redactURL(u))
	}
	t.folder = strings.Trim(u.Path, "/")
	if t.folder == "" || strings.EqualFold(t.folder, "INBOX") {
		t.folder = "INBOX"
	}
	if strings.Contains(t.folder, "//") || strings.ContainsAny(t.folder, "\x00\r\n*%") {
		return nil, fmt.Errorf("%w %q: bad folder %q", plant.ErrSpec, redactURL(u), t.folder)
	}
	if t.opt.Timeout <= 0 {
		t.opt.Timeout = DefaultTimeout
	}
	t.url = (&url.URL{
		Scheme: strings.ToLower(u.Scheme),
		User:   url.User(t.user),
		Host:   net.JoinHostPort(t.host, t.port),
		Path:   "/" + t.folder,
	}).String()
	return t, nil
}

// redactURL is u without its password.
func redactURL(u *url.URL) string {
	c := *u
	if c.User != nil {
		c.User = url.User(c.User.Username())
	}
	return c.String()
}

// String is the target's URL without the password; Receipt.Target.
func (t *Target) String() string { return t.url }

// UID returns the UID an IMAP receipt records (in Receipt.Offset).
func UID(r plant.Receipt) uint32 { return uint32(r.Offset) }

// UIDValidity returns the folder's UIDVALIDITY an IMAP receipt records (in
// Receipt.Size).
func UIDValidity(r plant.Receipt) uint32 { return uint32(r.Size) }

// PlantedFlags returns the Maildir flag letters an IMAP receipt records
// (in Receipt.Path as "flags=SR"; "" when none).
func PlantedFlags(r plant.Receipt) string {
	f, _ := strings.CutPrefix(r.Path, flagsPrefix)
	return f
}

const flagsPrefix = "flags="

// tlsConfig is the TLS configuration for the server.
func (t *Target) tlsConfig() *tls.Config {
	var c *tls.Config
	if t.opt.TLSConfig != nil {
		c = t.opt.TLSConfig.Clone()
	} else {
		c = &tls.Config{}
	}
	if c.ServerName == "" {
		c.ServerName = t.host
	}
	if t.opt.TLSSkipVerify {
		c.InsecureSkipVerify = true
	}
	if c.MinVersion == 0 {
		c.MinVersion = tls.VersionTLS12
	}
	return c
}

// scrub replaces the password in err's text, keeping err for errors.Is
// and errors.As.
func (t *Target) scrub(err error) error {
	if err == nil || len(t.pass) < 1 || !strings.Contains(err.Error(), t.pass) {
		return err
	}
	return &scrubbed{err: err, msg: strings.ReplaceAll(err.Error(), t.pass, "xxxxx")}
}

type scrubbed struct {
	err error
	msg string
}

func (e *scrubbed) Error() string { return e.msg }
func (e *scrubbed) Unwrap() error { return e.err }
