package imap

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"net/mail"
	"slices"
	"strings"

	"github.com/emersion/go-imap/v2"

	"github.com/mailtrip/mailtrip/plant"
)

// Plant appends m to the target's folder with m's flags and m.Date as its
// internal date. The receipt holds the UID (Offset), the UIDVALIDITY
// (Size), the planted flags (Path, "flags=S") and the SHA-256 of the
// bytes appended.
func (t *Target) Plant(ctx context.Context, m plant.Message) (plant.Receipt, error) {
	rs, err := t.PlantBatch(ctx, []plant.Message{m})
	if err != nil {
		return plant.Receipt{}, err
	}
	return rs[0], nil
}

// PlantBatch plants the messages in order over one connection. On error
// it returns the receipts of the messages planted before it, so that none
// that was planted goes unrecorded.
func (t *Target) PlantBatch(ctx context.Context, ms []plant.Message) ([]plant.Receipt, error) {
	if ctx.Err() != nil {
		return nil, context.Cause(ctx)
	}
	if len(ms) == 0 {
		return nil, nil
	}
	// Check every message before connecting.
	type prepared struct {
		raw    []byte
		flags  []imap.Flag
		letter string
		mid    string
	}
	ps := make([]prepared, len(ms))
	for i, m := range ms {
		if len(m.Raw) == 0 {
			return nil, errors.New("plant imap: empty message")
		}
		flags, letters, err := imapFlags(m.Flags)
		if err != nil {
			return nil, fmt.Errorf("plant imap: %w", err)
		}
		raw := toCRLF(m.Raw)
		mid := m.MessageID
		if mid == "" {
			mid = headerMessageID(raw)
		}
		ps[i] = prepared{raw: raw, flags: flags, letter: letters, mid: mid}
	}
	s, err := t.connect(ctx)
	if err != nil {
		return nil, err
	}
	defer s.close()
	folder, err := s.serverFolder(t.folder)
	if err != nil {
		return nil, err
	}
	if limit, ok := s.c.Caps().AppendLimit(); ok && limit != nil {
		for i, p := range ps {
			if int64(len(p.raw)) > int64(*limit) {
				return nil, fmt.Errorf("plant imap: message %d is %d bytes, over the server's APPENDLIMIT of %d", i, len(p.raw), *limit)
			}
		}
	}
	rs := make([]plant.Receipt, 0, len(ms))
	for i, p := range ps {
		r, err := s.plantOne(folder, p.raw, p.flags, ms[i], p.mid)
		if err != nil {
			return rs, err
		}
		if p.letter != "" {
			r.Path = flagsPrefix + p.letter
		}
		rs = append(rs, r)
	}
	return rs, nil
}

// plantOne appends one message, creating the folder when allowed.
func (s *session) plantOne(folder string, raw []byte, flags []imap.Flag, m plant.Message, mid string) (plant.Receipt, error) {
	t := s.t
	// Look before appending: a server refusing an APPEND for a missing
	// folder (TRYCREATE) before it has read a large literal leaves the
	// connection unusable, so the folder is checked, and created when
	// allowed, first.
	if !s.folders[folder] {
		s.refresh()
		_, err := s.c.Status(folder, &imap.StatusOptions{NumMessages: true}).Wait()
		switch {
		case err != nil && isNoFolder(err) && !t.opt.Create:
			return plant.Receipt{}, fmt.Errorf("plant into %s at %s: %w: %q (allow creating it, or pick an existing folder)", t.folder, s.addr, ErrNoFolder, t.folder)
		case err != nil && isNoFolder(err):
			if err := s.create(folder); err != nil {
				return plant.Receipt{}, err
			}
		case err != nil:
			return plant.Receipt{}, s.wrap(fmt.Errorf("status of %s: %w", t.folder, err))
		}
		if s.folders == nil {
			s.folders = map[string]bool{}
		}
		s.folders[folder] = true
	}
	data, err := s.appendMsg(folder, raw, flags, m)
	if err != nil {
		if isNoPerm(err) {
			return plant.Receipt{}, t.scrub(fmt.Errorf("plant into %s at %s: %w for user %s: %v", t.folder, s.addr, ErrReadOnly, t.user, err))
		}
		return plant.Receipt{}, s.wrap(fmt.Errorf("append to %s: %w", t.folder, err))
	}
	uid, validity := data.UID, data.UIDValidity
	if uid == 0 || validity == 0 {
		// No UIDPLUS: look the message up by its Message-ID.
		uid, validity, err = s.findAppended(folder, raw, mid)
		if err != nil {
			return plant.Receipt{}, err
		}
	}
	return plant.Receipt{
		Kind:      KindIMAP,
		Target:    t.url,
		Folder:    folder,
		Offset:    int64(uid),
		Size:      int64(validity),
		SHA256:    hexSHA(raw),
		MessageID: mid,
	}, nil
}

