package plant

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync/atomic"
	"time"
	"unicode/utf16"

	"github.com/mailtrip/mailtrip/mailfmt/maildir"
)

// maildirTarget plants into one folder of a Maildir or Maildir++ store.
type maildirTarget struct {
	root   string
	folder string // "INBOX" or "Sub/Folder"
	create bool
}

var _ Target = (*maildirTarget)(nil)

// deliveries counts Maildir deliveries of this process (the Q<n> of
// unique names).
var deliveries atomic.Int64

// cleanMaildirFolder checks a folder name and returns it with INBOX
// spelled "INBOX". "/" separates levels; "." is Maildir++'s separator on
// disk and so may not appear inside a level.
func cleanMaildirFolder(s string) (string, error) {
	if s == "" || strings.EqualFold(s, "INBOX") {
		return "INBOX", nil
	}
	for p := range strings.SplitSeq(s, "/") {
		switch {
		case p == "" || p == "." || p == "..":
			return "", fmt.Errorf("bad maildir folder %q", s)
		case strings.ContainsAny(p, ".\x00"):
			return "", fmt.Errorf("maildir folder %q: %q holds '.', the Maildir++ hierarchy separator (use '/')", s, p)
		}
	}
	return s, nil
}

// folderDir returns the directory of the target folder, creating the
// Maildir or the folder when allowed.
func (t *maildirTarget) folderDir() (string, error) {
	if !maildir.IsMaildir(t.root) {
		if _, err := os.Stat(t.root); err == nil {
			if !t.create {
				return "", fmt.Errorf("%s is not a Maildir (no cur/ and new/)", t.root)
			}
		} else if !errors.Is(err, fs.ErrNotExist) {
			return "", fmt.Errorf("maildir %s: %w", t.root, err)
		} else if !t.create {
			return "", fmt.Errorf("maildir %s: %w (use Create to make it)", t.root, fs.ErrNotExist)
		}
		if err := makeMaildir(t.root, false); err != nil {
			return "", err
		}
	}
	if t.folder == "INBOX" {
		return t.root, ensureTmp(t.root)
	}
	folders, err := maildir.Folders(t.root)
	if err != nil {
		return "", err
	}
	for _, f := range folders {
		if f.Name == t.folder {
			return f.Path, ensureTmp(f.Path)
		}
	}
	dir := filepath.Join(t.root, "."+encodeFolder(t.folder))
	if !t.create {
		return "", fmt.Errorf("maildir folder %q (%s): %w (use Create to make it)", t.folder, dir, fs.ErrNotExist)
	}
	return dir, makeMaildir(dir, true)
}

// makeMaildir creates dir with cur/, new/ and tmp/ and, for a Maildir++
// folder, the maildirfolder marker file.
func makeMaildir(dir string, sub bool) error {
	for _, s := range [...]string{"cur", "new", "tmp"} {
		if err := os.MkdirAll(filepath.Join(dir, s), 0o700); err != nil {
			return fmt.Errorf("create maildir: %w", err)
		}
	}
	if sub {
		f, err := os.OpenFile(filepath.Join(dir, "maildirfolder"), os.O_WRONLY|os.O_CREATE, 0o600)
		if err != nil {
			return fmt.Errorf("create maildir folder: %w", err)
		}
		f.Close()
	}
	return syncDir(filepath.Dir(dir))
}

func ensureTmp(dir string) error {
	if err := os.Mkdir(filepath.Join(dir, "tmp"), 0o700); err != nil && !errors.Is(err, fs.ErrExist) {
		return fmt.Errorf("create maildir tmp: %w", err)
	}
	return nil
}

// encodeFolder gives the Maildir++ directory name of a folder (without the
// leading '.'): levels joined with '.', each in IMAP modified UTF-7.
func encodeFolder(name string) string {
	parts := strings.Split(name, "/")
	for i, p := range parts {
		parts[i] = encodeMUTF7(p)
	}
	return strings.Join(parts, ".")
}

var mutf7 = base64.NewEncoding("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+,").WithPadding(base64.NoPadding)

// encodeMUTF7 encodes s in modified UTF-7 (RFC 3501 5.1.3): printable
// ASCII but '&' as is, "&" as "&-", other runs as "&" base64(UTF-16BE) "-".
func encodeMUTF7(s string) string {
	var b strings.Builder
	var run []rune
	flush := func() {
		if len(run) == 0 {
			return
		}
		u := utf16.Encode(run)
		raw := make([]byte, 2*len(u))
		for i, c := range u {
			raw[2*i], raw[2*i+1] = byte(c>>8), byte(c)
		}
		b.WriteByte('&')
		b.WriteString(mutf7.EncodeToString(raw))
		b.WriteByte('-')
		run = run[:0]
	}
	for _, r := range s {
		if r >= 0x20 && r <= 0x7e {
			flush()
			if r == '&' {
				b.WriteString("&-")
			} else {
				b.WriteRune(r)
			}
			continue
		}
		run = append(run, r)
	}
	flush()
	return b.String()
}

