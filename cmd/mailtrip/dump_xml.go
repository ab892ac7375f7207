package main

import (
	"bufio"
	"context"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/mailtrip/mailtrip/logfmt/evtx"
)

// dumpXML prints every record of the EVTX files under paths as XML, one
// document per record (evtx_dump.py's layout, without its XML declaration
// and wrapper element). Bad chunks and records are reported with their
// offsets and reading goes on.
func (a *app) dumpXML(ctx context.Context, paths []string, out string) error {
	a.running = true
	w, closeOut, err := a.openOut(out)
	if err != nil {
		return err
	}
	bw := bufio.NewWriterSize(w, 256<<10)
	var files []string
	failed := 0
	for _, p := range paths {
		fi, err := os.Stat(p)
		if err != nil {
			fmt.Fprintf(a.stderr, "mailtrip: %v\n", err)
			failed++
			continue
		}
		if !fi.IsDir() {
			files = append(files, p)
			continue
		}
		_ = filepath.WalkDir(p, func(path string, d fs.DirEntry, err error) error {
			if err != nil {
				fmt.Fprintf(a.stderr, "mailtrip: %v\n", err)
				failed++
				return nil
			}
			if !d.IsDir() && strings.EqualFold(filepath.Ext(path), ".evtx") {
				files = append(files, path)
			}
			return nil
		})
	}
	var buf []byte
	for _, path := range files {
		fh, err := os.Open(path)
		if err != nil {
			fmt.Fprintf(a.stderr, "mailtrip: %v\n", err)
			failed++
			continue
		}
		fi, _ := fh.Stat()
		f, err := evtx.Open(fh, fi.Size(), nil)
		if err != nil {
			fmt.Fprintf(a.stderr, "mailtrip: %s: %v (not an EVTX file? --format xml prints EVTX records only)\n", path, err)
			fh.Close()
			failed++
			continue
		}
		for rec, err := range f.Records(ctx) {
			if err != nil {
				fmt.Fprintf(a.stderr, "mailtrip: %s: %v\n", path, err)
				failed++
				continue
			}
			buf = rec.AppendXML(buf[:0])
			bw.Write(buf)
			if len(buf) > 0 && buf[len(buf)-1] != '\n' {
				bw.WriteByte('\n')
			}
		}
		fh.Close()
	}
	if err := bw.Flush(); err != nil {
		return err
	}
	if err := closeOut(); err != nil {
		return err
	}
	if failed > 0 {
		return &exitError{code: exitInput}
	}
	return nil
}
