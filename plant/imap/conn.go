package imap

import (
	"bufio"
	"bytes"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapclient"
	"github.com/emersion/go-sasl"
)

// session is one authenticated connection.
type session struct {
	folders map[string]bool // folders known to exist on this connection

	t    *Target
	ctx  context.Context
	c    *imapclient.Client
	conn *limitConn
	stop func() bool // stops the ctx watcher
	addr string

	delim    rune   // hierarchy delimiter; 0 until asked
	selected string // for error messages
}

// connect dials the server, secures the connection as the URL asks,
// authenticates and returns the session. The caller closes it.
func (t *Target) connect(ctx context.Context) (*session, error) {
	if ctx.Err() != nil {
		return nil, context.Cause(ctx)
	}
	s := &session{t: t, ctx: ctx, addr: net.JoinHostPort(t.host, t.port)}
	d := net.Dialer{Timeout: t.opt.Timeout}
	raw, err := d.DialContext(ctx, "tcp", s.addr)
	if err != nil {
		if ctx.Err() != nil {
			return nil, context.Cause(ctx)
		}
		return nil, fmt.Errorf("connect to IMAP server %s: %w", s.addr, err)
	}
	s.conn = &limitConn{Conn: raw}
	s.stop = context.AfterFunc(ctx, func() { raw.Close() })
	s.refresh()
	if err := s.open(); err != nil {
		s.stop()
		if s.c != nil {
			s.c.Close()
		}
		raw.Close()
		return nil, s.wrap(err)
	}
	if err := s.login(); err != nil {
		s.close()
		return nil, err
	}
	return s, nil
}

// open sets up TLS and the client and waits for the greeting.
func (s *session) open() error {
	t := s.t
	opts := &imapclient.Options{}
	switch {
	case t.implicitTLS:
		tc := tls.Client(s.conn, t.tlsConfig())
		if err := tc.HandshakeContext(s.ctx); err != nil {
			return fmt.Errorf("TLS handshake with %s: %w", s.addr, err)
		}
		s.c = imapclient.New(tc, opts)
	default:
		// Read the greeting ourselves to see whether STARTTLS is offered
		// before anything is sent, then hand it to the client.
		greeting, conn, err := readGreeting(s.conn)
		if err != nil {
			return fmt.Errorf("read greeting of %s: %w", s.addr, err)
		}
		caps, known := greetingCaps(greeting)
		switch {
		case !known || caps["STARTTLS"]:
			opts.TLSConfig = t.tlsConfig()
			c, err := imapclient.NewStartTLS(conn, opts)
			if err != nil {
				var ierr *imap.Error
				if errors.As(err, &ierr) {
					return fmt.Errorf("%w at %s (%v): refusing to send the password in plaintext; use imaps:// or allow plaintext (insecure)", ErrPlaintext, s.addr, err)
				}
				return fmt.Errorf("STARTTLS with %s: %w", s.addr, err)
			}
			s.c = c
		case t.opt.Insecure:
			s.c = imapclient.New(conn, opts)
		default:
			return fmt.Errorf("%w at %s: refusing to send the password in plaintext; use imaps:// or allow plaintext (insecure)", ErrPlaintext, s.addr)
		}
	}
	if err := s.c.WaitGreeting(); err != nil {
		return fmt.Errorf("greeting of %s: %w", s.addr, err)
	}
	if s.c.State() == imap.ConnStateLogout {
		return fmt.Errorf("server %s refused the connection", s.addr)
	}
	return nil
}

// readGreeting reads the server's first line and returns it and a
// connection that replays it.
func readGreeting(c *limitConn) (string, net.Conn, error) {
	br := bufio.NewReaderSize(c, 4096)
	line, err := br.ReadSlice('\n')
	if err != nil {
		if errors.Is(err, bufio.ErrBufferFull) {
			err = errors.New("greeting line too long")
		}
		return "", nil, err
	}
	buffered, _ := br.Peek(br.Buffered())
	replay := append(append([]byte(nil), line...), buffered...)
	g := strings.TrimRight(string(line), "\r\n")
	if strings.HasPrefix(strings.ToUpper(g), "* BYE") {
		return "", nil, fmt.Errorf("server refused the connection: %s", g)
	}
	return g, &replayConn{limitConn: c, r: io.MultiReader(bytes.NewReader(replay), c)}, nil
}

// greetingCaps returns the capabilities of a "* OK [CAPABILITY ...]"
// greeting (RFC 3501 7.1) and whether it had them.
func greetingCaps(g string) (map[string]bool, bool) {
	up := strings.ToUpper(g)
	i := strings.Index(up, "[CAPABILITY ")
	if i < 0 {
		return nil, false
	}
	rest := up[i+len("[CAPABILITY "):]
	end := strings.IndexByte(rest, ']')
	if end < 0 {
		return nil, false
	}
	caps := map[string]bool{}
	for _, c := range strings.Fields(rest[:end]) {
		caps[c] = true
	}
	return caps, true
}

type replayConn struct {
	*limitConn
	r io.Reader
}

func (c *replayConn) Read(b []byte) (int, error) { return c.r.Read(b) }

