package smtptrap

import (
	"context"
	"errors"
	"io"
	"strings"
	"time"

	"github.com/emersion/go-smtp"

	"github.com/mailtrip/mailtrip/token"
	"github.com/mailtrip/mailtrip/tripwire"
)

// maxAddr bounds the envelope addresses kept, in bytes.
const maxAddr = 512

var (
	errRelay = &smtp.SMTPError{Code: 550, EnhancedCode: smtp.EnhancedCode{5, 7, 1}, Message: "Relay access denied"}
	errBusy  = &smtp.SMTPError{Code: 450, EnhancedCode: smtp.EnhancedCode{4, 7, 1}, Message: "Too many messages, try again later"}
	errTemp  = &smtp.SMTPError{Code: 451, EnhancedCode: smtp.EnhancedCode{4, 3, 0}, Message: "Temporary local problem, try again later"}
)

// session is one connection's state between EHLO (or STARTTLS) and QUIT.
type session struct {
	s    *Server
	c    *smtp.Conn
	tc   *trackedConn
	msgs int // messages begun on this connection

	from  string
	rcpts []string
}

var _ smtp.Session = (*session)(nil)

func (s *Server) newSession(c *smtp.Conn) (smtp.Session, error) {
	return &session{s: s, c: c, tc: tracked(c.Conn())}, nil
}

func (se *session) setBusy(b bool) {
	if se.tc != nil {
		se.tc.busy.Store(b)
	}
}

func (se *session) Mail(from string, _ *smtp.MailOptions) error {
	if se.s.lns.Closed() {
		return errShuttingDown
	}
	// The connection was admitted once; each further message asks again.
	if se.msgs > 0 && !se.s.cfg.Limiter.Allow(addrPort(se.c.Conn().RemoteAddr()).Addr()) {
		se.s.refused.Add(1)
		return errBusy
	}
	se.msgs++
	se.setBusy(true)
	se.from = cut(strings.ToValidUTF8(from, "\uFFFD"), maxAddr)
	se.rcpts = se.rcpts[:0]
	return nil
}

// Rcpt accepts any local part at a canary domain, so an attacker cannot
// learn which addresses are live.
func (se *session) Rcpt(to string, _ *smtp.RcptOptions) error {
	at := strings.LastIndexByte(to, '@')
	if at < 0 || !se.s.domains[normDomain(to[at+1:])] {
		se.s.relay.Add(1)
		return errRelay
	}
	se.rcpts = append(se.rcpts, cut(strings.ToValidUTF8(to, "\uFFFD"), maxAddr))
	return nil
}

func (se *session) Reset() {
	se.from, se.rcpts = "", nil
	se.setBusy(false)
}

func (se *session) Logout() error {
	se.setBusy(false)
	return nil
}

// Data scans the message as it streams in and records one hit before the
// answer: 250 once Record returned, 451 when it failed, 552 over the size
// limit (recorded anyway when the envelope or what arrived carried a
// candidate).
func (se *session) Data(r io.Reader) error {
	s := se.s
	var m message
	for _, rc := range se.rcpts {
		m.subs.add(token.Find(rc))
	}
	err := scanMessage(&pausedReader{r: r, se: se}, &m)
	switch {
	case err == nil:
	case errors.Is(err, smtp.ErrDataTooLarge):
		s.oversize.Add(1)
		if len(m.subs.list) > 0 {
			if _, rerr := se.record(&m, "oversize"); rerr == nil {
				s.partial.Add(1)
			}
		}
		return smtp.ErrDataTooLarge
	default:
		// The client went away or timed out mid-message: keep what it
		// sent when it carried a candidate; it gets no answer anyway.
		if len(m.subs.list) > 0 {
			if _, rerr := se.record(&m, "incomplete"); rerr == nil {
				s.partial.Add(1)
			}
		}
		return err
	}
	if _, err := se.record(&m, ""); err != nil {
		return errTemp
	}
	s.messages.Add(1)
	return nil
}

// record hands the hit to the Recorder. cutOff says why the message is
// incomplete ("oversize", "incomplete"), "" when it is whole.
func (se *session) record(m *message, cutOff string) (tripwire.Result, error) {
	s := se.s
	_, isTLS := se.c.TLSConnectionState()
	detail := map[string]any{
		"helo":      cut(strings.ToValidUTF8(se.c.Hostname(), "\uFFFD"), maxAddr),
		"mail_from": se.from,
		"rcpt_to":   append([]string(nil), se.rcpts...),
		"headers":   parseHeaders(m.header),
		"size":      m.size,
		"tls":       isTLS,
	}
	if m.hdrCut {
		detail["headers_truncated"] = true
	}
	if m.subs.truncated {
		detail["subs_truncated"] = true
	}
	if m.b64lines > 0 {
		detail["base64_lines"] = m.b64lines
	}
	if cutOff != "" {
		detail["cut_off"] = cutOff
	}
	h := tripwire.Hit{
		Time:   time.Now(),
		Trap:   tripwire.TrapSMTP,
		Source: addrPort(se.c.Conn().RemoteAddr()),
		Subs:   m.subs.list,
		Detail: detail,
	}
	ctx, cancel := context.WithTimeout(s.base, s.cfg.RecordTimeout)
	defer cancel()
	res, err := s.rec.Record(ctx, h)
	if err != nil {
		s.errs.Add(1)
		s.log.Error("smtptrap: record hit", "source", h.Source, "subs", len(h.Subs), "err", err)
		return res, err
	}
	s.log.Info("smtptrap: hit", "source", h.Source, "hit", res.HitID, "decoy", res.Decoy,
		"subs", len(h.Subs), "size", m.size, "cut_off", cutOff)
	return res, nil
}

// pausedReader gives every pause inside DATA the full ReadTimeout, where
// go-smtp's deadline (set when it read the DATA command) would otherwise
// bound the whole transfer. The session deadline still applies.
type pausedReader struct {
	r    io.Reader
	se   *session
	last time.Time
}

func (p *pausedReader) Read(b []byte) (int, error) {
	if now := time.Now(); now.Sub(p.last) > time.Second {
		p.last = now
		p.se.c.Conn().SetReadDeadline(now.Add(p.se.s.cfg.ReadTimeout))
	}
	return p.r.Read(b)
}
