//go:build !unix

package plant

import (
	"io/fs"
	"os"
)

func isNotSupported(err error) bool { return false }

func chown(f *os.File, fi fs.FileInfo) {}
