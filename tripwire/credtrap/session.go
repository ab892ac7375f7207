package credtrap

import (
	"context"
	"crypto/tls"
	"io"
	"net/netip"
	"strings"
	"time"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapserver"
	"github.com/emersion/go-sasl"

	"github.com/mailtrip/mailtrip/tripwire"
)

// maxField bounds user names and passwords recorded, in bytes (go-imap
// already bounds a command to 50 KiB).
const maxField = 512

// appendLimit is the APPENDLIMIT advertised; appended messages are read
// and dropped.
const appendLimit = 1 << 20

// The decoy account's mailboxes: small, plausible and empty.
var mailboxes = []struct {
	name  string
	attrs []imap.MailboxAttr
	uidv  uint32
}{
	{"INBOX", nil, 1718031234},
	{"Sent", []imap.MailboxAttr{imap.MailboxAttrSent}, 1718031235},
	{"Archive", []imap.MailboxAttr{imap.MailboxAttrArchive}, 1718031236},
}

var flags = []imap.Flag{imap.FlagSeen, imap.FlagAnswered, imap.FlagFlagged, imap.FlagDeleted, imap.FlagDraft}

var (
	errTempFail = &imap.Error{Type: imap.StatusResponseTypeNo, Code: imap.ResponseCodeUnavailable, Text: "Temporary authentication failure"}
	errNoPerm   = &imap.Error{Type: imap.StatusResponseTypeNo, Code: imap.ResponseCodeNoPerm, Text: "Permission denied"}
	errNoMbox   = &imap.Error{Type: imap.StatusResponseTypeNo, Code: imap.ResponseCodeNonExistent, Text: "Mailbox doesn't exist"}
	errNoMsgs   = &imap.Error{Type: imap.StatusResponseTypeNo, Text: "No matching messages"}
)

// imapSession is one connection.
type imapSession struct {
	s        *IMAPServer
	conn     *imapserver.Conn
	src      netip.AddrPort
	attempts int

	// After a decoy login: the credential (to attribute follow-ups), the
	// login's hit and how many follow-ups were recorded.
	user, password string
	hitID          int64
	followUps      int
}

var (
	_ imapserver.Session            = (*imapSession)(nil)
	_ imapserver.SessionSASL        = (*imapSession)(nil)
	_ imapserver.SessionAppendLimit = (*imapSession)(nil)
)

func (s *IMAPServer) newSession(c *imapserver.Conn) (imapserver.Session, *imapserver.GreetingData, error) {
	return &imapSession{s: s, conn: c, src: addrPort(c.NetConn().RemoteAddr())}, nil, nil
}

func (se *imapSession) tls() bool {
	_, ok := se.conn.NetConn().(*tls.Conn)
	return ok
}

func (se *imapSession) Login(user, password string) error {
	return se.login("login", user, password, "")
}

func (se *imapSession) AuthenticateMechanisms() []string { return []string{"PLAIN"} }

func (se *imapSession) Authenticate(mech string) (sasl.Server, error) {
	if !strings.EqualFold(mech, "PLAIN") {
		return nil, &imap.Error{Type: imap.StatusResponseTypeNo, Text: "Unsupported authentication mechanism"}
	}
	return sasl.NewPlainServer(func(identity, user, password string) error {
		return se.login("plain", user, password, identity)
	}), nil
}

// login records one attempt and answers it: success when the recorder says
// the pair is a decoy credential, otherwise NO [AUTHENTICATIONFAILED] once
// FailDelay has passed since the attempt began.
func (se *imapSession) login(mech, user, password, identity string) error {
	s := se.s
	began := time.Now()
	s.inflight.Add(1)
	defer s.inflight.Add(-1)
	se.attempts++
	fail := func(err error) error {
		if d := s.cfg.FailDelay - time.Since(began); d > 0 {
			t := time.NewTimer(d)
			select {
			case <-t.C:
			case <-s.base.Done():
				t.Stop()
			}
		}
		if se.attempts >= s.cfg.MaxAttempts {
			se.conn.Bye("Too many authentication failures")
		}
		return err
	}
	if se.attempts > 1 && !s.cfg.Limiter.Allow(se.src.Addr()) {
		s.refused.Add(1)
		return fail(imapserver.ErrAuthFailed)
	}
	detail := map[string]any{"protocol": "imap", "mechanism": mech, "tls": se.tls()}
	if identity != "" && identity != user {
		detail["authzid"] = clip(identity)
	}
	res, err := se.record(tripwire.Hit{User: clip(user), Password: clip(password), Detail: detail})
	if err != nil {
		return fail(errTempFail)
	}
	s.attempts.Add(1)
	if !res.Credential {
		s.failed.Add(1)
		return fail(imapserver.ErrAuthFailed)
	}
	s.accepted.Add(1)
	se.user, se.password, se.hitID = clip(user), clip(password), res.HitID
	s.log.Info("credtrap: decoy login", "protocol", "imap", "source", se.src, "user", se.user, "decoy", res.Decoy, "hit", res.HitID)
	return nil
}

func (se *imapSession) record(h tripwire.Hit) (tripwire.Result, error) {
	s := se.s
	h.Time = time.Now()
	h.Trap = tripwire.TrapCred
	h.Source = se.src
	ctx, cancel := context.WithTimeout(s.base, s.cfg.RecordTimeout)
	defer cancel()
	res, err := s.rec.Record(ctx, h)
	if err != nil {
		s.errs.Add(1)
		s.log.Error("credtrap: record hit", "protocol", "imap", "source", se.src, "err", err)
	}
	return res, err
}

