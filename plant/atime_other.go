//go:build !linux

package plant

import (
	"io/fs"
	"time"
)

// atime is the access time of fi's file where known; elsewhere its mtime.
func atime(fi fs.FileInfo) time.Time { return fi.ModTime() }
