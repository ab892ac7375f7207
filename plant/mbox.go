package plant

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/mail"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/mailtrip/mailtrip/mailfmt"
	"github.com/mailtrip/mailtrip/mailfmt/mbox"
)

// mboxTarget appends to one mbox file.
type mboxTarget struct {
	path        string
	create      bool
	lockTimeout time.Duration // 0: the package default
}

var _ Target = (*mboxTarget)(nil)

// maxDecoyBytes bounds what Verify and Remove read as one planted message.
const maxDecoyBytes = 64 << 20

// mboxEntry renders a message as planted: the From_ line, the message with
// LF line ends and mboxrd quoting, and a blank line.
//
//	entry     = from-line *line LF
//	from-line = "From " sender SP asctime LF   ; asctime in UTC
//	line      = [">"] original-line LF         ; ">" when original matches ^>*From
func mboxEntry(m Message) []byte {
	raw := toLF(m.Raw)
	date := m.Date
	if date.IsZero() {
		date = time.Now()
	}
	out := make([]byte, 0, len(raw)+len(raw)/50+100)
	out = append(out, "From "...)
	out = append(out, envelopeSender(raw)...)
	out = append(out, ' ')
	out = date.UTC().AppendFormat(out, "Mon Jan _2 15:04:05 2006")
	out = append(out, '\n')
	for len(raw) > 0 {
		i := bytes.IndexByte(raw, '\n')
		line := raw[:i+1]
		raw = raw[i+1:]
		if fromQuoted(line) {
			out = append(out, '>')
		}
		out = append(out, line...)
	}
	return append(out, '\n')
}

// fromQuoted reports whether line matches ^>*From .
func fromQuoted(line []byte) bool {
	return bytes.HasPrefix(bytes.TrimLeft(line, ">"), []byte("From "))
}

// envelopeSender is the address for the From_ line: Return-Path, else the
// From address, else MAILER-DAEMON.
func envelopeSender(raw []byte) string {
	msg, err := mail.ReadMessage(bytes.NewReader(raw))
	if err != nil {
		return "MAILER-DAEMON"
	}
	for _, f := range []string{"Return-Path", "Sender", "From"} {
		v := strings.TrimSpace(msg.Header.Get(f))
		if v == "" || v == "<>" {
			continue
		}
		if a, err := mail.ParseAddress(v); err == nil && a.Address != "" && !strings.ContainsAny(a.Address, " \t") {
			return a.Address
		}
	}
	return "MAILER-DAEMON"
}

// padFor returns the newlines to write before a From_ line appended to a
// file of size bytes ending in tail, so that the line before it is empty
// (mbox readers need that to see a boundary).
func padFor(tail []byte, size int64) []byte {
	if size == 0 {
		return nil
	}
	t, ok := bytes.CutSuffix(tail, []byte("\n"))
	if !ok {
		return []byte("\n\n")
	}
	t = bytes.TrimSuffix(t, []byte("\r"))
	if len(t) == 0 && int64(len(tail)) == size || bytes.HasSuffix(t, []byte("\n")) {
		return nil
	}
	return []byte("\n")
}

// Plant appends m to the mbox under its locks.
func (t *mboxTarget) Plant(ctx context.Context, m Message) (Receipt, error) {
	if err := ctxErr(ctx); err != nil {
		return Receipt{}, err
	}
	if len(m.Raw) == 0 {
		return Receipt{}, errors.New("plant: empty message")
	}
	if t.create {
		if err := os.MkdirAll(filepath.Dir(t.path), 0o700); err != nil {
			return Receipt{}, fmt.Errorf("create mbox folder: %w", err)
		}
	}
	l, err := lockMbox(ctx, t.path, t.create, t.lockTimeout)
	if err != nil {
		return Receipt{}, err
	}
	defer l.unlock()
	fi, err := l.f.Stat()
	if err != nil {
		return Receipt{}, err
	}
	if !fi.Mode().IsRegular() {
		return Receipt{}, fmt.Errorf("mbox %s is not a regular file", t.path)
	}
	size := fi.Size()
	tail, err := readAt(l.f, max(0, size-3), min(size, 3))
	if err != nil {
		return Receipt{}, fmt.Errorf("read mbox %s: %w", t.path, err)
	}
	data := append(padFor(tail, size), mboxEntry(m)...)
	if n, err := l.f.WriteAt(data, size); err != nil {
		// Take back what got written (a full disk): the file must be as
		// it was.
		if n > 0 {
			if terr := l.f.Truncate(size); terr != nil {
				return Receipt{}, fmt.Errorf("append to mbox %s: %w; and truncating the partial write failed: %v", t.path, err, terr)
			}
			l.f.Sync()
		}
		return Receipt{}, fmt.Errorf("append to mbox %s: %w", t.path, err)
	}
	if err := l.f.Sync(); err != nil {
		l.f.Truncate(size)
		return Receipt{}, fmt.Errorf("sync mbox %s: %w", t.path, err)
	}
	return Receipt{
		Kind: KindMbox, Target: t.path, Path: t.path, Offset: size,
		Size: int64(len(data)), SHA256: hexSHA(data), MessageID: m.MessageID,
	}, nil
}