// hostPart is the host name for unique names, with '/' and ':' escaped
// as the Maildir spec says (and ',' so that Maildir++ fields stay apart).
func hostPart() string {
	h, err := os.Hostname()
	if err != nil || h == "" {
		h = "localhost"
	}
	return strings.NewReplacer("/", `\057`, ":", `\072`, ",", `\054`).Replace(h)
}

// cleanFlags returns the flags in ASCII order without duplicates.
func cleanFlags(s string) (string, error) {
	b := []byte(s)
	for _, c := range b {
		if !('A' <= c && c <= 'Z' || 'a' <= c && c <= 'z') {
			return "", fmt.Errorf("bad maildir flag %q in %q", c, s)
		}
	}
	slices.Sort(b)
	return string(slices.Compact(b)), nil
}

// Plant delivers m into the folder: the message is written to tmp/,
// synced, and linked into new/ (no flags) or cur/ with ":2,<flags>".
func (t *maildirTarget) Plant(ctx context.Context, m Message) (Receipt, error) {
	if err := ctxErr(ctx); err != nil {
		return Receipt{}, err
	}
	if len(m.Raw) == 0 {
		return Receipt{}, errors.New("plant: empty message")
	}
	flags, err := cleanFlags(m.Flags)
	if err != nil {
		return Receipt{}, err
	}
	dir, err := t.folderDir()
	if err != nil {
		return Receipt{}, err
	}
	m.Flags = flags
	return t.deliver(ctx, dir, m)
}

// deliver writes m into the Maildir folder at dir.
func (t *maildirTarget) deliver(ctx context.Context, dir string, m Message) (Receipt, error) {
	flags := m.Flags
	data := toLF(m.Raw)
	date := m.Date
	if date.IsZero() {
		date = time.Now()
	}
	host := hostPart()
	for range 100 {
		now := time.Now()
		unique := fmt.Sprintf("%d.M%dP%dQ%d.%s,S=%d", date.Unix(), now.Nanosecond()/1000, os.Getpid(), deliveries.Add(1), host, len(data))
		tmp := filepath.Join(dir, "tmp", unique)
		f, err := os.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
		if errors.Is(err, fs.ErrExist) {
			continue
		}
		if err != nil {
			return Receipt{}, fmt.Errorf("maildir deliver: %w", err)
		}
		if err := writeSyncClose(f, data, date, 0o600); err != nil {
			os.Remove(tmp)
			return Receipt{}, fmt.Errorf("maildir deliver: %w", err)
		}
		final := filepath.Join(dir, "new", unique)
		if flags != "" {
			final = filepath.Join(dir, "cur", unique+":2,"+flags)
		}
		err = linkNoReplace(tmp, final)
		if errors.Is(err, fs.ErrExist) {
			os.Remove(tmp)
			continue
		}
		if err != nil {
			os.Remove(tmp)
			return Receipt{}, fmt.Errorf("maildir deliver: %w", err)
		}
		if err := syncDir(filepath.Dir(final)); err != nil {
			return Receipt{}, fmt.Errorf("maildir deliver: %w", err)
		}
		return Receipt{
			Kind: KindMaildir, Target: t.root, Folder: t.folder, Path: final,
			Size: int64(len(data)), SHA256: hexSHA(data), MessageID: m.MessageID,
		}, nil
	}
	return Receipt{}, fmt.Errorf("maildir deliver into %s: no unique name free", dir)
}

// found is where a planted Maildir message is now.
type found struct {
	path, folder, flags string
}

