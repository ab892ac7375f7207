package sigma

import (
	"errors"
	"fmt"
	"sort"
	"strings"

	"github.com/mailtrip/mailtrip/alert"
)

// Config holds what compiling a rule set needs beyond the rules.
type Config struct {
	// Placeholders gives the values of expand placeholders, by name
	// without the percent signs ("Workstations" → ["ws-*", "pc-*"]).
	Placeholders map[string][]string
	// Mappings are user mappings, consulted after the built-in one.
	Mappings []*Mapping
	// NoBuiltinMapping leaves the built-in mapping out.
	NoBuiltinMapping bool
	// IgnoreLogsource makes every rule meet every event, whatever its
	// logsource (for ad-hoc hunting over unrecognised logs).
	IgnoreLogsource bool
}

// CompiledRule is a detection rule ready to match, or a correlation rule.
type CompiledRule struct {
	*Rule
	Level alert.Level
	// Standalone is false for rules that only feed correlations (the
	// correlation did not ask to generate them).
	Standalone bool

	index    int
	variants map[*Source]*variant // by source with field mappings; nil key: no mapping
	base     *variant             // the variant without field mappings
	corrs    []*correlator        // correlations this rule feeds
	corr     *correlator          // set for correlation rules
}

// variant is a rule compiled with one field mapping.
type variant struct {
	rule    *CompiledRule
	det     *detection
	filters []*detection // meta filters: a match of any suppresses the rule
	eids    []int64      // the rule can only match these EventIDs (nil: any)
	id      int32        // number within the Ruleset, for evaluating it once per event
}

func (v *variant) match(r *Record) bool {
	if v.eids != nil {
		id, ok := r.eventID()
		if !ok {
			return false
		}
		found := false
		for _, e := range v.eids {
			if e == id {
				found = true
				break
			}
		}
		if !found {
			return false
		}
	}
	if !v.det.root.match(r) {
		return false
	}
	for _, f := range v.filters {
		if f.root.match(r) {
			return false
		}
	}
	return true
}

// Problem is a rule that did not load, or loaded with a caveat.
type Problem struct {
	File   string `json:"file"`
	Line   int    `json:"line,omitempty"`
	ID     string `json:"id,omitempty"`
	Title  string `json:"title,omitempty"`
	Reason string `json:"reason"`
}

func (p Problem) String() string {
	loc := p.File
	if p.Line > 0 {
		loc = fmt.Sprintf("%s:%d", p.File, p.Line)
	}
	id := p.ID
	if id == "" {
		id = "-"
	}
	return fmt.Sprintf("%s (%s): %s", id, loc, p.Reason)
}

// Report summarises loading and compiling a rule set.
type Report struct {
	Files        int       `json:"files"`
	Loaded       int       `json:"loaded"` // detection rules compiled
	Correlations int       `json:"correlations"`
	Filters      int       `json:"filters"`
	Deprecated   int       `json:"deprecated"`  // skipped: status deprecated
	Unsupported  []Problem `json:"unsupported"` // uses a feature the engine lacks
	Invalid      []Problem `json:"invalid"`     // malformed
	Warnings     []Problem `json:"warnings"`    // loaded, with a caveat
}

// Ruleset is a compiled, indexed set of rules; safe for concurrent use.
type Ruleset struct {
	Rules  []*CompiledRule // detection rules, in load order
	Corrs  []*CompiledRule // correlation rules
	cls    *classifier
	srcIdx []*bucket // by source index
	free   *bucket   // rules no source accepts; for events of no known source
	all    *bucket   // IgnoreLogsource
	ignore bool
	kw     *kwIndex // keyword literals of all buckets; nil when none
	// nvariants counts the variants in buckets (numbered 0..n-1).
	nvariants int
}

