package mailgen

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"os"
	"path/filepath"
)

// Progress, when set, is called by the writers after every message with the
// number of messages and bytes written so far. It does not affect output.
type Progress func(messages int, bytes int64)

// WriteMbox writes cfg's messages to w as one mboxrd file: each message
// follows a "From <envelope-sender> <asctime>" line, body lines matching
// ^>*From get one more '>', and a blank line ends each message. Labels
// carry the byte offset of each "From " line and the size up to (not
// including) the blank line.
func WriteMbox(w io.Writer, cfg Config) ([]Label, error) {
	return WriteMboxProgress(w, cfg, nil)
}

// WriteMboxProgress is WriteMbox with a progress callback.
func WriteMboxProgress(w io.Writer, cfg Config, progress Progress) ([]Label, error) {
	g := New(cfg)
	bw := bufio.NewWriterSize(w, 1<<20)
	var labels []Label
	var off int64
	var buf []byte
	for !g.Done() {
		m := g.next()
		buf = append(buf[:0], "From "...)
		buf = append(buf, envelopeAddr(m.envFrom)...)
		buf = append(buf, ' ')
		buf = m.date.UTC().AppendFormat(buf, "Mon Jan _2 15:04:05 2006")
		if g.cfg.CRLF {
			buf = append(buf, '\r')
		}
		buf = append(buf, '\n')
		buf = appendMboxrd(buf, m.raw, g.cfg.CRLF)
		l := m.label
		l.Offset, l.Size = off, int64(len(buf))
		if g.cfg.CRLF {
			buf = append(buf, '\r')
		}
		buf = append(buf, '\n')
		if _, err := bw.Write(buf); err != nil {
			return labels, fmt.Errorf("write mbox message %d: %w", len(labels), err)
		}
		off += int64(len(buf))
		labels = append(labels, l)
		if progress != nil {
			progress(len(labels), off)
		}
	}
	if err := bw.Flush(); err != nil {
		return labels, fmt.Errorf("write mbox: %w", err)
	}
	return labels, nil
}

func envelopeAddr(s string) string {
	if s == "" {
		return "MAILER-DAEMON"
	}
	return s
}

// appendMboxrd appends raw with mboxrd quoting (a '>' before every line
// matching ^>*From ) and the chosen line ends.
func appendMboxrd(dst, raw []byte, crlf bool) []byte {
	for len(raw) > 0 {
		i := bytes.IndexByte(raw, '\n')
		var line []byte
		if i < 0 {
			line, raw = raw, nil
		} else {
			line, raw = raw[:i], raw[i+1:]
		}
		if len(line) >= 5 && (line[0] == '>' || line[0] == 'F') {
			j := 0
			for j < len(line) && line[j] == '>' {
				j++
			}
			if bytes.HasPrefix(line[j:], []byte("From ")) {
				dst = append(dst, '>')
			}
		}
		dst = append(dst, line...)
		if crlf {
			dst = append(dst, '\r')
		}
		dst = append(dst, '\n')
	}
	return dst
}

// appendLines appends raw with the chosen line ends.
func appendLines(dst, raw []byte, crlf bool) []byte {
	if !crlf {
		return append(dst, raw...)
	}
	for len(raw) > 0 {
		i := bytes.IndexByte(raw, '\n')
		if i < 0 {
			return append(dst, raw...)
		}
		dst = append(dst, raw[:i]...)
		dst = append(dst, '\r', '\n')
		raw = raw[i+1:]
	}
	return dst
}

// WriteMaildir writes cfg's messages under root as a Maildir++ store:
// INBOX in root/{cur,new,tmp}, folders (Config.Folders) as root/.Name with
// their own cur/new/tmp and a maildirfolder file. About one message in ten
// is unread in new/; the rest are in cur/ with flags in the name
// ("<time>.M<usec>P<pid>Q<n>.<host>,S=<size>:2,<flags>"). File times are
// the delivery times. Labels carry Folder and File (relative to root).
func WriteMaildir(root string, cfg Config) ([]Label, error) {
	return WriteMaildirProgress(root, cfg, nil)
}

