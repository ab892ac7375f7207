//go:build unix && !linux

package plant

import (
	"errors"
	"os"

	"golang.org/x/sys/unix"
)

var errWouldBlock = unix.EWOULDBLOCK

// kernelLock takes an exclusive flock on the file without waiting (on the
// BSDs and macOS flock and fcntl locks are the same lock).
func kernelLock(f *os.File) error {
	err := unix.Flock(int(f.Fd()), unix.LOCK_EX|unix.LOCK_NB)
	if errors.Is(err, unix.EAGAIN) {
		return errWouldBlock
	}
	return err
}
