package filetrap

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"

	"golang.org/x/sys/unix"
)

// fanotify (fanotify(7)): the kernel reports each open, read and close of a
// marked file with the process that did it and an open descriptor of the
// file, which names it through /proc/self/fd. Notification class only: the
// trap never blocks the access.
type fanotify struct {
	notifyFD
	mask uint64
}

const fanMask = unix.FAN_OPEN | unix.FAN_ACCESS | unix.FAN_CLOSE_NOWRITE | unix.FAN_OPEN_EXEC

func newFanotify() (watcher, error) {
	fd, err := unix.FanotifyInit(unix.FAN_CLASS_NOTIF|unix.FAN_CLOEXEC|unix.FAN_NONBLOCK,
		unix.O_RDONLY|unix.O_LARGEFILE|unix.O_CLOEXEC|unix.O_NOATIME)
	if err != nil {
		// O_NOATIME (so the trap's descriptor leaves atime alone) needs
		// CAP_FOWNER and a kernel that takes it here.
		fd, err = unix.FanotifyInit(unix.FAN_CLASS_NOTIF|unix.FAN_CLOEXEC|unix.FAN_NONBLOCK,
			unix.O_RDONLY|unix.O_LARGEFILE|unix.O_CLOEXEC)
	}
	if err != nil {
		return nil, fmt.Errorf("fanotify_init: %w", err)
	}
	return &fanotify{notifyFD: notifyFD{f: os.NewFile(uintptr(fd), "fanotify")}, mask: fanMask}, nil
}

func (w *fanotify) mode() string { return ModeFanotify }

func (w *fanotify) mark(op uint, path string, dir bool) error {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.closed {
		return os.ErrClosed
	}
	mask := w.mask
	if dir {
		mask |= unix.FAN_EVENT_ON_CHILD
	}
	var err error
	ctl := func(fd uintptr) {
		err = unix.FanotifyMark(int(fd), op, mask, unix.AT_FDCWD, path)
		if errors.Is(err, unix.EINVAL) && w.mask&unix.FAN_OPEN_EXEC != 0 && op&unix.FAN_MARK_ADD != 0 {
			// FAN_OPEN_EXEC is Linux 5.0 and later.
			w.mask &^= unix.FAN_OPEN_EXEC
			mask &^= unix.FAN_OPEN_EXEC
			err = unix.FanotifyMark(int(fd), op, mask, unix.AT_FDCWD, path)
		}
	}
	rc, cerr := w.f.SyscallConn()
	if cerr != nil {
		return cerr
	}
	if cerr := rc.Control(ctl); cerr != nil {
		return cerr
	}
	return err
}

func (w *fanotify) add(path string, dir bool) error { return w.mark(unix.FAN_MARK_ADD, path, dir) }

// remove drops the path's mark, whatever its mask.
func (w *fanotify) remove(path string) error {
	err := w.mark(unix.FAN_MARK_REMOVE, path, true)
	if errors.Is(err, unix.ENOENT) {
		return nil
	}
	return err
}

// Offsets in struct fanotify_event_metadata (linux/fanotify.h).
const (
	fanMetaLen = 24
	fanVersion = 3 // FANOTIFY_METADATA_VERSION
)

func (w *fanotify) run(emit func(event), overflow func()) error {
	buf := make([]byte, 64<<10)
	for {
		b, ok, err := w.next(buf)
		if !ok {
			return err
		}
		for len(b) >= fanMetaLen {
			evLen := binary.NativeEndian.Uint32(b[0:4])
			vers := b[4]
			mask := binary.NativeEndian.Uint64(b[8:16])
			fd := int32(binary.NativeEndian.Uint32(b[16:20]))
			pid := int(int32(binary.NativeEndian.Uint32(b[20:24])))
			if vers != fanVersion {
				return fmt.Errorf("event metadata version %d, want %d", vers, fanVersion)
			}
			if evLen < fanMetaLen || int(evLen) > len(b) {
				return fmt.Errorf("bad event length %d", evLen)
			}
			b = b[evLen:]
			if mask&unix.FAN_Q_OVERFLOW != 0 {
				overflow()
			}
			if fd < 0 {
				continue
			}
			// Read /proc while the process may still be there.
			proc := readProc(pid)
			path, lerr := os.Readlink("/proc/self/fd/" + strconv.Itoa(int(fd)))
			unix.Close(int(fd))
			if lerr != nil {
				continue
			}
			emit(event{path: path, kind: fanKind(mask), pid: pid, proc: proc})
		}
	}
}

func fanKind(mask uint64) string {
	switch {
	case mask&unix.FAN_OPEN_EXEC != 0:
		return "open_exec"
	case mask&unix.FAN_OPEN != 0:
		return "open"
	case mask&unix.FAN_ACCESS != 0:
		return "access"
	default:
		return "close_nowrite"
	}
}

// maxCmdline bounds the command line kept, in bytes.
const maxCmdline = 4096

