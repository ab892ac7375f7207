package plant

import (
	"errors"
	"os"

	"golang.org/x/sys/unix"
)

var errWouldBlock = unix.EWOULDBLOCK

// kernelLock takes an exclusive flock and an exclusive open file
// description fcntl lock on the whole file without waiting. Dovecot and
// Postfix use fcntl locks, mutt and procmail flock or fcntl; on Linux the
// two kinds do not see each other, so both are taken. OFD locks, unlike
// classic POSIX ones, also exclude other descriptors of this process.
func kernelLock(f *os.File) error {
	fd := int(f.Fd())
	if err := unix.Flock(fd, unix.LOCK_EX|unix.LOCK_NB); err != nil {
		if errors.Is(err, unix.EAGAIN) {
			return errWouldBlock
		}
		return err
	}
	lk := unix.Flock_t{Type: unix.F_WRLCK, Whence: 0, Start: 0, Len: 0}
	if err := unix.FcntlFlock(uintptr(fd), unix.F_OFD_SETLK, &lk); err != nil {
		switch {
		case errors.Is(err, unix.EAGAIN) || errors.Is(err, unix.EACCES):
			unix.Flock(fd, unix.LOCK_UN)
			return errWouldBlock
		case errors.Is(err, unix.EINVAL) || errors.Is(err, unix.ENOLCK):
			// Kernel without OFD locks, or a file system without
			// fcntl locks: the flock stands alone.
		default:
			unix.Flock(fd, unix.LOCK_UN)
			return err
		}
	}
	return nil
}
