//go:build !unix

package plant

import (
	"errors"
	"os"
)

var errWouldBlock = errors.New("would block")

// kernelLock is a no-op where there are no Unix file locks; the dotlock
// is the only lock taken.
func kernelLock(f *os.File) error { return nil }
