package rules

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"path"
	"sort"
	"strings"

	"github.com/mailtrip/mailtrip/detect/sigma"
	"github.com/mailtrip/mailtrip/event"
)

// TestsDir is the folder, below a rule directory, that holds test events.
const TestsDir = "tests"

// Prefixes of test event files.
const (
	MatchPrefix    = "match-"    // the event must match the rule
	NearMissPrefix = "nearmiss-" // the event must not match the rule
)

// MaxEventBytes bounds one test event file.
const MaxEventBytes = 1 << 20

// Case is one test event for one rule file.
type Case struct {
	// Rule is the id (else the name) of the file's first detection rule;
	// Rules lists every detection rule of the file, for files holding
	// several documents. A case holds when any of them matches (match-)
	// or none does (nearmiss-).
	Rule     string   `json:"rule"`
	Rules    []string `json:"rules"`
	Title    string   `json:"title"`
	RuleFile string   `json:"rule_file"`
	// File is the event file, relative to the file system given to Cases.
	File      string         `json:"file"`
	Event     map[string]any `json:"event"`
	WantMatch bool           `json:"want_match"`
}

// Result is the outcome of one Case.
type Result struct {
	Case
	Matched bool `json:"matched"`
	// Fired lists every rule the event matched, this file's and others'.
	Fired []string `json:"fired,omitempty"`
}

// OK says whether the case holds.
func (r Result) OK() bool { return r.Matched == r.WantMatch }

// CaseError is a test folder or event file that cannot be used.
type CaseError struct {
	File string
	Err  error
}

func (e *CaseError) Error() string { return e.File + ": " + e.Err.Error() }
func (e *CaseError) Unwrap() error { return e.Err }

// Errors a CaseError wraps.
var (
	ErrNoRule     = errors.New("no rule file with this stem")
	ErrAmbiguous  = errors.New("several rule files share this stem")
	ErrNoCases    = errors.New("rule file has no detection rule")
	ErrBadEvent   = errors.New("test event is not one JSON object")
	ErrUnknownKey = errors.New("test file name must start with match- or nearmiss- and end in .json")
)

type ruleFile struct {
	path  string
	title string
	refs  []string
}

