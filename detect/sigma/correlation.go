package sigma

import (
	"fmt"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/mailtrip/mailtrip/event"
)

// Correlation rules (Sigma correlation specification 2.1): event_count,
// value_count, value_sum, value_avg, temporal and temporal_ordered, with
// group-by, timespan, condition, aliases, generate and chaining (a
// correlation may reference another).
//
// Windows. Conditions with only lower bounds (gt, gte) and the temporal
// types are checked on every event over a sliding window (the entries of
// the last timespan); when one holds the correlation fires and the group's
// window starts afresh, so a burst gives one alert, not one per event.
// Conditions with an upper bound (lt, lte, eq, neq) can only be decided
// when a window is complete: they use a window opened by a group's first
// event and closed by the first event after it (or by Flush).
// Events without a time all fall in one window.

// Entry is one event in a correlation window.
type Entry struct {
	Time   time.Time    `json:"time"`
	Rule   int          `json:"rule"` // index in the correlation's rules
	Value  string       `json:"value,omitempty"`
	Num    float64      `json:"num,omitempty"`
	HasNum bool         `json:"has_num,omitempty"`
	Origin event.Origin `json:"origin"`
}

// Window is the state of one correlation group.
type Window struct {
	Group   map[string]string `json:"group"` // group-by values
	Start   time.Time         `json:"start"`
	Entries []Entry           `json:"entries"`
	Dropped int               `json:"dropped,omitempty"` // entries beyond MaxWindowEntries
}

// CorrelationState keeps correlation windows between events. The memory
// implementation is [NewMemoryState]; a persistent one lets a daily scan
// continue windows across runs.
type CorrelationState interface {
	Get(key string) (*Window, bool)
	Put(key string, w *Window)
	Delete(key string)
	// Keys lists the keys held, for Flush.
	Keys() []string
}

// MemoryState is an in-memory CorrelationState; its methods are called
// under the engine's lock.
type MemoryState struct{ m map[string]*Window }

var _ CorrelationState = (*MemoryState)(nil)

// NewMemoryState returns an empty in-memory state.
func NewMemoryState() *MemoryState { return &MemoryState{m: map[string]*Window{}} }

func (s *MemoryState) Get(k string) (*Window, bool) { w, ok := s.m[k]; return w, ok }
func (s *MemoryState) Put(k string, w *Window)      { s.m[k] = w }
func (s *MemoryState) Delete(k string)              { delete(s.m, k) }
func (s *MemoryState) Keys() []string {
	ks := make([]string, 0, len(s.m))
	for k := range s.m {
		ks = append(ks, k)
	}
	sort.Strings(ks)
	return ks
}

// MaxWindowEntries bounds the entries kept per group; older ones are
// dropped (and counted) first.
const MaxWindowEntries = 100000

// correlator is a compiled correlation rule.
type correlator struct {
	rule      *CompiledRule
	c         *Correlation
	inputs    []*CompiledRule
	groupRefs [][]*fieldRef // per input, per group-by field (aliases applied)
	fieldRefs [][]*fieldRef // per input, per condition field
	upper     bool          // condition has an upper bound: tumbling windows
}