// WriteMaildirProgress is WriteMaildir with a progress callback.
func WriteMaildirProgress(root string, cfg Config, progress Progress) ([]Label, error) {
	g := New(cfg)
	folders := append([]string{""}, g.cfg.Folders...)
	for _, f := range folders {
		for _, sub := range []string{"cur", "new", "tmp"} {
			if err := os.MkdirAll(filepath.Join(root, f, sub), 0o755); err != nil {
				return nil, fmt.Errorf("create maildir: %w", err)
			}
		}
		if f != "" {
			if err := os.WriteFile(filepath.Join(root, f, "maildirfolder"), nil, 0o644); err != nil {
				return nil, fmt.Errorf("create maildir folder: %w", err)
			}
		}
	}
	// Placement has its own stream so that messages are the same bytes as
	// in WriteMbox for the same seed.
	place := newRNG(g.cfg.Seed ^ 0x6d61696c646972)
	host := "mail." + g.owner.dom.name
	pid := 1000 + place.IntN(60000)
	var labels []Label
	var total int64
	var buf []byte
	for !g.Done() {
		m := g.next()
		buf = appendLines(buf[:0], m.raw, g.cfg.CRLF)
		folder := ""
		if place.chance(0.3) {
			folder = pick(place, g.cfg.Folders)
		}
		base := fmt.Sprintf("%d.M%dP%dQ%d.%s,S=%d", m.date.Unix(), place.IntN(1000000), pid, len(labels)+1, host, len(buf))
		var rel string
		if place.chance(0.1) {
			rel = filepath.Join(folder, "new", base)
		} else {
			flags := pick(place, []string{"S", "S", "S", "RS", "FS", "PS", "", "ST"})
			rel = filepath.Join(folder, "cur", base+":2,"+flags)
		}
		path := filepath.Join(root, rel)
		if err := os.WriteFile(path, buf, 0o644); err != nil {
			return labels, fmt.Errorf("write maildir message: %w", err)
		}
		if err := os.Chtimes(path, m.date, m.date); err != nil {
			return labels, fmt.Errorf("set maildir message time: %w", err)
		}
		l := m.label
		l.Mailbox, l.Folder, l.File, l.Size = root, folder, filepath.ToSlash(rel), int64(len(buf))
		labels = append(labels, l)
		total += int64(len(buf))
		if progress != nil {
			progress(len(labels), total)
		}
	}
	return labels, nil
}

// WriteEMLDir writes cfg's messages as dir/000001.eml, dir/000002.eml, ...
// Labels carry File (relative to dir).
func WriteEMLDir(dir string, cfg Config) ([]Label, error) {
	return WriteEMLDirProgress(dir, cfg, nil)
}

// WriteEMLDirProgress is WriteEMLDir with a progress callback.
func WriteEMLDirProgress(dir string, cfg Config, progress Progress) ([]Label, error) {
	g := New(cfg)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("create eml folder: %w", err)
	}
	var labels []Label
	var total int64
	var buf []byte
	for !g.Done() {
		m := g.next()
		buf = appendLines(buf[:0], m.raw, g.cfg.CRLF)
		name := fmt.Sprintf("%06d.eml", len(labels)+1)
		path := filepath.Join(dir, name)
		if err := os.WriteFile(path, buf, 0o644); err != nil {
			return labels, fmt.Errorf("write eml: %w", err)
		}
		if err := os.Chtimes(path, m.date, m.date); err != nil {
			return labels, fmt.Errorf("set eml time: %w", err)
		}
		l := m.label
		l.Mailbox, l.File, l.Size = dir, name, int64(len(buf))
		labels = append(labels, l)
		total += int64(len(buf))
		if progress != nil {
			progress(len(labels), total)
		}
	}
	return labels, nil
}