// Cases reads the test events below dir/tests in fsys and pairs them with
// the rule files found elsewhere below dir (matched by file stem). Rule
// files that do not parse are skipped here: loading reports them.
// Returned cases are sorted by rule file, then event file. A test folder
// without a rule file, or an event file that is not a JSON object, is an
// error (*CaseError); the other cases are still returned with it.
func Cases(fsys fs.FS, dir string) ([]Case, error) {
	testsRoot := path.Join(dir, TestsDir)
	byStem := map[string][]*ruleFile{}
	err := fs.WalkDir(fsys, dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			if p == dir {
				return err
			}
			return nil
		}
		if d.IsDir() {
			if p == testsRoot || (p != dir && strings.HasPrefix(d.Name(), ".")) {
				return fs.SkipDir
			}
			return nil
		}
		ext := path.Ext(p)
		if ext != ".yml" && ext != ".yaml" {
			return nil
		}
		data, err := fs.ReadFile(fsys, p)
		if err != nil {
			return nil
		}
		docs, _ := sigma.Parse(data, p)
		rf := &ruleFile{path: p}
		for _, r := range docs {
			if r.Correlation != nil || r.Filter != nil {
				continue
			}
			if rf.title == "" {
				rf.title = r.Title
			}
			rf.refs = append(rf.refs, r.Ref())
		}
		stem := strings.TrimSuffix(path.Base(p), ext)
		byStem[stem] = append(byStem[stem], rf)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("walk %s: %w", dir, err)
	}

	var cases []Case
	var errs []error
	stems, err := fs.ReadDir(fsys, testsRoot)
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("read %s: %w", testsRoot, err)
	}
	for _, sd := range stems {
		if !sd.IsDir() {
			continue
		}
		folder := path.Join(testsRoot, sd.Name())
		rfs := byStem[sd.Name()]
		switch {
		case len(rfs) == 0:
			errs = append(errs, &CaseError{File: folder, Err: ErrNoRule})
			continue
		case len(rfs) > 1:
			errs = append(errs, &CaseError{File: folder, Err: ErrAmbiguous})
			continue
		case len(rfs[0].refs) == 0:
			errs = append(errs, &CaseError{File: rfs[0].path, Err: ErrNoCases})
			continue
		}
		rf := rfs[0]
		entries, err := fs.ReadDir(fsys, folder)
		if err != nil {
			errs = append(errs, &CaseError{File: folder, Err: err})
			continue
		}
		for _, ent := range entries {
			if ent.IsDir() {
				continue
			}
			name := ent.Name()
			file := path.Join(folder, name)
			var want bool
			switch {
			case !strings.HasSuffix(name, ".json"):
				errs = append(errs, &CaseError{File: file, Err: ErrUnknownKey})
				continue
			case strings.HasPrefix(name, MatchPrefix):
				want = true
			case strings.HasPrefix(name, NearMissPrefix):
				want = false
			default:
				errs = append(errs, &CaseError{File: file, Err: ErrUnknownKey})
				continue
			}
			ev, err := readEvent(fsys, file)
			if err != nil {
				errs = append(errs, &CaseError{File: file, Err: err})
				continue
			}
			cases = append(cases, Case{
				Rule: rf.refs[0], Rules: rf.refs, Title: rf.title, RuleFile: rf.path,
				File: file, Event: ev, WantMatch: want,
			})
		}
	}
	sort.Slice(cases, func(i, j int) bool {
		if cases[i].RuleFile != cases[j].RuleFile {
			return cases[i].RuleFile < cases[j].RuleFile
		}
		return cases[i].File < cases[j].File
	})
	return cases, errors.Join(errs...)
}

// readEvent decodes one JSON object, keeping numbers as json.Number so
// integers such as EventID stay exact.
func readEvent(fsys fs.FS, file string) (map[string]any, error) {
	f, err := fsys.Open(file)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, MaxEventBytes+1))
	if err != nil {
		return nil, err
	}
	if len(data) > MaxEventBytes {
		return nil, fmt.Errorf("%w: larger than %d bytes", ErrBadEvent, MaxEventBytes)
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	var ev map[string]any
	if err := dec.Decode(&ev); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrBadEvent, err)
	}
	if ev == nil {
		return nil, ErrBadEvent
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, fmt.Errorf("%w: data after the object", ErrBadEvent)
	}
	return ev, nil
}

// NewEvent wraps a case's fields as the log event the readers would give.
func (c *Case) NewEvent() *event.Event {
	return &event.Event{
		Kind:   event.KindLog,
		Origin: event.Origin{File: c.File, Offset: -1, Line: 1},
		Fields: c.Event,
	}
}

// Run matches every case against rs.
func Run(rs *sigma.Ruleset, cases []Case) []Result {
	out := make([]Result, 0, len(cases))
	for _, c := range cases {
		res := Result{Case: c}
		want := make(map[string]bool, len(c.Rules))
		for _, r := range c.Rules {
			want[r] = true
		}
		rs.Match(c.NewEvent(), func(cr *sigma.CompiledRule, _ *sigma.Record) {
			ref := cr.Ref()
			res.Fired = append(res.Fired, ref)
			if want[ref] {
				res.Matched = true
			}
		})
		sort.Strings(res.Fired)
		out = append(out, res)
	}
	return out
}

// RunTests reads the cases of the rule directory dir in fsys (the layout
// of [Cases]) and runs them against rs, which should hold that
// directory's rules. Results come back even when some test files were
// unusable; the error then lists those.
func RunTests(rs *sigma.Ruleset, fsys fs.FS, dir string) ([]Result, error) {
	cases, err := Cases(fsys, dir)
	if cases == nil && err != nil {
		return nil, err
	}
	return Run(rs, cases), err
}
