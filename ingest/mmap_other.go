//go:build !unix

package ingest

import (
	"errors"
	"os"
)

// mapFile is not available here; callers fall back to reading.
func mapFile(*os.File, int64, int64) ([]byte, func(), error) {
	return nil, nil, errors.ErrUnsupported
}
