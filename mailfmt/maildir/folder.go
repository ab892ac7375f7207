package maildir

import (
	"encoding/base64"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"unicode/utf16"
)

// Folder is one Maildir folder of a mail store.
type Folder struct {
	Name string // "INBOX" for the root, "Sub/Folder" below it
	Path string // directory holding cur/ and new/
}

// maxDepth bounds the search for nested (LAYOUT=fs) folders.
const maxDepth = 16

// IsMaildir reports whether dir has cur/ and new/ subdirectories (tmp/ is
// optional: readers do not need it).
func IsMaildir(dir string) bool {
	return isDir(filepath.Join(dir, "cur")) && isDir(filepath.Join(dir, "new"))
}

func isDir(p string) bool {
	fi, err := os.Stat(p)
	return err == nil && fi.IsDir()
}

// Folders lists the folders of the mail store at root: root itself as
// "INBOX" when it is a Maildir, Maildir++ subfolders ".Sub.Folder" as
// "Sub/Folder", and plain Maildirs nested below root (Dovecot LAYOUT=fs,
// "Sub/Folder/cur") under their relative path. Names in IMAP modified
// UTF-7 ("&AOk-t&AOk-") are decoded. INBOX comes first, the rest sorted by
// name. Only an unreadable root is an error; unreadable subdirectories are
// left out (Walk reports them).
func Folders(root string) ([]Folder, error) {
	ents, err := os.ReadDir(root)
	if err != nil {
		return nil, fmt.Errorf("read maildir root: %w", err)
	}
	var out []Folder
	if IsMaildir(root) {
		out = append(out, Folder{Name: "INBOX", Path: root})
	}
	var sub []Folder
	for _, e := range ents {
		n := e.Name()
		if !e.IsDir() || n == "cur" || n == "new" || n == "tmp" {
			continue
		}
		p := filepath.Join(root, n)
		if strings.HasPrefix(n, ".") {
			// Maildir++: ".Sub.Folder"; "." and ".." are not listed by
			// ReadDir, other dot-dirs that are no Maildir are skipped.
			if len(n) > 1 && IsMaildir(p) {
				sub = append(sub, Folder{Name: folderName(strings.ReplaceAll(n[1:], ".", "/")), Path: p})
			}
			continue
		}
		sub = nested(sub, p, n, 1)
	}
	slices.SortFunc(sub, func(a, b Folder) int { return strings.Compare(a.Name, b.Name) })
	return append(out, sub...), nil
}

// nested adds dir (named name relative to the root) and the Maildirs below
// it, the LAYOUT=fs way. Symbolic links are not followed.
func nested(out []Folder, dir, name string, depth int) []Folder {
	if depth > maxDepth {
		return out
	}
	if IsMaildir(dir) {
		out = append(out, Folder{Name: folderName(name), Path: dir})
	}
	ents, err := os.ReadDir(dir)
	if err != nil {
		return out
	}
	for _, e := range ents {
		n := e.Name()
		if !e.IsDir() || strings.HasPrefix(n, ".") || n == "cur" || n == "new" || n == "tmp" {
			continue
		}
		out = nested(out, filepath.Join(dir, n), name+"/"+n, depth+1)
	}
	return out
}

// folderName decodes IMAP modified UTF-7 (RFC 3501 5.1.3) in each
// "/"-separated part, keeping a part raw when it is not valid.
func folderName(raw string) string {
	if !strings.Contains(raw, "&") {
		return raw
	}
	parts := strings.Split(raw, "/")
	for i, p := range parts {
		if d, ok := decodeMUTF7(p); ok {
			parts[i] = d
		}
	}
	return strings.Join(parts, "/")
}

// decodeMUTF7 decodes modified UTF-7:
//
//	mutf7   = *(printable-ascii-but-& / "&-" / "&" b64 "-")
//	b64     = 1*(A-Z a-z 0-9 + ,)   ; UTF-16BE in base64 with "," for "/", no padding
var mutf7 = base64.NewEncoding("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+,").WithPadding(base64.NoPadding)

func decodeMUTF7(s string) (string, bool) {
	var b strings.Builder
	for len(s) > 0 {
		i := strings.IndexByte(s, '&')
		if i < 0 {
			b.WriteString(s)
			break
		}
		b.WriteString(s[:i])
		s = s[i+1:]
		j := strings.IndexByte(s, '-')
		if j < 0 {
			return "", false
		}
		if j == 0 {
			b.WriteByte('&')
			s = s[1:]
			continue
		}
		raw, err := mutf7.DecodeString(s[:j])
		if err != nil || len(raw)%2 != 0 {
			return "", false
		}
		u := make([]uint16, len(raw)/2)
		for k := range u {
			u[k] = uint16(raw[2*k])<<8 | uint16(raw[2*k+1])
		}
		b.WriteString(string(utf16.Decode(u)))
		s = s[j+1:]
	}
	return b.String(), true
}
