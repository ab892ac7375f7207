package plant

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// toLF returns raw with CRLF (and lone CR) line ends turned into LF, ending
// with a line end.
func toLF(raw []byte) []byte {
	out := make([]byte, 0, len(raw)+1)
	for i := 0; i < len(raw); i++ {
		c := raw[i]
		if c == '\r' {
			if i+1 < len(raw) && raw[i+1] == '\n' {
				continue
			}
			c = '\n'
		}
		out = append(out, c)
	}
	if len(out) > 0 && out[len(out)-1] != '\n' {
		out = append(out, '\n')
	}
	return out
}

func hexSHA(b []byte) string {
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}

// hashFile returns the SHA-256 and size of the file at path.
func hashFile(path string) (string, int64, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", 0, err
	}
	defer f.Close()
	h := sha256.New()
	n, err := io.Copy(h, f)
	if err != nil {
		return "", 0, fmt.Errorf("read %s: %w", path, err)
	}
	return hex.EncodeToString(h.Sum(nil)), n, nil
}

// syncDir makes a directory entry change durable. File systems that cannot
// sync a directory are not an error.
func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	if err := d.Sync(); err != nil && !errors.Is(err, os.ErrInvalid) && !isNotSupported(err) {
		return fmt.Errorf("sync %s: %w", dir, err)
	}
	return nil
}

// writeTemp writes data to a new file in dir named by pattern
// (os.CreateTemp), syncs it and sets its times; on error nothing is left.
func writeTemp(dir, pattern string, data []byte, mtime time.Time, perm fs.FileMode) (string, error) {
	f, err := os.CreateTemp(dir, pattern)
	if err != nil {
		return "", err
	}
	name := f.Name()
	if err := writeSyncClose(f, data, mtime, perm); err != nil {
		os.Remove(name)
		return "", err
	}
	return name, nil
}

// writeSyncClose writes data to f, syncs and closes it, and sets its mode
// and times.
func writeSyncClose(f *os.File, data []byte, mtime time.Time, perm fs.FileMode) error {
	name := f.Name()
	_, err := f.Write(data)
	if err == nil {
		err = f.Chmod(perm)
	}
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("write %s: %w", name, err)
	}
	if !mtime.IsZero() {
		if err := os.Chtimes(name, mtime, mtime); err != nil {
			return fmt.Errorf("set time of %s: %w", name, err)
		}
	}
	return nil
}

// linkNoReplace gives the file at tmp the name final without replacing an
// existing file: a hard link where the file system has them, else a rename
// after checking final does not exist. tmp is removed either way on
// success; an existing final yields an error wrapping fs.ErrExist.
func linkNoReplace(tmp, final string) error {
	err := os.Link(tmp, final)
	if err == nil {
		os.Remove(tmp)
		return nil
	}
	if errors.Is(err, fs.ErrExist) {
		return err
	}
	// No hard links here (some FUSE and network file systems).
	if _, serr := os.Lstat(final); serr == nil {
		return &fs.PathError{Op: "link", Path: final, Err: fs.ErrExist}
	} else if !errors.Is(serr, fs.ErrNotExist) {
		return err
	}
	if rerr := os.Rename(tmp, final); rerr != nil {
		return err
	}
	return nil
}

// writeNoClobber writes data atomically as dir/base+ext, or as
// "base (2)"+ext, "base (3)"+ext ... when the name is taken. It returns
// the path written.
func writeNoClobber(dir, base, ext string, data []byte, mtime time.Time) (string, error) {
	tmp, err := writeTemp(dir, ".plant-*.tmp", data, mtime, 0o644)
	if err != nil {
		return "", err
	}
	defer os.Remove(tmp) // after a successful link; harmless otherwise
	for i := 1; i <= 1000; i++ {
		name := base + ext
		if i > 1 {
			name = fmt.Sprintf("%s (%d)%s", base, i, ext)
		}
		final := filepath.Join(dir, name)
		err := linkNoReplace(tmp, final)
		if err == nil {
			if err := syncDir(dir); err != nil {
				return final, err
			}
			return final, nil
		}
		if !errors.Is(err, fs.ErrExist) {
			return "", err
		}
	}
	return "", fmt.Errorf("write %s%s in %s: too many files of that name", base, ext, dir)
}

// sanitizeName turns a subject into a file name that is valid on common
// file systems: characters Windows forbids and control characters become
// '_', runs of white space one space, leading and trailing dots and spaces
// go, and the result is cut to at most 120 bytes on a rune boundary.
func sanitizeName(s string) string {
	var b strings.Builder
	space := false
	for _, r := range s {
		switch {
		case r == ' ' || r == '\t' || r == '\u00a0':
			if !space {
				b.WriteByte(' ')
			}
			space = true
			continue
		case r < 0x20 || r == 0x7f || strings.ContainsRune(`<>:"/\|?*`, r):
			r = '_'
		}
		space = false
		b.WriteRune(r)
	}
	out := strings.Trim(b.String(), " .")
	if len(out) > 120 {
		cut := 120
		for cut > 0 && !isRuneStart(out[cut]) {
			cut--
		}
		out = strings.TrimRight(out[:cut], " .")
	}
	return out
}

func isRuneStart(c byte) bool { return c&0xc0 != 0x80 }

// readAt reads n bytes at off, or fewer at the end of the file.
func readAt(f io.ReaderAt, off, n int64) ([]byte, error) {
	b := make([]byte, n)
	m, err := f.ReadAt(b, off)
	if err == io.EOF {
		err = nil
	}
	return b[:m], err
}