// readProc reads a process's executable, command line and real uid. A
// process that already ended (short-lived cat, cp) leaves gone set.
func readProc(pid int) procInfo {
	var p procInfo
	dir := "/proc/" + strconv.Itoa(pid)
	if exe, err := os.Readlink(dir + "/exe"); err == nil {
		p.exe = exe
	}
	if f, err := os.Open(dir + "/cmdline"); err == nil {
		buf := make([]byte, maxCmdline)
		n, _ := f.Read(buf)
		f.Close()
		p.cmdline = strings.ToValidUTF8(string(bytes.TrimRight(bytes.ReplaceAll(buf[:n], []byte{0}, []byte{' '}), " ")), "\uFFFD")
	}
	if st, err := os.ReadFile(dir + "/status"); err == nil {
		for line := range strings.SplitSeq(string(st), "\n") {
			if rest, ok := strings.CutPrefix(line, "Uid:"); ok {
				if f := strings.Fields(rest); len(f) > 0 {
					if u, err := strconv.Atoi(f[0]); err == nil {
						p.uid, p.uidKnown = u, true
					}
				}
				break
			}
		}
	}
	p.gone = p.exe == "" && p.cmdline == "" && !p.uidKnown
	return p
}

// inotify (inotify(7)): the fallback without CAP_SYS_ADMIN. It says which
// file was opened, read or closed, not by whom.
type inotify struct {
	notifyFD
	wds   map[int32]string
	paths map[string]int32
}

const inMask = unix.IN_OPEN | unix.IN_ACCESS | unix.IN_CLOSE_NOWRITE | unix.IN_EXCL_UNLINK

func newInotify() (watcher, error) {
	fd, err := unix.InotifyInit1(unix.IN_CLOEXEC | unix.IN_NONBLOCK)
	if err != nil {
		return nil, fmt.Errorf("inotify_init1: %w", err)
	}
	return &inotify{notifyFD: notifyFD{f: os.NewFile(uintptr(fd), "inotify")}, wds: make(map[int32]string), paths: make(map[string]int32)}, nil
}

func (w *inotify) mode() string { return ModeInotify }

func (w *inotify) add(path string, dir bool) error {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.closed {
		return os.ErrClosed
	}
	rc, err := w.f.SyscallConn()
	if err != nil {
		return err
	}
	var wd int
	var aerr error
	if err := rc.Control(func(fd uintptr) { wd, aerr = unix.InotifyAddWatch(int(fd), path, inMask) }); err != nil {
		return err
	}
	if aerr != nil {
		return aerr
	}
	w.wds[int32(wd)] = path
	w.paths[path] = int32(wd)
	return nil
}

func (w *inotify) remove(path string) error {
	w.mu.Lock()
	defer w.mu.Unlock()
	wd, ok := w.paths[path]
	if !ok || w.closed {
		return nil
	}
	delete(w.paths, path)
	delete(w.wds, wd)
	rc, err := w.f.SyscallConn()
	if err != nil {
		return err
	}
	var rerr error
	if err := rc.Control(func(fd uintptr) { _, rerr = unix.InotifyRmWatch(int(fd), uint32(wd)) }); err != nil {
		return err
	}
	if errors.Is(rerr, unix.EINVAL) { // already gone with its file
		return nil
	}
	return rerr
}

func (w *inotify) run(emit func(event), overflow func()) error {
	buf := make([]byte, 64<<10)
	for {
		b, ok, err := w.next(buf)
		if !ok {
			return err
		}
		for len(b) >= unix.SizeofInotifyEvent {
			wd := int32(binary.NativeEndian.Uint32(b[0:4]))
			mask := binary.NativeEndian.Uint32(b[4:8])
			nameLen := int(binary.NativeEndian.Uint32(b[12:16]))
			if unix.SizeofInotifyEvent+nameLen > len(b) {
				return fmt.Errorf("bad event length %d", nameLen)
			}
			name := string(bytes.TrimRight(b[unix.SizeofInotifyEvent:unix.SizeofInotifyEvent+nameLen], "\x00"))
			b = b[unix.SizeofInotifyEvent+nameLen:]
			if mask&unix.IN_Q_OVERFLOW != 0 {
				overflow()
				continue
			}
			w.mu.Lock()
			base, ok := w.wds[wd]
			if mask&unix.IN_IGNORED != 0 && ok {
				delete(w.wds, wd)
				delete(w.paths, base)
			}
			w.mu.Unlock()
			if !ok || mask&unix.IN_ISDIR != 0 || mask&(unix.IN_OPEN|unix.IN_ACCESS|unix.IN_CLOSE_NOWRITE) == 0 {
				continue
			}
			path := base
			if name != "" {
				path = filepath.Join(base, name)
			}
			emit(event{path: path, kind: inKind(mask)})
		}
	}
}

func inKind(mask uint32) string {
	switch {
	case mask&unix.IN_OPEN != 0:
		return "open"
	case mask&unix.IN_ACCESS != 0:
		return "access"
	default:
		return "close_nowrite"
	}
}

// notifyFD is the descriptor a kernel watcher (fanotify, inotify) reads
// its events from.
type notifyFD struct {
	f      *os.File
	mu     sync.Mutex // guards closed, and the watcher's own state
	closed bool
}

func (n *notifyFD) close() error {
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.closed {
		return nil
	}
	n.closed = true
	return n.f.Close()
}

// next reads the next events into buf. ok is false, with err nil, once
// the descriptor is closed.
func (n *notifyFD) next(buf []byte) (b []byte, ok bool, err error) {
	for {
		k, err := n.f.Read(buf)
		switch {
		case err == nil:
			return buf[:k], true, nil
		case errors.Is(err, os.ErrClosed):
			return nil, false, nil
		case errors.Is(err, unix.EAGAIN) || errors.Is(err, unix.EINTR):
			continue
		}
		return nil, false, fmt.Errorf("read: %w", err)
	}
}