// span is where planted bytes were found in an mbox.
type span struct {
	start, end int64
	status     string // status fields a client added ("Status: RO"), if any
}

// match reports whether b, the bytes of one mbox entry (with any pad
// before it), is what r planted, exactly or but for status fields a mail
// client added.
func match(b []byte, r Receipt) (ok bool, status string) {
	if hexSHA(b) == r.SHA256 {
		return true, ""
	}
	stripped, status := stripStatus(b)
	if status != "" && hexSHA(stripped) == r.SHA256 {
		return true, status
	}
	return false, ""
}

// statusFields are the header fields mail clients add to or change in an
// mbox message when it is read (mutt, Pine, Thunderbird, Dovecot).
var statusFields = []string{"Status", "X-Status", "X-Mozilla-Status", "X-Mozilla-Status2", "X-Keywords", "X-UID", "X-IMAP", "X-IMAPbase", "Content-Length", "Lines"}

// stripStatus removes statusFields (with continuation lines) from the
// header of the mbox entry b and returns the rest and the removed fields
// joined with "; ".
func stripStatus(b []byte) ([]byte, string) {
	out := make([]byte, 0, len(b))
	var removed []string
	i := bytes.Index(b, []byte("From "))
	if i < 0 {
		return b, ""
	}
	nl := bytes.IndexByte(b[i:], '\n')
	if nl < 0 {
		return b, ""
	}
	out = append(out, b[:i+nl+1]...)
	rest := b[i+nl+1:]
	dropping := false
	for len(rest) > 0 {
		j := bytes.IndexByte(rest, '\n')
		if j < 0 {
			j = len(rest) - 1
		}
		line := rest[:j+1]
		if len(bytes.TrimRight(line, "\r\n")) == 0 {
			out = append(out, rest...)
			break
		}
		rest = rest[j+1:]
		if line[0] == ' ' || line[0] == '\t' {
			if !dropping {
				out = append(out, line...)
			}
			continue
		}
		name, _, _ := bytes.Cut(line, []byte(":"))
		dropping = false
		for _, f := range statusFields {
			if strings.EqualFold(string(bytes.TrimSpace(name)), f) {
				dropping = true
				removed = append(removed, string(bytes.TrimRight(line, "\r\n")))
				break
			}
		}
		if !dropping {
			out = append(out, line...)
		}
	}
	return out, strings.Join(removed, "; ")
}

// entryAt reads the planted entry starting at off (pad newlines, then a
// From_ line) and reports whether it is what r planted.
func entryAt(f io.ReaderAt, size, off int64, r Receipt) (span, bool, error) {
	if off < 0 || off >= size {
		return span{}, false, nil
	}
	if r.Size > 0 && off+r.Size <= size && r.Size <= maxDecoyBytes {
		b, err := readAt(f, off, r.Size)
		if err != nil {
			return span{}, false, err
		}
		if hexSHA(b) == r.SHA256 {
			return span{start: off, end: off + r.Size}, true, nil
		}
	}
	head, err := readAt(f, off, 7)
	if err != nil {
		return span{}, false, err
	}
	pad := int64(len(head) - len(bytes.TrimLeft(head, "\n")))
	if pad > 2 || !bytes.HasPrefix(head[pad:], []byte("From ")) {
		return span{}, false, nil
	}
	rd := mbox.NewReader(io.NewSectionReader(f, off+pad, size-off-pad), mbox.Options{BaseOffset: off + pad})
	m, _ := rd.Next()
	if m == nil || m.Offset != off+pad || m.Offset+m.Size-off > maxDecoyBytes {
		return span{}, false, nil
	}
	end := m.Offset + m.Size
	b, err := readAt(f, off, end-off)
	if err != nil {
		return span{}, false, err
	}
	ok, status := match(b, r)
	return span{start: off, end: end, status: status}, ok, nil
}

// find looks for r's message: at r.Offset, else anywhere in the file by
// Message-ID (the file was rewritten). modified is set when a message
// with r's Message-ID was found but none matched.
func find(ctx context.Context, f io.ReaderAt, size int64, r Receipt) (s span, ok bool, modified int64, err error) {
	modified = -1
	s, ok, err = entryAt(f, size, r.Offset, r)
	if err != nil || ok {
		return s, ok, modified, err
	}
	if r.MessageID == "" {
		return s, false, modified, nil
	}
	rd := mbox.NewReader(bufio.NewReaderSize(io.NewSectionReader(f, 0, size), 1<<20), mbox.Options{})
	for {
		if err := ctxErr(ctx); err != nil {
			return s, false, modified, err
		}
		m, err := rd.Next()
		if err == io.EOF {
			return s, false, modified, nil
		}
		if m == nil {
			var perr *mailfmt.ParseError
			if err != nil && !errors.As(err, &perr) {
				return s, false, modified, fmt.Errorf("read mbox: %w", err)
			}
			continue
		}
		if strings.TrimSpace(m.Header.Get("Message-ID")) != r.MessageID {
			continue
		}
		// Try the message alone and with the one or two newlines that
		// may have been written before it.
		for pad := int64(0); pad <= 2 && m.Offset-pad >= 0; pad++ {
			if pad > 0 {
				b, err := readAt(f, m.Offset-pad, 1)
				if err != nil || len(b) != 1 || b[0] != '\n' {
					break
				}
			}
			if m.Offset+m.Size-(m.Offset-pad) > maxDecoyBytes {
				break
			}
			s, ok, err := entryAt(f, size, m.Offset-pad, Receipt{Size: 0, SHA256: r.SHA256})
			if err != nil {
				return s, false, modified, err
			}
			if ok {
				return s, true, modified, nil
			}
		}
		if modified < 0 {
			modified = m.Offset
		}
	}
}

