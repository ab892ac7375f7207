package sigma

import (
	"math/bits"
	"sort"
	"sync"

	"github.com/mailtrip/mailtrip/event"
)

// Indexing. Rules are placed in one bucket per log source that accepts
// them (with the variant compiled for that source's field mapping), so an
// event meets only the rules of the sources it belongs to. Within a bucket
// a prefilter skips most rules without evaluating them: for each rule the
// compiler derives literals of which at least one must occur in a given
// field for the rule to match (its "necessary literals"); one
// Aho-Corasick pass per field over the event's value marks the rules whose
// literals occur, and only those (plus the rules without such literals)
// are evaluated. Rules that require particular EventIDs check that first.

// bucket is the rules one log source meets.
type bucket struct {
	variants []*variant
	always   []int32 // variants without necessary literals
	fields   []*pfField
}

// pfField is the prefilter automaton of one field.
type pfField struct {
	ref    *fieldRef
	ac     *acAutomaton
	owners []int32 // pattern id → variant index in the bucket
}

// fieldLit is a literal that must occur in a field's value.
type fieldLit struct {
	field string
	lit   string
}

// minPrefilterLit is the shortest literal worth prefiltering on.
const minPrefilterLit = 3

// litCost estimates how often a set of literals would let a rule through
// the prefilter. Literals many rules share ("\\powershell.exe" in Image)
// are taken to be common in events too; rare ones are preferred.
type litCost func([]fieldLit) int

// necessary returns literals of which one must occur for m to match, or
// ok false when m can match without any. Where there is a choice (the
// children of an and, the values of an "all"), the cheapest set is taken.
func necessary(m matcher, cost litCost) (lits []fieldLit, ok bool) {
	switch x := m.(type) {
	case andMatcher:
		var best []fieldLit
		found := false
		for _, k := range x {
			l, ok := necessary(k, cost)
			if !ok {
				continue
			}
			if !found || cost(l) < cost(best) {
				best, found = l, true
			}
		}
		return best, found
	case orMatcher:
		for _, k := range x {
			l, ok := necessary(k, cost)
			if !ok {
				return nil, false
			}
			lits = append(lits, l...)
		}
		return lits, true
	case atLeast:
		return necessary(orMatcher(x.kids), cost)
	case constMatcher:
		return nil, !bool(x)
	case *fieldMatcher:
		if x.kind != fieldValues || x.neq {
			return nil, false
		}
		if x.all {
			var best []fieldLit
			found := false
			for _, g := range x.groups {
				var gl []fieldLit
				gok := true
				for _, i := range g {
					l, ok := valueLits(x.field.name, x.vals[i])
					if !ok {
						gok = false
						break
					}
					gl = append(gl, l...)
				}
				if gok && (!found || cost(gl) < cost(best)) {
					best, found = gl, true
				}
			}
			return best, found
		}
		for _, v := range x.vals {
			l, ok := valueLits(x.field.name, v)
			if !ok {
				return nil, false
			}
			lits = append(lits, l...)
		}
		return lits, true
	}
	return nil, false
}

func valueLits(field string, v valueMatcher) ([]fieldLit, bool) {
	switch p := v.(type) {
	case *pattern:
		if p.isInt {
			return nil, false // numbers are compared numerically too
		}
		best := ""
		for _, run := range p.literalRuns() {
			for _, part := range asciiRuns(run) {
				if len(part) > len(best) {
					best = part
				}
			}
		}
		if len(best) < minPrefilterLit {
			return nil, false
		}
		return []fieldLit{{field, lowerString(best)}}, true
	case *acMatcher:
		out := make([]fieldLit, 0, len(p.pats))
		for _, pp := range p.pats {
			if len(pp.lit) < minPrefilterLit {
				return nil, false
			}
			out = append(out, fieldLit{field, pp.lit})
		}
		return out, true
	}
	return nil, false
}

func asciiRuns(s string) []string {
	var out []string
	start := -1
	for i := 0; i <= len(s); i++ {
		if i < len(s) && s[i] < 0x80 {
			if start < 0 {
				start = i
			}
			continue
		}
		if start >= 0 {
			out = append(out, s[start:i])
			start = -1
		}
	}
	return out
}

func lowerString(s string) string {
	b := []byte(s)
	for i := range b {
		b[i] = lowerASCII(b[i])
	}
	return string(b)
}

// eventIDs returns the EventIDs m can match only, or nil for any.
func eventIDs(m matcher) []int64 {
	switch x := m.(type) {
	case andMatcher:
		var best []int64
		for _, k := range x {
			if ids := eventIDs(k); ids != nil && (best == nil || len(ids) < len(best)) {
				best = ids
			}
		}
		return best
	case orMatcher:
		var all []int64
		for _, k := range x {
			ids := eventIDs(k)
			if ids == nil {
				return nil
			}
			all = append(all, ids...)
		}
		return all
	case atLeast:
		return eventIDs(orMatcher(x.kids))
	case *fieldMatcher:
		if x.field.name != "EventID" || x.kind != fieldValues || x.neq || x.all || len(x.vals) == 0 {
			return nil
		}
		ids := make([]int64, 0, len(x.vals))
		for _, v := range x.vals {
			p, ok := v.(*pattern)
			if !ok || !p.isInt {
				return nil
			}
			ids = append(ids, p.intVal)
		}
		return ids
	}
	return nil
}

