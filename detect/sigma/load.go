package sigma

import (
	"fmt"
	"io/fs"
	"os"
	"path"
	"sort"
	"strings"
)

// LoadFS reads every .yml and .yaml file under root in fsys, parses and
// compiles them. A file that cannot be read or parsed is reported as
// invalid; the rest still load. The error is non-nil only when root
// itself cannot be walked.
func LoadFS(fsys fs.FS, root string, cfg Config) (*Ruleset, *Report, error) {
	var files []string
	err := fs.WalkDir(fsys, root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			if p == root {
				return err
			}
			return nil
		}
		if d.IsDir() {
			if p != root && strings.HasPrefix(d.Name(), ".") {
				return fs.SkipDir
			}
			return nil
		}
		if ext := path.Ext(p); ext == ".yml" || ext == ".yaml" {
			files = append(files, p)
		}
		return nil
	})
	if err != nil {
		return nil, nil, fmt.Errorf("walk %s: %w", root, err)
	}
	sort.Strings(files)
	var rules []*Rule
	var invalid []Problem
	for _, f := range files {
		data, err := fs.ReadFile(fsys, f)
		if err != nil {
			invalid = append(invalid, Problem{File: f, Reason: err.Error()})
			continue
		}
		rs, err := Parse(data, f)
		rules = append(rules, rs...)
		if err != nil {
			p := Problem{File: f, Reason: err.Error()}
			if pe, ok := err.(*ParseError); ok {
				p.Line, p.Reason = pe.Line, pe.Err.Error()
			}
			invalid = append(invalid, p)
		}
	}
	rs, rep := Compile(rules, cfg)
	rep.Files = len(files)
	rep.Invalid = append(invalid, rep.Invalid...)
	return rs, rep, nil
}

// LoadDir is LoadFS on a directory of the file system. Reported file
// names are relative to dir.
func LoadDir(dir string, cfg Config) (*Ruleset, *Report, error) {
	return LoadFS(os.DirFS(dir), ".", cfg)
}
