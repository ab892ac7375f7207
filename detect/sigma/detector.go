package sigma

import (
	"context"
	"fmt"
	"sort"
	"strconv"
	"time"

	"github.com/mailtrip/mailtrip/alert"
	"github.com/mailtrip/mailtrip/detect"
	"github.com/mailtrip/mailtrip/event"
)

// Name is the detector's stable name, part of every alert id it produces.
const Name = "sigma"

// Options configure a Detector.
type Options struct {
	// State keeps correlation windows; nil means a fresh MemoryState.
	State CorrelationState
	// MaxMembers caps the member origins listed in a correlation alert
	// (MemberCount always has the total); 0 means 1000.
	MaxMembers int
	// Now stamps DetectedAt; nil means time.Now.
	Now func() time.Time
}

// Detector runs a Ruleset on events: one alert per rule an event matches
// (rules that only feed correlations excepted), and correlation alerts
// as correlations fire. It is safe for concurrent use; correlation state
// is updated under a lock.
type Detector struct {
	rs    *Ruleset
	opt   Options
	corr  *correlations
	byRef map[string]*correlator
}

var (
	_ detect.Detector = (*Detector)(nil)
	_ detect.Flusher  = (*Detector)(nil)
)

// NewDetector returns a Detector for rs.
func NewDetector(rs *Ruleset, opt Options) *Detector {
	if opt.State == nil {
		opt.State = NewMemoryState()
	}
	if opt.MaxMembers <= 0 {
		opt.MaxMembers = 1000
	}
	if opt.Now == nil {
		opt.Now = time.Now
	}
	d := &Detector{rs: rs, opt: opt, corr: &correlations{state: opt.State}, byRef: map[string]*correlator{}}
	for _, c := range rs.Corrs {
		d.byRef[c.Ref()] = c.corr
	}
	return d
}

// Name returns "sigma".
func (d *Detector) Name() string { return Name }

// Detect matches e against the rule set and emits what matched.
func (d *Detector) Detect(ctx context.Context, e *event.Event, emit detect.Emit) error {
	if ctx.Err() != nil {
		return context.Cause(ctx)
	}
	if e == nil || e.Fields == nil {
		return nil
	}
	var fired []firing
	d.rs.Match(e, func(cr *CompiledRule, r *Record) {
		if cr.Standalone {
			emit(d.ruleAlert(cr, r))
		}
		if len(cr.corrs) == 0 {
			return
		}
		t := r.Time()
		d.corr.mu.Lock()
		for _, co := range cr.corrs {
			fired = d.corr.feed(co, cr, recordFields(r), t, e.Origin, fired)
		}
		d.corr.mu.Unlock()
	})
	for _, f := range fired {
		if f.co.rule.Standalone {
			emit(d.corrAlert(f))
		}
	}
	return nil
}

// Flush decides correlation windows still open and emits what fired.
func (d *Detector) Flush(ctx context.Context, emit detect.Emit) error {
	if ctx.Err() != nil {
		return context.Cause(ctx)
	}
	d.corr.mu.Lock()
	fired := d.corr.flush(d.byRef)
	d.corr.mu.Unlock()
	for _, f := range fired {
		if f.co.rule.Standalone {
			emit(d.corrAlert(f))
		}
	}
	return nil
}

func ruleOf(cr *CompiledRule) alert.Rule {
	id := cr.ID
	if id == "" {
		id = cr.Name
	}
	return alert.Rule{ID: id, Title: cr.Title, Level: cr.Level, Tags: append([]string(nil), cr.Tags...)}
}

func (d *Detector) ruleAlert(cr *CompiledRule, r *Record) alert.Alert {
	e := r.Event
	a := alert.New(Name, ruleOf(cr), e.Origin)
	a.Time = r.Time()
	a.DetectedAt = d.opt.Now()
	a.Summary = cr.Title
	a.Mailbox, a.Folder = e.Mailbox, e.Folder
	a.Evidence = Evidence(cr, r)
	a.Reasons = []string{fmt.Sprintf("Sigma rule %q matched (%s)", cr.Title, cr.Logsource)}
	if cr.Description != "" {
		a.Reasons = append(a.Reasons, cr.Description)
	}
	return a
}

func (d *Detector) corrAlert(f firing) alert.Alert {
	cr := f.co.rule
	w := f.w
	last := w.Entries[len(w.Entries)-1]
	first := w.Entries[0]
	a := alert.New(Name, ruleOf(cr), last.Origin, f.key, first.Origin.String(), strconv.FormatInt(first.Origin.Offset, 10))
	a.Time = last.Time
	a.DetectedAt = d.opt.Now()
	a.Summary = cr.Title
	a.Evidence = map[string]any{"correlation.type": f.co.c.Type, "correlation.value": f.value,
		"correlation.timespan": f.co.c.Timespan.String()}
	for k, v := range w.Group {
		a.Evidence[k] = v
	}
	a.MemberCount = len(w.Entries) + w.Dropped
	for i, e := range w.Entries {
		if i >= d.opt.MaxMembers {
			break
		}
		a.Members = append(a.Members, e.Origin)
	}
	a.Reasons = []string{fmt.Sprintf("Sigma correlation %q (%s) fired: value %g within %s", cr.Title, f.co.c.Type, f.value, f.co.c.Timespan)}
	return a
}

// Evidence returns the fields of r that the rule's matching field
// conditions name and that are present in the event (keyed by the field
// name as the rule writes it, modifiers included), plus, for keyword
// searches, the keywords that occur.
func Evidence(cr *CompiledRule, r *Record) map[string]any {
	ev := map[string]any{}
	var walkM func(m matcher)
	walkM = func(m matcher) {
		switch x := m.(type) {
		case andMatcher:
			for _, k := range x {
				walkM(k)
			}
		case orMatcher:
			for _, k := range x {
				walkM(k)
			}
		case notMatcher:
		case atLeast:
			for _, k := range x.kids {
				walkM(k)
			}
		case *fieldMatcher:
			if x.kind == fieldValues && x.match(r) {
				if v, ok := r.get(x.field); ok {
					ev[x.field.name] = v
				}
			}
		case *keywordMatcher:
			if x.match(r) {
				ev["keywords"] = true
			}
		}
	}
	v := cr.base
	for _, name := range v.det.names {
		walkM(v.det.sels[name])
	}
	if len(ev) == 0 {
		return nil
	}
	return ev
}

// Summary renders a load report in a few lines, problems sorted by file.
func (rep *Report) Summary() string {
	s := fmt.Sprintf("%d files: %d rules loaded, %d correlations, %d filters, %d deprecated skipped, %d unsupported, %d invalid, %d warnings",
		rep.Files, rep.Loaded, rep.Correlations, rep.Filters, rep.Deprecated, len(rep.Unsupported), len(rep.Invalid), len(rep.Warnings))
	ps := append(append([]Problem(nil), rep.Unsupported...), rep.Invalid...)
	sort.SliceStable(ps, func(i, j int) bool { return ps[i].File < ps[j].File })
	for _, p := range ps {
		s += "\n  " + p.String()
	}
	return s
}
