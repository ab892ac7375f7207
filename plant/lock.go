package plant

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"strconv"
	"time"
)

// lockTimeout bounds the wait for an mbox's locks; tests shorten it.
var lockTimeout = 20 * time.Second

// staleDotlock is the age after which a dotlock is taken to be left over
// by a crashed process and removed (procmail and mutt use about 5 minutes).
const staleDotlock = 5 * time.Minute

// mboxLock holds an mbox open and locked.
type mboxLock struct {
	f   *os.File
	dot string // the dotlock we created, "" when none
}

// lockMbox opens the mbox at path read-write and takes its dotlock and
// kernel locks, retrying with backoff until lockTimeout. It makes sure the
// file it locked is still the one at path (a remover may have replaced
// it). A missing file is created when create is set.
func lockMbox(ctx context.Context, path string, create bool, timeout time.Duration) (*mboxLock, error) {
	if timeout <= 0 {
		timeout = lockTimeout
	}
	if !create {
		if _, err := os.Stat(path); err != nil {
			return nil, fmt.Errorf("mbox %s: %w", path, err)
		}
	}
	deadline := time.Now().Add(timeout)
	backoff := 5 * time.Millisecond
	wait := func(what string) error {
		if time.Now().After(deadline) {
			return fmt.Errorf("%s: %w (%s held for more than %v)", path, ErrLocked, what, timeout)
		}
		t := time.NewTimer(backoff)
		defer t.Stop()
		select {
		case <-ctx.Done():
			return context.Cause(ctx)
		case <-t.C:
		}
		backoff = min(2*backoff, 500*time.Millisecond)
		return nil
	}

	l := &mboxLock{}
	dot := path + ".lock"
	for {
		df, err := os.OpenFile(dot, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
		if err == nil {
			df.WriteString(strconv.Itoa(os.Getpid()) + "\n")
			df.Close()
			l.dot = dot
			break
		}
		if errors.Is(err, fs.ErrPermission) {
			// No write access to the directory (a /var/mail spool that
			// only setgid-mail programs may lock in): the kernel lock
			// below is all we can take.
			break
		}
		if !errors.Is(err, fs.ErrExist) {
			return nil, fmt.Errorf("lock mbox: %w", err)
		}
		if fi, err := os.Stat(dot); err == nil && time.Since(fi.ModTime()) > staleDotlock {
			os.Remove(dot)
			continue
		}
		if err := wait("dotlock " + dot); err != nil {
			return nil, err
		}
	}

	flags := os.O_RDWR
	if create {
		flags |= os.O_CREATE
	}
	for {
		f, err := os.OpenFile(path, flags, 0o600)
		if err != nil {
			l.unlock()
			return nil, fmt.Errorf("open mbox: %w", err)
		}
		err = kernelLock(f)
		if err == nil {
			if same(f, path) {
				l.f = f
				return l, nil
			}
			f.Close() // replaced while we waited: lock the new file
			continue
		}
		f.Close()
		if !errors.Is(err, errWouldBlock) {
			l.unlock()
			return nil, fmt.Errorf("lock mbox %s: %w", path, err)
		}
		if err := wait("kernel lock"); err != nil {
			l.unlock()
			return nil, err
		}
	}
}

// same reports whether the open file f is the file now at path.
func same(f *os.File, path string) bool {
	a, err := f.Stat()
	if err != nil {
		return false
	}
	b, err := os.Stat(path)
	return err == nil && os.SameFile(a, b)
}

// unlock closes the file (dropping kernel locks) and removes the dotlock.
func (l *mboxLock) unlock() {
	if l.f != nil {
		l.f.Close()
		l.f = nil
	}
	if l.dot != "" {
		os.Remove(l.dot)
		l.dot = ""
	}
}
