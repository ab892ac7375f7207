//go:build unix

package ingest

import (
	"os"

	"golang.org/x/sys/unix"
)

// mapFile maps length bytes of f from off read-only. The pages belong to
// the page cache, not to the process's anonymous memory, and reading them
// costs no copy: the mbox reader scans the file where the kernel keeps it.
func mapFile(f *os.File, off, length int64) (data []byte, unmap func(), err error) {
	if length <= 0 {
		return nil, func() {}, nil
	}
	page := int64(os.Getpagesize())
	start := off &^ (page - 1)
	m, err := unix.Mmap(int(f.Fd()), start, int(off-start+length), unix.PROT_READ, unix.MAP_SHARED)
	if err != nil {
		return nil, nil, err
	}
	_ = unix.Madvise(m, unix.MADV_SEQUENTIAL) // a hint; read-ahead is all it changes
	return m[off-start:], func() { _ = unix.Munmap(m) }, nil
}