func compileCorrelation(r *Rule, refs map[string]*CompiledRule) (*CompiledRule, error) {
	c := r.Correlation
	lvl, err := ruleLevel(r.Level)
	if err != nil {
		return nil, err
	}
	cr := &CompiledRule{Rule: r, Level: lvl, Standalone: true}
	co := &correlator{rule: cr, c: c}
	switch c.Type {
	case "event_count", "temporal", "temporal_ordered":
	case "value_count", "value_sum", "value_avg":
		if len(c.Field) == 0 {
			return nil, fmt.Errorf("%s correlation needs condition field", c.Type)
		}
	case "value_percentile":
		return nil, &UnsupportedError{What: "correlation type value_percentile"}
	default:
		return nil, fmt.Errorf("unknown correlation type %q", c.Type)
	}
	if c.Timespan <= 0 {
		return nil, fmt.Errorf("correlation needs a timespan")
	}
	if len(c.Condition) == 0 && (c.Type != "temporal" && c.Type != "temporal_ordered") {
		return nil, fmt.Errorf("%s correlation needs a condition", c.Type)
	}
	for _, cmp := range c.Condition {
		switch cmp.Op {
		case "lt", "lte", "eq", "neq":
			co.upper = true
		}
	}
	for _, ref := range c.Rules {
		in := refs[ref]
		if in == nil {
			return nil, fmt.Errorf("correlation references rule %q, which is not loaded", ref)
		}
		co.inputs = append(co.inputs, in)
		var grs, frs []*fieldRef
		for _, g := range c.GroupBy {
			name := g
			if al, ok := c.Aliases[g]; ok {
				if f, ok := al[in.Name]; ok && in.Name != "" {
					name = f
				} else if f, ok := al[in.ID]; ok {
					name = f
				}
			}
			grs = append(grs, newFieldRef(name))
		}
		for _, f := range c.Field {
			frs = append(frs, newFieldRef(f))
		}
		co.groupRefs = append(co.groupRefs, grs)
		co.fieldRefs = append(co.fieldRefs, frs)
	}
	for _, in := range co.inputs {
		in.corrs = append(in.corrs, co)
		if !c.Generate {
			in.Standalone = false
		}
	}
	cr.corr = co
	return cr, nil
}

// firing is a correlation that matched.
type firing struct {
	co    *correlator
	key   string
	w     *Window
	value float64
}

// correlations runs correlators over a CorrelationState.
type correlations struct {
	mu    sync.Mutex
	state CorrelationState
}

// fieldFunc looks a field up for grouping: a Record, or a fired window's
// group values when correlations chain.
type fieldFunc func(ref *fieldRef) (string, bool)

func recordFields(r *Record) fieldFunc {
	return func(ref *fieldRef) (string, bool) {
		v, ok := r.get(ref)
		if !ok {
			return "", false
		}
		s, ok := scalarString(v)
		return s, ok
	}
}

func groupFields(w *Window, fallback fieldFunc) fieldFunc {
	return func(ref *fieldRef) (string, bool) {
		if v, ok := w.Group[ref.name]; ok {
			return v, true
		}
		if fallback != nil {
			return fallback(ref)
		}
		return "", false
	}
}

// feed adds an event matched by the input rule in of co; it returns the
// correlations that fired (co and, through chaining, those above it).
func (cs *correlations) feed(co *correlator, in *CompiledRule, fields fieldFunc, t time.Time, o event.Origin, out []firing) []firing {
	for idx, input := range co.inputs {
		if input != in {
			continue
		}
		group := make(map[string]string, len(co.c.GroupBy))
		var kb strings.Builder
		kb.WriteString(co.rule.Ref())
		for i, g := range co.c.GroupBy {
			v, _ := fields(co.groupRefs[idx][i])
			group[g] = v
			kb.WriteByte(0)
			kb.WriteString(v)
		}
		e := Entry{Time: t, Rule: idx, Origin: o}
		if len(co.fieldRefs[idx]) > 0 {
			var parts []string
			for _, fr := range co.fieldRefs[idx] {
				v, ok := fields(fr)
				if !ok {
					parts = nil
					break
				}
				parts = append(parts, v)
			}
			if parts == nil {
				continue // the field is absent: the event does not count
			}
			e.Value = strings.Join(parts, "\x00")
			if f, err := strconv.ParseFloat(strings.TrimSpace(parts[0]), 64); err == nil {
				e.Num, e.HasNum = f, true
			}
		}
		key := kb.String()
		w, ok := cs.state.Get(key)
		if !ok {
			w = &Window{Group: group, Start: t}
		}
		if co.upper && !w.Start.IsZero() && t.Sub(w.Start) > co.c.Timespan && len(w.Entries) > 0 {
			// The tumbling window is complete: decide it, open the next.
			if v, ok := co.holds(w); ok {
				out = append(out, firing{co: co, key: key, w: w, value: v})
				out = cs.chain(out, len(out)-1, fields, t, o)
			}
			w = &Window{Group: group, Start: t}
		}
		w.Entries = append(w.Entries, e)
		if len(w.Entries) > MaxWindowEntries {
			n := len(w.Entries) - MaxWindowEntries
			w.Entries = append(w.Entries[:0], w.Entries[n:]...)
			w.Dropped += n
		}
		if !co.upper {
			w.prune(t, co.c.Timespan)
			if v, ok := co.holds(w); ok {
				out = append(out, firing{co: co, key: key, w: w, value: v})
				cs.state.Delete(key)
				out = cs.chain(out, len(out)-1, fields, t, o)
				continue
			}
		}
		cs.state.Put(key, w)
	}
	return out
}