// locate finds the file of a planted message by the unique part of its
// name: the planted path, then the planted folder's cur/ and new/, then
// every folder of the store. A file Dovecot renamed to add ",W=<vsize>"
// is still found. ok is false when it is nowhere; an unreadable directory
// makes that an error, since "nowhere" cannot be said then.
func (t *maildirTarget) locate(ctx context.Context, r Receipt) (f found, ok bool, err error) {
	info, err := maildir.ParseName(filepath.Base(r.Path))
	if err != nil {
		return f, false, fmt.Errorf("receipt path %s: %w", r.Path, err)
	}
	if _, err := os.Lstat(r.Path); err == nil {
		return found{path: r.Path, folder: r.Folder, flags: info.Flags}, true, nil
	}
	match := func(u string) bool {
		return u == info.Unique || strings.HasPrefix(u, info.Unique+",")
	}
	folderDir := filepath.Dir(filepath.Dir(r.Path))
	for _, sub := range [...]string{"cur", "new"} {
		ents, _ := os.ReadDir(filepath.Join(folderDir, sub))
		for _, e := range ents {
			if in, err := maildir.ParseName(e.Name()); err == nil && match(in.Unique) {
				return found{path: filepath.Join(folderDir, sub, e.Name()), folder: r.Folder, flags: in.Flags}, true, nil
			}
		}
	}
	root := r.Target
	if root == "" {
		root = t.root
	}
	var walkErr error
	for e := range maildir.Walk(root) {
		if err := ctxErr(ctx); err != nil {
			return f, false, err
		}
		if e.Err != nil {
			if !errors.Is(e.Err, maildir.ErrName) && walkErr == nil {
				walkErr = e.Err
			}
			continue
		}
		if match(e.Info.Unique) {
			return found{path: e.Path, folder: e.Folder, flags: e.Info.Flags}, true, nil
		}
	}
	if walkErr != nil {
		return f, false, fmt.Errorf("look for decoy in %s: %w", root, walkErr)
	}
	return f, false, nil
}

// locateHash is locate followed by hashing the file found, looking again
// when a mail client renamed the file in between.
func (t *maildirTarget) locateHash(ctx context.Context, r Receipt) (f found, ok bool, sum string, err error) {
	for range 5 {
		f, ok, err = t.locate(ctx, r)
		if err != nil || !ok {
			return f, ok, "", err
		}
		sum, _, err = hashFile(f.path)
		if !errors.Is(err, fs.ErrNotExist) {
			return f, err == nil, sum, err
		}
	}
	return f, false, "", fmt.Errorf("decoy %s keeps being renamed: %w", f.path, err)
}

// Verify looks for the planted file by its unique name part, in the
// planted folder first and then in every folder, and compares its bytes
// and flags with what was planted.
func (t *maildirTarget) Verify(ctx context.Context, r Receipt) (Status, error) {
	if err := ctxErr(ctx); err != nil {
		return Status{}, err
	}
	f, ok, sum, err := t.locateHash(ctx, r)
	if err != nil {
		return Status{}, err
	}
	if !ok {
		return Status{Detail: fmt.Sprintf("deleted: %v (no file %s* in any folder of %s)", ErrGone, uniqueOf(r.Path), r.Target)}, nil
	}
	planted, _ := maildir.ParseName(filepath.Base(r.Path))
	var st Status
	var notes []string
	if r.Folder == "" {
		r.Folder = "INBOX" // as a store may record the top level
	}
	if f.folder == "" {
		f.folder = r.Folder
	}
	if f.folder != r.Folder {
		st.Moved = f.path
		notes = append(notes, fmt.Sprintf("moved from %s to %s (%s)", r.Folder, f.folder, f.path))
	}
	if sum != r.SHA256 {
		st.Modified = true
		notes = append(notes, "modified: its content differs from what was planted")
	}
	if f.flags != planted.Flags {
		st.FlagsChanged = f.flags
		if st.FlagsChanged == "" {
			st.FlagsChanged = "-"
		}
		notes = append(notes, fmt.Sprintf("flags changed from %q to %q", planted.Flags, f.flags))
	}
	st.Present = st.Moved == "" && !st.Modified
	switch {
	case len(notes) > 0:
		st.Detail = strings.Join(notes, "; ")
	case f.path != r.Path:
		st.Detail = fmt.Sprintf("present in %s (%s, seen by a mail client)", r.Folder, f.path)
	default:
		st.Detail = fmt.Sprintf("present in %s", r.Folder)
	}
	return st, nil
}

// Remove deletes the planted file wherever it is now, if its bytes are
// still those planted.
func (t *maildirTarget) Remove(ctx context.Context, r Receipt) error {
	if err := ctxErr(ctx); err != nil {
		return err
	}
	f, ok, sum, err := t.locateHash(ctx, r)
	if err != nil || !ok {
		return err
	}
	if sum != r.SHA256 {
		return fmt.Errorf("refusing to remove %s: %w (it may have been edited by a person; remove it by hand if it is the decoy)", f.path, ErrModified)
	}
	if err := os.Remove(f.path); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("remove decoy: %w", err)
	}
	return syncDir(filepath.Dir(f.path))
}

func uniqueOf(path string) string {
	info, _ := maildir.ParseName(filepath.Base(path))
	return info.Unique
}