// login authenticates with PLAIN, LOGIN (command) or AUTHENTICATE LOGIN,
// whichever the server offers, in that order.
func (s *session) login() error {
	t := s.t
	s.refresh()
	caps := s.c.Caps()
	var err error
	switch mechs := caps.AuthMechanisms(); {
	case slices.Contains(mechs, "PLAIN"):
		err = s.c.Authenticate(sasl.NewPlainClient("", t.user, t.pass))
	case !caps.Has(imap.CapLoginDisabled):
		err = s.c.Login(t.user, t.pass).Wait()
	case slices.Contains(mechs, "LOGIN"):
		err = s.c.Authenticate(sasl.NewLoginClient(t.user, t.pass))
	default:
		return fmt.Errorf("log in as %s at %s: server offers neither PLAIN nor LOGIN (offers %s)", t.user, t.host, strings.Join(mechs, " "))
	}
	if err == nil {
		return nil
	}
	var ierr *imap.Error
	if errors.As(err, &ierr) {
		return t.scrub(fmt.Errorf("%w for user %s at %s: %s", ErrAuth, t.user, t.host, ierr.Text))
	}
	return t.scrub(s.wrap(fmt.Errorf("log in as %s: %w", t.user, err)))
}

// refresh gives the next network step a full Timeout (bounded by the
// context's deadline).
func (s *session) refresh() {
	limit := time.Now().Add(s.t.opt.Timeout)
	if d, ok := s.ctx.Deadline(); ok && d.Before(limit) {
		limit = d
	}
	s.conn.setLimit(limit)
}

// wrap turns a network error into one that says what happened: the
// context's cause when it ended, a timeout, or err with the server named.
func (s *session) wrap(err error) error {
	if err == nil {
		return nil
	}
	if s.ctx.Err() != nil {
		return context.Cause(s.ctx)
	}
	var ne net.Error
	if errors.Is(err, os.ErrDeadlineExceeded) || (errors.As(err, &ne) && ne.Timeout()) {
		return s.t.scrub(fmt.Errorf("IMAP server %s did not answer within %v: %w", s.addr, s.t.opt.Timeout, err))
	}
	if strings.Contains(err.Error(), s.addr) {
		return s.t.scrub(err)
	}
	return s.t.scrub(fmt.Errorf("IMAP server %s: %w", s.addr, err))
}

// close logs out (briefly) and closes the connection.
func (s *session) close() {
	if s.c == nil {
		return
	}
	if s.ctx.Err() == nil {
		s.conn.setLimit(time.Now().Add(min(s.t.opt.Timeout, 2*time.Second)))
		s.c.Logout().Wait()
	}
	s.c.Close()
	s.stop()
}

// serverFolder maps a folder given with "/" between levels to the name on
// the server, whose hierarchy delimiter may differ (Dovecot's Maildir++
// uses ".").
func (s *session) serverFolder(folder string) (string, error) {
	if !strings.Contains(folder, "/") {
		return folder, nil
	}
	if s.delim == 0 {
		s.refresh()
		l, err := s.c.List("", "", nil).Collect()
		if err != nil {
			return "", s.wrap(fmt.Errorf("ask hierarchy delimiter: %w", err))
		}
		s.delim = '/'
		if len(l) > 0 && l[0].Delim != 0 {
			s.delim = l[0].Delim
		}
	}
	if s.delim == '/' {
		return folder, nil
	}
	return strings.ReplaceAll(folder, "/", string(s.delim)), nil
}

// selectFolder selects (or examines) a folder. ok is false when it does
// not exist.
func (s *session) selectFolder(folder string, readOnly bool) (data *imap.SelectData, ok bool, err error) {
	s.refresh()
	data, err = s.c.Select(folder, &imap.SelectOptions{ReadOnly: readOnly}).Wait()
	if err != nil {
		s.selected = ""
		if isNoFolder(err) {
			return nil, false, nil
		}
		return nil, false, s.wrap(fmt.Errorf("select %s: %w", folder, err))
	}
	s.selected = folder
	return data, true, nil
}

// isNoFolder reports whether err says the mailbox does not exist.
func isNoFolder(err error) bool {
	var ierr *imap.Error
	if !errors.As(err, &ierr) || ierr.Type != imap.StatusResponseTypeNo {
		return false
	}
	switch ierr.Code {
	case imap.ResponseCodeNonExistent, imap.ResponseCodeTryCreate:
		return true
	case "":
		t := strings.ToLower(ierr.Text)
		return strings.Contains(t, "doesn't exist") || strings.Contains(t, "does not exist") || strings.Contains(t, "no such")
	}
	return false
}

// isNoPerm reports whether err says the user may not write there.
func isNoPerm(err error) bool {
	var ierr *imap.Error
	if !errors.As(err, &ierr) || ierr.Type != imap.StatusResponseTypeNo {
		return false
	}
	return ierr.Code == imap.ResponseCodeNoPerm || ierr.Code == "READ-ONLY" ||
		strings.Contains(strings.ToLower(ierr.Text), "read-only")
}

// limitConn is a net.Conn whose deadlines never pass a limit the session
// sets before each step, whatever deadlines the IMAP client sets itself.
type limitConn struct {
	net.Conn
	mu     sync.Mutex
	limit  time.Time
	rd, wd time.Time // deadlines the client asked for
}

func earliest(t, limit time.Time) time.Time {
	if t.IsZero() || (!limit.IsZero() && limit.Before(t)) {
		return limit
	}
	return t
}

func (c *limitConn) setLimit(limit time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.limit = limit
	c.Conn.SetReadDeadline(earliest(c.rd, limit))
	c.Conn.SetWriteDeadline(earliest(c.wd, limit))
}

func (c *limitConn) SetDeadline(t time.Time) error {
	if err := c.SetReadDeadline(t); err != nil {
		return err
	}
	return c.SetWriteDeadline(t)
}

func (c *limitConn) SetReadDeadline(t time.Time) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.rd = t
	return c.Conn.SetReadDeadline(earliest(t, c.limit))
}

func (c *limitConn) SetWriteDeadline(t time.Time) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.wd = t
	return c.Conn.SetWriteDeadline(earliest(t, c.limit))
}
