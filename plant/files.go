package plant

import (
	"context"
	"errors"
	"fmt"
	"hash/fnv"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// fileTarget writes each decoy as a file: "<subject>.eml" in a folder
// (eml:) or under an enticing folder tree (files:).
type fileTarget struct {
	kind   string // KindEML or KindFiles
	dir    string
	sub    string // files: Options.Folder, slash-separated
	create bool
}

var _ Target = (*fileTarget)(nil)

// maxSearch bounds the files Verify and Remove look at when a decoy file
// is not at its planted path.
const maxSearch = 100000

// Plant writes m atomically (temporary file, sync, link) without
// replacing any file: a taken name gets " (2)", " (3)" ...
func (t *fileTarget) Plant(ctx context.Context, m Message) (Receipt, error) {
	if err := ctxErr(ctx); err != nil {
		return Receipt{}, err
	}
	if len(m.Raw) == 0 {
		return Receipt{}, errors.New("plant: empty message")
	}
	if fi, err := os.Stat(t.dir); err != nil {
		if !errors.Is(err, fs.ErrNotExist) || !t.create {
			return Receipt{}, fmt.Errorf("%s target %s: %w", t.kind, t.dir, err)
		}
	} else if !fi.IsDir() {
		return Receipt{}, fmt.Errorf("%s target %s is not a directory", t.kind, t.dir)
	}
	date := m.Date
	if date.IsZero() {
		date = time.Now()
	}
	rel, base := "", sanitizeName(m.Subject)
	if t.kind == KindFiles {
		rel = t.sub
		if rel == "" {
			rel = enticingFolder(m.Subject, date)
		}
	}
	if base == "" {
		base = sanitizeName(m.DecoyID)
	}
	if base == "" {
		base = "message"
	}
	dir := filepath.Join(t.dir, filepath.FromSlash(rel))
	// The target root must exist (or Create be set); folders below it of
	// a files: target are part of the decoy and always made.
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return Receipt{}, fmt.Errorf("create %s: %w", dir, err)
	}
	data := toLF(m.Raw)
	path, err := writeNoClobber(dir, base, ".eml", data, date)
	if err != nil {
		return Receipt{}, fmt.Errorf("plant %s: %w", t.kind, err)
	}
	return Receipt{
		Kind: t.kind, Target: t.dir, Folder: rel, Path: path,
		Size: int64(len(data)), SHA256: hexSHA(data), MessageID: m.MessageID,
	}, nil
}

// enticingFolder picks, from the subject and date alone, a folder path of
// the kind an intruder looks in: an archive or export tree by year, and a
// department the subject suggests.
func enticingFolder(subject string, date time.Time) string {
	h := fnv.New64a()
	h.Write([]byte(subject))
	h.Write([]byte(date.UTC().Format(time.RFC3339)))
	n := h.Sum64()
	y := date.Year()
	tops := []string{
		fmt.Sprintf("Mail Archive %d", y),
		"Exports/Outlook/Archive " + fmt.Sprint(y),
		fmt.Sprintf("Backup/Mail/%d", y),
		fmt.Sprintf("Email Export %d-%02d", y, int(date.Month())),
		fmt.Sprintf("Old Mail/%d", y),
		"Exports/Outlook/Personal Folders",
	}
	top := tops[n%uint64(len(tops))]
	return top + "/" + area(subject, n>>8)
}

// area names a department folder for a subject.
func area(subject string, n uint64) string {
	s := strings.ToLower(subject)
	for _, a := range []struct {
		name  string
		words []string
	}{
		{"Finance", []string{"wire", "payment", "invoice", "bank", "remittance", "transfer", "iban", "vendor"}},
		{"IT", []string{"password", "vpn", "mfa", "credential", "admin", "access", "login", "backup code", "account"}},
		{"HR", []string{"payroll", "salary", "compensation", "bonus", "restructur", "severance"}},
		{"Legal", []string{"legal", "litigation", "settlement", "contract", "nda", "hold"}},
		{"Board", []string{"merger", "acquisition", "board", "diligence", "data room", "deal", "m&a"}},
		{"Crypto", []string{"wallet", "crypto", "seed", "exchange", "ledger"}},
	} {
		for _, w := range a.words {
			if strings.Contains(s, w) {
				return a.name
			}
		}
	}
	other := []string{"Finance", "Management", "Confidential", "Projects"}
	return other[n%uint64(len(other))]
}

// locate returns the path of the planted file: the receipt's path, or a
// file under the target with the planted bytes (moved), or "".
func (t *fileTarget) locate(ctx context.Context, r Receipt) (path string, moved bool, sum string, err error) {
	sum, _, err = hashFile(r.Path)
	if err == nil {
		return r.Path, false, sum, nil
	}
	if !errors.Is(err, fs.ErrNotExist) {
		return "", false, "", err
	}
	root := r.Target
	if root == "" {
		root = t.dir
	}
	seen := 0
	var hit string
	werr := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return nil // unreadable folders are skipped
		}
		if seen++; seen > maxSearch {
			return fs.SkipAll
		}
		if err := ctxErr(ctx); err != nil {
			return err
		}
		if !d.Type().IsRegular() {
			return nil
		}
		if r.Size > 0 {
			if fi, err := d.Info(); err != nil || fi.Size() != r.Size {
				return nil
			}
		}
		if s, _, err := hashFile(p); err == nil && s == r.SHA256 {
			hit = p
			return fs.SkipAll
		}
		return nil
	})
	if werr != nil {
		return "", false, "", werr
	}
	if hit != "" {
		return hit, true, r.SHA256, nil
	}
	return "", false, "", nil
}

// Verify checks the file at the planted path, or finds its bytes
// elsewhere under the target.
func (t *fileTarget) Verify(ctx context.Context, r Receipt) (Status, error) {
	if err := ctxErr(ctx); err != nil {
		return Status{}, err
	}
	p, moved, sum, err := t.locate(ctx, r)
	switch {
	case err != nil:
		return Status{}, err
	case p == "":
		return Status{Detail: fmt.Sprintf("deleted: %v (%s no longer exists)", ErrGone, r.Path)}, nil
	case moved:
		return Status{Moved: p, Detail: fmt.Sprintf("moved from %s to %s", r.Path, p)}, nil
	case sum != r.SHA256:
		return Status{Modified: true, Detail: fmt.Sprintf("modified: %s differs from what was planted", p)}, nil
	}
	return Status{Present: true, Detail: "present"}, nil
}

// Remove deletes the planted file (or a moved copy with the planted
// bytes), and for files: the folders it leaves empty below the target.
func (t *fileTarget) Remove(ctx context.Context, r Receipt) error {
	if err := ctxErr(ctx); err != nil {
		return err
	}
	p, _, sum, err := t.locate(ctx, r)
	if err != nil || p == "" {
		return err
	}
	if sum != r.SHA256 {
		return fmt.Errorf("refusing to remove %s: %w (it may have been edited by a person; remove it by hand if it is the decoy)", p, ErrModified)
	}
	if err := os.Remove(p); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("remove decoy: %w", err)
	}
	if err := syncDir(filepath.Dir(p)); err != nil {
		return err
	}
	if t.kind != KindFiles {
		return nil
	}
	root := r.Target
	if root == "" {
		root = t.dir
	}
	for d := filepath.Dir(p); ; d = filepath.Dir(d) {
		rel, err := filepath.Rel(root, d)
		if err != nil || rel == "." || strings.HasPrefix(rel, "..") {
			break
		}
		if os.Remove(d) != nil { // not empty: someone else's files are there
			break
		}
	}
	return nil
}
