package ingest

import (
	"context"
	"io/fs"
	"os"
	"os/user"
	"path/filepath"
	"sort"
	"sync/atomic"
)

// Location is a standard local mail-store location that exists.
type Location struct {
	Path string
	What string // "Maildir", "mbox spool", "Thunderbird profile", ...
	// Outlook is set for Outlook data files, which are listed but not read.
	Outlook bool
}

// Env is what DefaultLocations looks at, so tests can point it elsewhere.
type Env struct {
	Home    string // the user's home directory
	User    string // the login name, for the mbox spool
	Mail    string // $MAIL
	DataDir string // $XDG_DATA_HOME or ~/.local/share
	Cache   string // $XDG_CACHE_HOME or ~/.cache
	Root    string // prefix for absolute system paths ("" = /)
}

// CurrentEnv describes the running user.
func CurrentEnv() Env {
	home, _ := os.UserHomeDir()
	e := Env{Home: home, User: os.Getenv("USER"), Mail: os.Getenv("MAIL")}
	if e.User == "" {
		e.User = os.Getenv("LOGNAME")
	}
	if e.User == "" {
		if u, err := user.Current(); err == nil {
			e.User = u.Username
		}
	}
	e.DataDir = os.Getenv("XDG_DATA_HOME")
	if e.DataDir == "" && home != "" {
		e.DataDir = filepath.Join(home, ".local", "share")
	}
	e.Cache = os.Getenv("XDG_CACHE_HOME")
	if e.Cache == "" && home != "" {
		e.Cache = filepath.Join(home, ".cache")
	}
	return e
}

// Candidates lists every place DefaultLocations looks, as glob patterns,
// with what each is. It is printed by `mailtrip scan --help` and when
// nothing is found.
func (e Env) Candidates() []Location {
	var c []Location
	add := func(what string, outlook bool, parts ...string) {
		if parts[0] == "" {
			return
		}
		c = append(c, Location{Path: filepath.Join(parts...), What: what, Outlook: outlook})
	}
	add("mbox spool ($MAIL)", false, e.Mail)
	if e.User != "" {
		add("mbox spool", false, e.Root+"/var/mail", e.User)
		add("mbox spool", false, e.Root+"/var/spool/mail", e.User)
	}
	add("Maildir", false, e.Home, "Maildir")
	add("Maildir", false, e.Home, ".maildir")
	add("mail folder (mutt, pine)", false, e.Home, "mail")
	for _, tb := range []string{".thunderbird", ".mozilla-thunderbird",
		"snap/thunderbird/common/.thunderbird", ".var/app/org.mozilla.Thunderbird/.thunderbird"} {
		add("Thunderbird local folders", false, e.Home, tb, "*", "Mail")
		add("Thunderbird IMAP cache", false, e.Home, tb, "*", "ImapMail")
	}
	add("Evolution local mail", false, e.DataDir, "evolution", "mail", "local")
	add("Evolution IMAP cache", false, e.Cache, "evolution", "mail", "*", "folders")
	add("Outlook data files", true, e.Home, "Documents", "Outlook Files", "*.[po]st")
	add("Outlook data files", true, e.Home, "AppData", "Local", "Microsoft", "Outlook", "*.[po]st")
	add("Outlook data files (WSL)", true, e.Root+"/mnt/c/Users", "*", "Documents", "Outlook Files", "*.[po]st")
	add("Outlook data files (WSL)", true, e.Root+"/mnt/c/Users", "*", "AppData", "Local", "Microsoft", "Outlook", "*.[po]st")
	return c
}

// DefaultLocations returns the standard local mail stores that exist, each
// once, in a stable order.
func (e Env) DefaultLocations() []Location {
	var found []Location
	seen := map[string]bool{}
	for _, cand := range e.Candidates() {
		matches, _ := filepath.Glob(cand.Path)
		sort.Strings(matches)
		for _, m := range matches {
			if seen[m] {
				continue
			}
			if fi, err := os.Stat(m); err != nil || (fi.Size() == 0 && !fi.IsDir()) {
				continue
			}
			seen[m] = true
			found = append(found, Location{Path: m, What: cand.What, Outlook: cand.Outlook})
		}
	}
	return found
}

// TotalSize adds up the sizes of the regular files under paths, counting
// as it goes into *n, for a progress display that wants the total before
// the planner has listed everything. Unreadable entries are skipped (the
// planner reports them); it stops early when ctx is cancelled.
func TotalSize(ctx context.Context, paths []string, n *atomic.Int64) {
	for _, p := range paths {
		_ = filepath.WalkDir(p, func(_ string, d fs.DirEntry, err error) error {
			if ctx.Err() != nil {
				return filepath.SkipAll
			}
			if err != nil || d.IsDir() || !d.Type().IsRegular() {
				return nil
			}
			if fi, err := d.Info(); err == nil {
				n.Add(fi.Size())
			}
			return nil
		})
	}
}