// followUp records what a client logged in with a decoy credential does
// next (at most MaxFollowUps a session), with the credential again so the
// recorder attributes it to the same decoy.
func (se *imapSession) followUp(cmd string, detail map[string]any) {
	s := se.s
	if se.followUps >= MaxFollowUps {
		return
	}
	se.followUps++
	s.inflight.Add(1)
	defer s.inflight.Add(-1)
	if detail == nil {
		detail = make(map[string]any)
	}
	detail["protocol"] = "imap"
	detail["command"] = cmd
	detail["login_hit"] = se.hitID
	detail["tls"] = se.tls()
	if _, err := se.record(tripwire.Hit{User: se.user, Password: se.password, Detail: detail}); err == nil {
		s.followUps.Add(1)
	}
}

func clip(s string) string {
	if len(s) > maxField {
		s = s[:maxField]
	}
	return strings.ToValidUTF8(s, "\uFFFD")
}

func findMailbox(name string) int {
	for i, m := range mailboxes {
		if m.name == name || i == 0 && strings.EqualFold(name, "INBOX") {
			return i
		}
	}
	return -1
}

func (se *imapSession) Close() error { return nil }

func (se *imapSession) Select(mailbox string, options *imap.SelectOptions) (*imap.SelectData, error) {
	cmd := "SELECT"
	if options != nil && options.ReadOnly {
		cmd = "EXAMINE"
	}
	se.followUp(cmd, map[string]any{"mailbox": clip(mailbox)})
	i := findMailbox(mailbox)
	if i < 0 {
		return nil, errNoMbox
	}
	return &imap.SelectData{
		Flags:          flags,
		PermanentFlags: append(append([]imap.Flag(nil), flags...), imap.FlagWildcard),
		NumMessages:    0,
		UIDNext:        1,
		UIDValidity:    mailboxes[i].uidv,
	}, nil
}

func (se *imapSession) List(w *imapserver.ListWriter, ref string, patterns []string, options *imap.ListOptions) error {
	if len(patterns) == 1 && patterns[0] == "" {
		return w.WriteList(&imap.ListData{Attrs: []imap.MailboxAttr{imap.MailboxAttrNoSelect}, Delim: '/'})
	}
	for _, m := range mailboxes {
		for _, p := range patterns {
			if imapserver.MatchList(m.name, '/', ref, p) {
				attrs := append([]imap.MailboxAttr{imap.MailboxAttrHasNoChildren}, m.attrs...)
				if err := w.WriteList(&imap.ListData{Attrs: attrs, Delim: '/', Mailbox: m.name}); err != nil {
					return err
				}
				break
			}
		}
	}
	return nil
}

func (se *imapSession) Status(mailbox string, _ *imap.StatusOptions) (*imap.StatusData, error) {
	i := findMailbox(mailbox)
	if i < 0 {
		return nil, errNoMbox
	}
	var zero uint32
	var zero64 int64
	return &imap.StatusData{
		Mailbox: mailboxes[i].name, NumMessages: &zero, NumRecent: &zero, NumUnseen: &zero,
		NumDeleted: &zero, Size: &zero64, DeletedStorage: &zero64, UIDNext: 1, UIDValidity: mailboxes[i].uidv,
	}, nil
}

func (se *imapSession) Fetch(_ *imapserver.FetchWriter, numSet imap.NumSet, _ *imap.FetchOptions) error {
	se.followUp("FETCH", map[string]any{"set": clip(numSet.String())})
	return nil
}

func (se *imapSession) Search(_ imapserver.NumKind, _ *imap.SearchCriteria, _ *imap.SearchOptions) (*imap.SearchData, error) {
	se.followUp("SEARCH", nil)
	return &imap.SearchData{}, nil
}

func (se *imapSession) Create(mailbox string, _ *imap.CreateOptions) error {
	se.followUp("CREATE", map[string]any{"mailbox": clip(mailbox)})
	return errNoPerm
}

func (se *imapSession) Delete(mailbox string) error {
	se.followUp("DELETE", map[string]any{"mailbox": clip(mailbox)})
	return errNoPerm
}

func (se *imapSession) Rename(mailbox, newName string, _ *imap.RenameOptions) error {
	se.followUp("RENAME", map[string]any{"mailbox": clip(mailbox), "new_name": clip(newName)})
	return errNoPerm
}

func (se *imapSession) Subscribe(string) error   { return nil }
func (se *imapSession) Unsubscribe(string) error { return nil }

// Append reads the message and drops it.
func (se *imapSession) Append(mailbox string, r imap.LiteralReader, _ *imap.AppendOptions) (*imap.AppendData, error) {
	n, _ := io.Copy(io.Discard, io.LimitReader(r, appendLimit+1))
	se.followUp("APPEND", map[string]any{"mailbox": clip(mailbox), "size": n})
	return nil, errNoPerm
}

func (se *imapSession) AppendLimit() uint32 { return appendLimit }

func (se *imapSession) Poll(*imapserver.UpdateWriter, bool) error { return nil }

func (se *imapSession) Idle(_ *imapserver.UpdateWriter, stop <-chan struct{}) error {
	select {
	case <-stop:
	case <-se.s.base.Done():
	}
	return nil
}

func (se *imapSession) Unselect() error { return nil }

func (se *imapSession) Expunge(*imapserver.ExpungeWriter, *imap.UIDSet) error { return nil }

func (se *imapSession) Store(*imapserver.FetchWriter, imap.NumSet, *imap.StoreFlags, *imap.StoreOptions) error {
	return nil
}

func (se *imapSession) Copy(imap.NumSet, string) (*imap.CopyData, error) {
	se.followUp("COPY", nil)
	return nil, errNoMsgs
}