func (s *session) appendMsg(folder string, raw []byte, flags []imap.Flag, m plant.Message) (*imap.AppendData, error) {
	s.refresh()
	cmd := s.c.Append(folder, int64(len(raw)), &imap.AppendOptions{Flags: flags, Time: m.Date})
	if _, err := cmd.Write(raw); err != nil {
		cmd.Close()
		return nil, err
	}
	if err := cmd.Close(); err != nil {
		return nil, err
	}
	return cmd.Wait()
}

// create makes and subscribes folder; one that exists already is fine.
func (s *session) create(folder string) error {
	s.refresh()
	err := s.c.Create(folder, nil).Wait()
	var ierr *imap.Error
	if err != nil && !(errors.As(err, &ierr) && ierr.Code == imap.ResponseCodeAlreadyExists) {
		if isNoPerm(err) {
			return fmt.Errorf("create folder %s at %s: %w for user %s: %v", folder, s.addr, ErrReadOnly, s.t.user, err)
		}
		return s.wrap(fmt.Errorf("create folder %s: %w", folder, err))
	}
	s.refresh()
	if err := s.c.Subscribe(folder).Wait(); err != nil {
		return s.wrap(fmt.Errorf("subscribe folder %s: %w", folder, err))
	}
	return nil
}

// findAppended finds the UID of a message just appended by a server
// without UIDPLUS: the highest UID with its Message-ID whose bytes match.
func (s *session) findAppended(folder string, raw []byte, mid string) (imap.UID, uint32, error) {
	if mid == "" {
		return 0, 0, fmt.Errorf("planted into %s at %s, but the server has no UIDPLUS and the message has no Message-ID to find its UID by", folder, s.addr)
	}
	data, ok, err := s.selectFolder(folder, true)
	if err != nil {
		return 0, 0, err
	}
	if !ok {
		return 0, 0, fmt.Errorf("planted into %s at %s, but the folder is gone", folder, s.addr)
	}
	uids, err := s.searchMessageID(mid)
	if err != nil {
		return 0, 0, err
	}
	sum := hexSHA(raw)
	for _, uid := range slices.Backward(uids) {
		f, ok, err := s.fetch(uid)
		if err != nil {
			return 0, 0, err
		}
		if ok && f.sum == sum {
			return uid, data.UIDValidity, nil
		}
	}
	return 0, 0, fmt.Errorf("planted into %s at %s, but cannot find it by Message-ID %s (server without UIDPLUS)", folder, s.addr, mid)
}

// toCRLF returns raw with every line ending in CRLF (bare LF and CR
// become CRLF).
func toCRLF(raw []byte) []byte {
	if !bytes.ContainsAny(raw, "\r\n") {
		return raw
	}
	out := make([]byte, 0, len(raw)+len(raw)/40)
	for i := 0; i < len(raw); i++ {
		switch c := raw[i]; c {
		case '\r':
			out = append(out, '\r', '\n')
			if i+1 < len(raw) && raw[i+1] == '\n' {
				i++
			}
		case '\n':
			out = append(out, '\r', '\n')
		default:
			out = append(out, c)
		}
	}
	return out
}

// headerMessageID returns the Message-ID field of raw, or "".
func headerMessageID(raw []byte) string {
	msg, err := mail.ReadMessage(bytes.NewReader(raw))
	if err != nil {
		return ""
	}
	return strings.TrimSpace(msg.Header.Get("Message-Id"))
}

func hexSHA(b []byte) string {
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}
