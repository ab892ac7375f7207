package ingest

import (
	"io"
	"os"
	"syscall"
	"time"
)

// followPoll is how often a followed file is checked for new data and for
// rotation.
const followPoll = 250 * time.Millisecond

// followReader reads a growing log file like tail -F: at the end of the
// data it waits for more; when the file is renamed away and another takes
// its name (log rotation), or it is truncated, it finishes the old file and
// goes on with the new one from its start. It ends (io.EOF) when stop is
// closed and everything written so far has been read.
type followReader struct {
	path string
	f    *os.File
	ino  uint64
	off  int64
	stop <-chan struct{}
	// Rotations counts the files switched to.
	rotations int
}

// newFollowReader follows path from f, its file opened; f is nil when path
// does not exist yet, and it is read from its start once it does.
func newFollowReader(f *os.File, path string, stop <-chan struct{}) *followReader {
	r := &followReader{path: path, f: f, stop: stop}
	if f != nil {
		r.ino = inode(f)
	}
	return r
}

func inode(f *os.File) uint64 {
	fi, err := f.Stat()
	if err != nil {
		return 0
	}
	if st, ok := fi.Sys().(*syscall.Stat_t); ok {
		return st.Ino
	}
	return 0
}

func (r *followReader) Read(p []byte) (int, error) {
	for {
		if r.f != nil {
			n, err := r.f.Read(p)
			r.off += int64(n)
			if n > 0 {
				return n, nil
			}
			if err != nil && err != io.EOF {
				return 0, err
			}
		}
		// At the end of what is written: rotated or truncated (or, not
		// there before, created)?
		if fi, err := os.Stat(r.path); err == nil {
			st, ok := fi.Sys().(*syscall.Stat_t)
			switch {
			case r.f == nil || (ok && st.Ino != r.ino):
				if nf, err := os.Open(r.path); err == nil {
					if r.f != nil {
						r.f.Close()
						r.rotations++
					}
					r.f, r.ino, r.off = nf, inode(nf), 0
					continue
				}
			case fi.Size() < r.off:
				if _, err := r.f.Seek(0, io.SeekStart); err == nil {
					r.off = 0
					r.rotations++
					continue
				}
			}
		}
		select {
		case <-r.stop:
			if r.f == nil {
				return 0, io.EOF
			}
			// One last look for data written before the stop.
			n, _ := r.f.Read(p)
			r.off += int64(n)
			if n > 0 {
				return n, nil
			}
			return 0, io.EOF
		case <-time.After(followPoll):
		}
	}
}

// Close closes the file being read.
func (r *followReader) Close() error {
	if r.f == nil {
		return nil
	}
	return r.f.Close()
}