// Verify checks the planted bytes are at the receipt's offset, or finds
// them elsewhere in the file by Message-ID.
func (t *mboxTarget) Verify(ctx context.Context, r Receipt) (Status, error) {
	if err := ctxErr(ctx); err != nil {
		return Status{}, err
	}
	path := r.Path
	if path == "" {
		path = t.path
	}
	f, err := os.Open(path)
	if errors.Is(err, fs.ErrNotExist) {
		return Status{Detail: fmt.Sprintf("deleted: %v (mbox %s no longer exists)", ErrGone, path)}, nil
	}
	if err != nil {
		return Status{}, err
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return Status{}, err
	}
	s, ok, modified, err := find(ctx, f, fi.Size(), r)
	if err != nil {
		return Status{}, fmt.Errorf("verify decoy in %s: %w", path, err)
	}
	switch {
	case ok:
		st := Status{Present: true, FlagsChanged: s.status, Detail: "present"}
		if s.start != r.Offset {
			st.Detail = fmt.Sprintf("present at offset %d (planted at %d: the mbox was rewritten)", s.start, r.Offset)
		}
		if s.status != "" {
			st.Detail += "; read by a mail client (" + s.status + ")"
		}
		return st, nil
	case modified >= 0:
		return Status{Modified: true, Detail: fmt.Sprintf("modified: message %s at offset %d differs from what was planted", r.MessageID, modified)}, nil
	default:
		return Status{Detail: fmt.Sprintf("deleted: %v (message %s not in %s)", ErrGone, r.MessageID, path)}, nil
	}
}

// Remove takes exactly the planted bytes out of the mbox under its locks,
// writing the rest to a temporary file that replaces the mbox.
func (t *mboxTarget) Remove(ctx context.Context, r Receipt) error {
	if err := ctxErr(ctx); err != nil {
		return err
	}
	path := r.Path
	if path == "" {
		path = t.path
	}
	if _, err := os.Stat(path); errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	l, err := lockMbox(ctx, path, false, t.lockTimeout)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return err
	}
	defer l.unlock()
	fi, err := l.f.Stat()
	if err != nil {
		return err
	}
	s, ok, modified, err := find(ctx, l.f, fi.Size(), r)
	if err != nil {
		return fmt.Errorf("remove decoy from %s: %w", path, err)
	}
	if !ok {
		if modified >= 0 {
			return fmt.Errorf("refusing to remove message %s at offset %d of %s: %w (it may have been edited by a person)", r.MessageID, modified, path, ErrModified)
		}
		return nil
	}
	return cutFile(l.f, fi, path, s.start, s.end)
}

// cutFile replaces the file at path (open as f) by a copy without bytes
// [start, end): written to a temporary file in the same directory, synced,
// given the old file's mode, owner and times, and renamed over it.
func cutFile(f *os.File, fi fs.FileInfo, path string, start, end int64) error {
	dir := filepath.Dir(path)
	tmp, err := os.CreateTemp(dir, "."+filepath.Base(path)+".plant-*")
	if err != nil {
		return fmt.Errorf("remove decoy: %w", err)
	}
	ok := false
	defer func() {
		if !ok {
			tmp.Close()
			os.Remove(tmp.Name())
		}
	}()
	w := bufio.NewWriterSize(tmp, 1<<20)
	if _, err := io.Copy(w, io.NewSectionReader(f, 0, start)); err != nil {
		return fmt.Errorf("remove decoy: copy mbox: %w", err)
	}
	if _, err := io.Copy(w, io.NewSectionReader(f, end, fi.Size()-end)); err != nil {
		return fmt.Errorf("remove decoy: copy mbox: %w", err)
	}
	if err := w.Flush(); err != nil {
		return fmt.Errorf("remove decoy: write %s: %w", tmp.Name(), err)
	}
	if err := tmp.Chmod(fi.Mode().Perm()); err != nil {
		return fmt.Errorf("remove decoy: %w", err)
	}
	chown(tmp, fi) // best effort: only root may give a file away
	if err := tmp.Sync(); err != nil {
		return fmt.Errorf("remove decoy: sync %s: %w", tmp.Name(), err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("remove decoy: %w", err)
	}
	os.Chtimes(tmp.Name(), atime(fi), fi.ModTime())
	if err := os.Rename(tmp.Name(), path); err != nil {
		return fmt.Errorf("remove decoy: %w", err)
	}
	ok = true
	return syncDir(dir)
}