// chain feeds the correlation that fired at out[i] to the correlations
// that reference it.
func (cs *correlations) chain(out []firing, i int, fallback fieldFunc, t time.Time, o event.Origin) []firing {
	f := out[i]
	for _, parent := range f.co.rule.corrs {
		out = cs.feed(parent, f.co.rule, groupFields(f.w, fallback), t, o, out)
	}
	return out
}

// flush decides the open windows of upper-bounded correlations and
// forgets all state.
func (cs *correlations) flush(byRef map[string]*correlator) []firing {
	var out []firing
	for _, k := range cs.state.Keys() {
		w, ok := cs.state.Get(k)
		ref, _, _ := strings.Cut(k, "\x00")
		co := byRef[ref]
		cs.state.Delete(k)
		if !ok || co == nil || !co.upper || len(w.Entries) == 0 {
			continue
		}
		if v, ok := co.holds(w); ok {
			out = append(out, firing{co: co, key: k, w: w, value: v})
			last := w.Entries[len(w.Entries)-1]
			out = cs.chain(out, len(out)-1, nil, last.Time, last.Origin)
		}
	}
	return out
}

// prune drops entries older than timespan before t.
func (w *Window) prune(t time.Time, span time.Duration) {
	if t.IsZero() {
		return
	}
	cut := t.Add(-span)
	i := 0
	for i < len(w.Entries) && w.Entries[i].Time.Before(cut) {
		i++
	}
	if i > 0 {
		w.Entries = append(w.Entries[:0], w.Entries[i:]...)
		w.Start = w.Entries[0].Time
	}
}

// holds evaluates the condition on a window and returns the measured value.
func (co *correlator) holds(w *Window) (float64, bool) {
	var x float64
	switch co.c.Type {
	case "event_count":
		x = float64(len(w.Entries) + w.Dropped)
	case "value_count":
		seen := map[string]bool{}
		for _, e := range w.Entries {
			seen[e.Value] = true
		}
		x = float64(len(seen))
	case "value_sum", "value_avg":
		n := 0
		for _, e := range w.Entries {
			if e.HasNum {
				x += e.Num
				n++
			}
		}
		if n == 0 {
			return 0, false
		}
		if co.c.Type == "value_avg" {
			x /= float64(n)
		}
	case "temporal":
		seen := map[int]bool{}
		for _, e := range w.Entries {
			seen[e.Rule] = true
		}
		x = float64(len(seen))
		if len(co.c.Condition) == 0 {
			return x, len(seen) == len(co.inputs)
		}
	case "temporal_ordered":
		es := append([]Entry(nil), w.Entries...)
		sort.SliceStable(es, func(i, j int) bool { return es[i].Time.Before(es[j].Time) })
		next := 0
		for _, e := range es {
			if next < len(co.inputs) && e.Rule == next {
				next++
			}
		}
		x = float64(next)
		if len(co.c.Condition) == 0 {
			return x, next == len(co.inputs)
		}
		if next < len(co.inputs) {
			return x, false
		}
	}
	for _, c := range co.c.Condition {
		if !c.holds(x) {
			return x, false
		}
	}
	return x, true
}
