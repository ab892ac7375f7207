package maildir

import (
	"fmt"
	"iter"
	"os"
	"path/filepath"
)

// Entry is one message file found by Walk, or a problem found while
// walking (Err set, Path naming the file or directory concerned).
type Entry struct {
	Path   string // file path
	Folder string // Folder.Name
	Sub    string // "cur" or "new"
	Info   Info
	Err    error
}

// Walk yields every message file of the mail store at root: the cur/ and
// new/ files of every folder [Folders] finds, in folder order and file
// name order. It skips tmp/ (messages being delivered), subdirectories
// of cur/ and new/, and dotfiles; Dovecot's index and uidlist files live
// beside cur/ and are never looked at. An unreadable directory or a file
// name [ParseName] rejects yields an Entry with Err set, and the walk goes
// on. Stopping the iteration stops the walk.
func Walk(root string) iter.Seq[Entry] {
	return func(yield func(Entry) bool) {
		folders, err := Folders(root)
		if err != nil {
			yield(Entry{Path: root, Err: err})
			return
		}
		for _, f := range folders {
			for _, sub := range [...]string{"cur", "new"} {
				dir := filepath.Join(f.Path, sub)
				ents, err := os.ReadDir(dir)
				if err != nil {
					if !yield(Entry{Path: dir, Folder: f.Name, Sub: sub, Err: fmt.Errorf("read %s: %w", dir, err)}) {
						return
					}
					// ReadDir returns what it read before the error.
				}
				for _, e := range ents {
					n := e.Name()
					if len(n) > 0 && n[0] == '.' || e.IsDir() {
						continue
					}
					if t := e.Type(); !t.IsRegular() && t&os.ModeSymlink == 0 {
						continue // sockets, fifos, devices
					}
					p := filepath.Join(dir, n)
					ent := Entry{Path: p, Folder: f.Name, Sub: sub}
					ent.Info, ent.Err = ParseName(n)
					if ent.Err != nil {
						ent.Err = fmt.Errorf("%s: %w", p, ent.Err)
					}
					if !yield(ent) {
						return
					}
				}
			}
		}
	}
}