// Compile compiles parsed rules (detection, correlation and filter
// documents) into a Ruleset. Problems are reported per rule, not returned
// as errors; a Ruleset is always returned.
func Compile(rules []*Rule, cfg Config) (*Ruleset, *Report) {
	rep := &Report{}
	rs := &Ruleset{ignore: cfg.IgnoreLogsource}
	var sources []Source
	if !cfg.NoBuiltinMapping {
		sources = append(sources, BuiltinMapping().Sources...)
	}
	for _, m := range cfg.Mappings {
		if m != nil {
			sources = append(sources, m.Sources...)
		}
	}
	rs.cls = newClassifier(sources)

	var dets, corrs, filters []*Rule
	for _, r := range rules {
		if strings.EqualFold(r.Status, "deprecated") {
			rep.Deprecated++
			continue
		}
		switch r.Kind() {
		case "correlation":
			corrs = append(corrs, r)
		case "filter":
			filters = append(filters, r)
		default:
			dets = append(dets, r)
		}
	}
	problem := func(r *Rule, err error) Problem {
		p := Problem{File: r.File, Line: r.Line, ID: r.ID, Title: r.Title, Reason: err.Error()}
		var pe *ParseError
		if errors.As(err, &pe) {
			p.Line, p.Reason = pe.Line, pe.Err.Error()
		}
		return p
	}
	record := func(r *Rule, err error) {
		var ue *UnsupportedError
		if errors.As(err, &ue) {
			rep.Unsupported = append(rep.Unsupported, problem(r, err))
		} else {
			rep.Invalid = append(rep.Invalid, problem(r, err))
		}
	}

	// Filters by the rule they apply to.
	byTarget := map[string][]*Rule{}
	for _, f := range filters {
		rep.Filters++
		for _, t := range f.Filter.Rules {
			byTarget[t] = append(byTarget[t], f)
		}
	}

	refs := map[string]*CompiledRule{}
	for _, r := range dets {
		cr := &CompiledRule{Rule: r, Standalone: true, variants: map[*Source]*variant{}}
		lvl, err := ruleLevel(r.Level)
		if err != nil {
			record(r, err)
			continue
		}
		cr.Level = lvl
		var fl []*Rule
		fl = append(fl, byTarget[r.ID]...)
		if r.Name != "" {
			fl = append(fl, byTarget[r.Name]...)
		}
		v, warns, err := compileVariant(cr, nil, fl, cfg)
		if err != nil {
			record(r, err)
			continue
		}
		for _, w := range warns {
			rep.Warnings = append(rep.Warnings, Problem{File: r.File, Line: r.Line, ID: r.ID, Title: r.Title, Reason: w})
		}
		cr.base = v
		cr.variants[nil] = v
		for i := range sources {
			s := &sources[i]
			if len(s.FieldMappings) == 0 || !s.accepts(r.Logsource) {
				continue
			}
			mv, _, err := compileVariant(cr, s.FieldMappings, fl, cfg)
			if err != nil {
				record(r, fmt.Errorf("with the field mapping of %s: %w", s, err))
				continue
			}
			cr.variants[s] = mv
		}
		cr.index = len(rs.Rules)
		rs.Rules = append(rs.Rules, cr)
		rep.Loaded++
		if r.ID != "" {
			refs[r.ID] = cr
		}
		if r.Name != "" {
			refs[r.Name] = cr
		}
	}

	// Correlations, in an order where referenced correlations come first.
	pending := corrs
	for progress := true; progress && len(pending) > 0; {
		progress = false
		var next []*Rule
		for _, r := range pending {
			ready := true
			for _, ref := range r.Correlation.Rules {
				if refs[ref] == nil && isCorrRef(ref, pending) {
					ready = false
				}
			}
			if !ready {
				next = append(next, r)
				continue
			}
			progress = true
			cr, err := compileCorrelation(r, refs)
			if err != nil {
				record(r, err)
				continue
			}
			rs.Corrs = append(rs.Corrs, cr)
			rep.Correlations++
			if r.ID != "" {
				refs[r.ID] = cr
			}
			if r.Name != "" {
				refs[r.Name] = cr
			}
		}
		pending = next
	}
	for _, r := range pending {
		record(r, fmt.Errorf("correlation references form a cycle"))
	}
	rs.index(sources)
	sortProblems(rep.Unsupported)
	sortProblems(rep.Invalid)
	return rs, rep
}

func isCorrRef(ref string, pending []*Rule) bool {
	for _, p := range pending {
		if p.ID == ref || p.Name == ref {
			return true
		}
	}
	return false
}

func sortProblems(ps []Problem) {
	sort.SliceStable(ps, func(i, j int) bool { return ps[i].File < ps[j].File })
}

// ruleLevel parses a rule's level; a rule without one is medium.
func ruleLevel(s string) (alert.Level, error) {
	if s == "" {
		return alert.Medium, nil
	}
	return alert.ParseLevel(s)
}

func compileVariant(cr *CompiledRule, fieldMap map[string]string, filters []*Rule, cfg Config) (*variant, []string, error) {
	env := &compileEnv{file: cr.File, fieldMap: fieldMap, placeholders: cfg.Placeholders}
	det, err := compileDetection(cr.Detection, env)
	if err != nil {
		return nil, nil, err
	}
	v := &variant{rule: cr, det: det}
	for _, f := range filters {
		fenv := &compileEnv{file: f.File, fieldMap: fieldMap, placeholders: cfg.Placeholders}
		fd, err := compileDetection(f.Filter.Detection, fenv)
		if err != nil {
			return nil, nil, fmt.Errorf("meta filter %s: %w", f.Ref(), err)
		}
		v.filters = append(v.filters, fd)
		env.warnings = append(env.warnings, fenv.warnings...)
	}
	v.eids = eventIDs(det.root)
	return v, dedupe(env.warnings), nil
}

func dedupe(ss []string) []string {
	seen := map[string]bool{}
	var out []string
	for _, s := range ss {
		if !seen[s] {
			seen[s] = true
			out = append(out, s)
		}
	}
	return out
}
