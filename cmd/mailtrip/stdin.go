package main

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
)

// spoolStdin copies standard input, named "-" among the inputs, to a
// temporary file, so that every reader (which may look ahead, map or seek)
// reads it like any file and its format is recognised the same way.
// Origins name it <tmp>/mailtrip-stdin-*/stdin; cleanup removes it.
func spoolStdin(paths []string, stdin io.Reader) (out []string, cleanup func(), err error) {
	cleanup = func() {}
	for i, p := range paths {
		if p != "-" {
			continue
		}
		if stdin == nil {
			return nil, cleanup, usageError("standard input (-) is not available here")
		}
		if out == nil {
			out = append([]string(nil), paths...)
		}
		dir, err := os.MkdirTemp("", "mailtrip-stdin-")
		if err != nil {
			return nil, cleanup, fmt.Errorf("standard input: %w", err)
		}
		cleanup = func() { os.RemoveAll(dir) }
		f, err := os.OpenFile(filepath.Join(dir, "stdin"), os.O_CREATE|os.O_WRONLY|os.O_EXCL, 0o600)
		if err != nil {
			cleanup()
			return nil, func() {}, fmt.Errorf("standard input: %w", err)
		}
		if _, err := io.Copy(f, stdin); err != nil {
			f.Close()
			cleanup()
			return nil, func() {}, fmt.Errorf("read standard input: %w", err)
		}
		if err := f.Close(); err != nil {
			cleanup()
			return nil, func() {}, fmt.Errorf("standard input: %w", err)
		}
		out[i] = f.Name()
		for j := i + 1; j < len(paths); j++ {
			if paths[j] == "-" {
				cleanup()
				return nil, func() {}, usageError("standard input (-) can be named once")
			}
		}
		break
	}
	if out == nil {
		out = paths
	}
	return out, cleanup, nil
}
