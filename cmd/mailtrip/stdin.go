package main

import "io"

// checkStdin vets standard input, named "-" among the inputs: it must be
// there and named once. ingest reads it as it arrives (ingest/stream.go),
// recognised from its first bytes like a file; origins name it <stdin>.
func checkStdin(paths []string, stdin io.Reader) error {
	n := 0
	for _, p := range paths {
		if p == "-" {
			n++
		}
	}
	switch {
	case n > 0 && stdin == nil:
		return usageError("standard input (-) is not available here")
	case n > 1:
		return usageError("standard input (-) can be named once")
	}
	return nil
}