// allLits collects every literal a matcher could prefilter on.
func allLits(m matcher, add func(fieldLit)) {
	switch x := m.(type) {
	case andMatcher:
		for _, k := range x {
			allLits(k, add)
		}
	case orMatcher:
		for _, k := range x {
			allLits(k, add)
		}
	case atLeast:
		for _, k := range x.kids {
			allLits(k, add)
		}
	case *fieldMatcher:
		for _, v := range x.vals {
			if l, ok := valueLits(x.field.name, v); ok {
				for _, fl := range l {
					add(fl)
				}
			}
		}
	}
}

func newBucket(vs []*variant) *bucket {
	b := &bucket{variants: vs}
	freq := map[fieldLit]int{}
	for _, v := range vs {
		seen := map[fieldLit]bool{}
		allLits(v.det.root, func(l fieldLit) {
			if !seen[l] {
				seen[l] = true
				freq[l]++
			}
		})
	}
	cost := func(ls []fieldLit) int {
		c := 0
		for _, l := range ls {
			// Shared literals cost more; short ones too.
			c += 4*freq[l] + 16/len(l.lit)
		}
		return c
	}
	byField := map[string]*pfField{}
	lits := map[string][]string{}
	var order []string
	for i, v := range vs {
		nl, ok := necessary(v.det.root, cost)
		if !ok || len(nl) == 0 {
			if ok && len(nl) == 0 {
				continue // can never match
			}
			b.always = append(b.always, int32(i))
			continue
		}
		for _, l := range nl {
			f := byField[l.field]
			if f == nil {
				f = &pfField{ref: newFieldRef(l.field)}
				byField[l.field] = f
				order = append(order, l.field)
			}
			lits[l.field] = append(lits[l.field], l.lit)
			f.owners = append(f.owners, int32(i))
		}
	}
	sort.Strings(order)
	for _, name := range order {
		f := byField[name]
		f.ac = newAC(lits[name], true)
		b.fields = append(b.fields, f)
	}
	return b
}

func (rs *Ruleset) index(sources []Source) {
	per := make([][]*variant, len(sources))
	var free []*variant
	var all []*variant
	for _, cr := range rs.Rules {
		all = append(all, cr.base)
		accepted := false
		for i := range sources {
			s := &sources[i]
			if !s.accepts(cr.Logsource) {
				continue
			}
			accepted = true
			v := cr.variants[s]
			if v == nil {
				v = cr.base
			}
			per[i] = append(per[i], v)
		}
		if !accepted {
			free = append(free, cr.base)
		}
	}
	rs.srcIdx = make([]*bucket, len(sources))
	for i, vs := range per {
		if len(vs) > 0 {
			rs.srcIdx[i] = newBucket(vs)
		}
	}
	rs.free = newBucket(free)
	if rs.ignore {
		rs.all = newBucket(all)
	}
}

// scratch is per-call working memory, pooled.
type scratch struct {
	rec   Record
	srcs  []int
	seen  []uint64 // rule indexes evaluated
	marks []uint64 // prefilter hits in the current bucket
}

var scratchPool = sync.Pool{New: func() any { return &scratch{} }}

// Match calls fn for every detection rule e matches, at most once per
// rule. The Record passed to fn is valid only during the call.
func (rs *Ruleset) Match(e *event.Event, fn func(cr *CompiledRule, r *Record)) {
	sc := scratchPool.Get().(*scratch)
	defer scratchPool.Put(sc)
	sc.rec.reset(e)
	r := &sc.rec
	words := (len(rs.Rules) + 63) / 64
	if cap(sc.seen) < words {
		sc.seen = make([]uint64, words)
	}
	sc.seen = sc.seen[:words]
	clear(sc.seen)
	if rs.ignore {
		rs.matchBucket(rs.all, r, sc, fn)
		return
	}
	sc.srcs = rs.cls.classify(r, sc.srcs[:0])
	if len(sc.srcs) == 0 {
		rs.matchBucket(rs.free, r, sc, fn)
		return
	}
	for _, i := range sc.srcs {
		if b := rs.srcIdx[i]; b != nil {
			rs.matchBucket(b, r, sc, fn)
		}
	}
}

func (rs *Ruleset) matchBucket(b *bucket, r *Record, sc *scratch, fn func(*CompiledRule, *Record)) {
	try := func(i int32) {
		v := b.variants[i]
		idx := v.rule.index
		if sc.seen[idx>>6]&(1<<(idx&63)) != 0 {
			return
		}
		if v.match(r) {
			sc.seen[idx>>6] |= 1 << (idx & 63)
			fn(v.rule, r)
		}
	}
	for _, i := range b.always {
		try(i)
	}
	if len(b.fields) == 0 {
		return
	}
	words := (len(b.variants) + 63) / 64
	if cap(sc.marks) < words {
		sc.marks = make([]uint64, words)
	}
	marks := sc.marks[:words]
	clear(marks)
	hit := false
	for _, f := range b.fields {
		v, ok := r.get(f.ref)
		if !ok {
			continue
		}
		leavesOrScalar(v, func(x any) bool {
			s, ok := scalarString(x)
			if !ok {
				return false
			}
			st := int32(0)
			ac := f.ac
			for i := 0; i < len(s); i++ {
				st = ac.step(st, s[i])
				for _, id := range ac.out[st] {
					o := f.owners[id]
					marks[o>>6] |= 1 << (o & 63)
					hit = true
				}
			}
			return false
		})
	}
	if !hit {
		return
	}
	for w, word := range marks {
		for word != 0 {
			t := word & -word
			i := int32(w*64 + bits.TrailingZeros64(t))
			word ^= t
			try(i)
		}
	}
}

func leavesOrScalar(v any, fn func(any) bool) {
	switch v.(type) {
	case []any, map[string]any:
		leaves(v, fn, 0)
	default:
		fn(v)
	}
}
