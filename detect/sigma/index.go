package sigma

import (
	"math/bits"
	"sort"
	"strings"
	"sync"

	"github.com/mailtrip/mailtrip/event"
)

// Indexing. Rules are placed in one bucket per log source that accepts
// them (with the variant compiled for that source's field mapping), so an
// event meets only the rules of the sources it belongs to. Within a bucket
// a prefilter skips most rules without evaluating them:
//
//   - For each rule the compiler derives groups of literals (see
//     necessaryGroups): for every group, one of its literals must occur in
//     a given field (or, for keywords, in any value) for the rule to
//     match. Literals come from patterns, from Aho-Corasick lists and from
//     the literal parts regular expressions require. The pfSlots cheapest
//     groups are kept, preferring literals few other rules share.
//   - Per event, one Aho-Corasick pass over each prefiltered field's value
//     marks, slot by slot, the rules whose group has a literal there;
//     keyword literals of the whole rule set are searched once per event
//     over every value.
//   - A rule is evaluated only when every slot is marked (a rule without
//     a group in a slot has it marked beforehand) and its EventIDs, when
//     it names some, include the event's (one mask per EventID).
//
// A rule compiled once but met through several sources (the same
// variant in two buckets) is evaluated at most once per event.

// pfSlots is how many literal groups per rule the prefilter requires.
const pfSlots = 2

// maxPrefilterLit is the longest literal an automaton holds: longer ones
// are cut to their end (paths and hashes differ most there).
const maxPrefilterLit = 16

// bucket is the rules one log source meets.
type bucket struct {
	variants []*variant
	words    int                // bitset words per slot
	preset   []uint64           // pfSlots*words: marked before scanning (no group in the slot)
	anyEID   []uint64           // variants that do not restrict EventID
	byEID    map[int64][]uint64 // variants an event with that EventID can match
	fields   []*pfField
	kw       []kwOwner // keyword literals (ids in the rule set's keyword index)
	kwHigh   []int32   // mark bits for "some value holds a non-ASCII byte"
}

// pfField is the prefilter automaton of one field.
type pfField struct {
	ref    *fieldRef
	ac     *acAutomaton
	owners [][]int32 // pattern id → mark bits (slot*words*64 + variant index)
	high   []int32   // mark bits for "the value holds a non-ASCII byte"
}

// kwOwner marks bit when keyword literal pat occurs in the event.
type kwOwner struct{ pat, bit int32 }

// kwIndex is every keyword literal of the rule set, searched once per
// event over all of its values.
type kwIndex struct {
	ids  map[string]int32
	lits []string
	ac   *acAutomaton // nil without literals
	// numeric is set when some literal could occur in a number's text
	// (digits, sign, point, NaN, Inf); numbers are skipped otherwise.
	numeric bool
}

func (k *kwIndex) id(lit string) int32 {
	if id, ok := k.ids[lit]; ok {
		return id
	}
	id := int32(len(k.lits))
	k.ids[lit] = id
	k.lits = append(k.lits, lit)
	return id
}

// fieldLit is a literal that must occur in a field's value; field ""
// stands for any value of the event (keywords). With high, the value must
// hold a non-ASCII byte instead.
type fieldLit struct {
	field string
	lit   string
	high  bool
}

// litGroup is a set of literals of which at least one must occur for a
// rule to match. An empty group means the rule can never match.
type litGroup []fieldLit

// litCost estimates how often a group would let a rule through the
// prefilter. Literals many rules share ("\\powershell.exe" in Image) are
// taken to be common in events too; short ones are common too.
type litCost func(litGroup) int

// necessaryGroups returns literal groups that must all be satisfied for m
// to match (none when m constrains no literal).
func necessaryGroups(m matcher, cost litCost) []litGroup {
	switch x := m.(type) {
	case andMatcher:
		var out []litGroup
		for _, k := range x {
			out = append(out, necessaryGroups(k, cost)...)
		}
		return out
	case orMatcher:
		return unionGroups(x, cost)
	case atLeast:
		// "N of" with N > 1: at least one of the kids matches too.
		return unionGroups(x.kids, cost)
	case constMatcher:
		if !x {
			return []litGroup{{}}
		}
	case *fieldMatcher:
		// EventIDs are indexed separately (variant.eids).
		if x.kind != fieldValues || x.neq || x.field.name == "EventID" {
			return nil
		}
		return valueGroups(x.field.name, x.vals, x.all, x.groups)
	case *keywordMatcher:
		return valueGroups("", x.vals, x.all, x.groups)
	}
	return nil
}

// unionGroups is the group of an or: each alternative's cheapest group,
// together; none when some alternative has none.
func unionGroups(kids []matcher, cost litCost) []litGroup {
	u := litGroup{}
	for _, k := range kids {
		gs := necessaryGroups(k, cost)
		if len(gs) == 0 {
			return nil
		}
		best := gs[0]
		for _, g := range gs[1:] {
			if cost(g) < cost(best) {
				best = g
			}
		}
		u = append(u, best...)
	}
	return []litGroup{u}
}

// valueGroups returns the groups of one field's (or the keywords') values:
// one group holding a literal of every value, or with all, one group per
// value (holding its alternatives).
func valueGroups(field string, vals []valueMatcher, all bool, groups [][]int) []litGroup {
	if !all {
		g := litGroup{}
		for _, v := range vals {
			l, ok := valueLits(field, v)
			if !ok {
				return nil
			}
			g = append(g, l...)
		}
		return []litGroup{g}
	}
	var out []litGroup
next:
	for _, idx := range groups {
		g := litGroup{}
		for _, i := range idx {
			l, ok := valueLits(field, vals[i])
			if !ok {
				continue next
			}
			g = append(g, l...)
		}
		out = append(out, g)
	}
	return out
}

// valueLits returns literals (lower-cased) of which one occurs, folding
// ASCII case, in every scalar text v matches.
func valueLits(field string, v valueMatcher) ([]fieldLit, bool) {
	switch p := v.(type) {
	case *pattern:
		if !p.cased && !p.ascii {
			// The pattern has non-ASCII letters: an ASCII value cannot
			// hold them, and a non-ASCII value is lower-cased with
			// Unicode rules first (where the Kelvin sign becomes "k"),
			// so its bytes need not hold the pattern's ASCII parts.
			return []fieldLit{{field: field, high: true}}, true
		}
		// An integer pattern matches a number numerically, but the
		// number's text (scalarString) then holds the same digits.
		best := ""
		for _, run := range p.literalRuns() {
			if len(run) > len(best) {
				best = run
			}
		}
		if best == "" {
			return nil, false
		}
		return []fieldLit{{field: field, lit: lowerString(best)}}, true
	case *acMatcher:
		out := make([]fieldLit, 0, len(p.pats))
		for _, pp := range p.pats {
			if pp.lit == "" {
				return nil, false
			}
			out = append(out, fieldLit{field: field, lit: pp.lit})
		}
		return out, true
	case *reMatcher:
		if len(p.lits) == 0 {
			return nil, false
		}
		out := make([]fieldLit, 0, len(p.lits))
		for _, l := range p.lits {
			out = append(out, fieldLit{field: field, lit: l})
		}
		return out, true
	}
	return nil, false
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
	case *keywordMatcher:
		for _, v := range x.vals {
			if l, ok := valueLits("", v); ok {
				for _, fl := range l {
					add(fl)
				}
			}
		}
	}
}

// litFrequency estimates how common each literal of a bucket is in
// events: the number of rules with a literal of the same field that
// contains it. A literal inside many others ("\\windows\\" inside
// "c:\\windows\\system32\\") is generic.
func litFrequency(vs []*variant) map[fieldLit]int {
	perRule := make([][]fieldLit, len(vs))
	byField := map[string]map[string]int32{}
	for i, v := range vs {
		seen := map[fieldLit]bool{}
		allLits(v.det.root, func(l fieldLit) {
			if l.high || seen[l] {
				return
			}
			seen[l] = true
			perRule[i] = append(perRule[i], l)
			if byField[l.field] == nil {
				byField[l.field] = map[string]int32{}
			}
			byField[l.field][l.lit] = 0
		})
	}
	type fieldAC struct {
		ac    *acAutomaton
		lits  []string
		count []int
		last  []int
	}
	acs := map[string]*fieldAC{}
	for field, set := range byField {
		f := &fieldAC{}
		for l := range set {
			f.lits = append(f.lits, l)
		}
		sort.Strings(f.lits)
		f.ac = newAC(f.lits, true)
		f.count = make([]int, len(f.lits))
		f.last = make([]int, len(f.lits))
		for i := range f.last {
			f.last[i] = -1
		}
		acs[field] = f
	}
	for i, ls := range perRule {
		for _, l := range ls {
			f := acs[l.field]
			a := f.ac
			row := int32(0)
			for j := 0; j < len(l.lit); j++ {
				e := a.next[row+int32(a.class[l.lit[j]])]
				row = e >> 1
				if e&1 == 0 {
					continue
				}
				for _, id := range a.out[row/int32(a.width)] {
					if f.last[id] != i {
						f.last[id] = i
						f.count[id]++
					}
				}
			}
		}
	}
	freq := map[fieldLit]int{}
	for field, f := range acs {
		for id, l := range f.lits {
			freq[fieldLit{field: field, lit: l}] = f.count[id]
		}
	}
	return freq
}

// fieldBuilder gathers one field's prefilter literals.
type fieldBuilder struct {
	ids    map[string]int32
	lits   []string
	owners [][]int32
	high   []int32
}

// acCache shares automatons between buckets with the same literals (the
// process_creation rules of Sysmon and of Security 4688, say).
type acCache map[string]*acAutomaton

func (c acCache) get(lits []string) *acAutomaton {
	key := strings.Join(lits, "\x00")
	if a, ok := c[key]; ok {
		return a
	}
	a := newAC(lits, true)
	c[key] = a
	return a
}

func newBucket(vs []*variant, kw *kwIndex, acs acCache) *bucket {
	b := &bucket{variants: vs, words: (len(vs) + 63) / 64}
	freq := litFrequency(vs)
	cost := func(g litGroup) int {
		c := 0
		for _, l := range g {
			if l.high {
				c++ // non-ASCII text is rare in Windows logs
				continue
			}
			// Common literals cost more, short ones too; keywords are
			// searched in every value.
			c += 4*freq[l] + 16/len(l.lit)
			if l.field == "" {
				c += 4
			}
		}
		return c
	}
	b.preset = make([]uint64, pfSlots*b.words)
	b.anyEID = make([]uint64, b.words)
	byEID := map[int64][]int{}
	byField := map[string]*fieldBuilder{}
	setBit := func(set []uint64, i int) { set[i>>6] |= 1 << (i & 63) }
	for i, v := range vs {
		if v.eids == nil {
			setBit(b.anyEID, i)
		}
		for _, id := range v.eids {
			if l := byEID[id]; len(l) == 0 || l[len(l)-1] != i {
				byEID[id] = append(l, i)
			}
		}
		gs := necessaryGroups(v.det.root, cost)
		sort.SliceStable(gs, func(x, y int) bool { return cost(gs[x]) < cost(gs[y]) })
		for s := 0; s < pfSlots; s++ {
			bit := s*b.words*64 + i
			if s >= len(gs) {
				setBit(b.preset, bit)
				continue
			}
			for _, l := range gs[s] {
				if len(l.lit) > maxPrefilterLit {
					// Any part of a required literal is required too;
					// shorter literals keep the automatons small.
					l.lit = l.lit[len(l.lit)-maxPrefilterLit:]
				}
				if l.field == "" {
					if l.high {
						b.kwHigh = append(b.kwHigh, int32(bit))
					} else {
						b.kw = append(b.kw, kwOwner{pat: kw.id(l.lit), bit: int32(bit)})
					}
					continue
				}
				fb := byField[l.field]
				if fb == nil {
					fb = &fieldBuilder{ids: map[string]int32{}}
					byField[l.field] = fb
				}
				if l.high {
					if len(fb.high) == 0 || fb.high[len(fb.high)-1] != int32(bit) {
						fb.high = append(fb.high, int32(bit))
					}
					continue
				}
				id, ok := fb.ids[l.lit]
				if !ok {
					id = int32(len(fb.lits))
					fb.ids[l.lit] = id
					fb.lits = append(fb.lits, l.lit)
					fb.owners = append(fb.owners, nil)
				}
				if o := fb.owners[id]; len(o) == 0 || o[len(o)-1] != int32(bit) {
					fb.owners[id] = append(o, int32(bit))
				}
			}
		}
	}
	if len(byEID) > 0 {
		b.byEID = make(map[int64][]uint64, len(byEID))
		for id, list := range byEID {
			m := append([]uint64(nil), b.anyEID...)
			for _, i := range list {
				setBit(m, i)
			}
			b.byEID[id] = m
		}
	}
	names := make([]string, 0, len(byField))
	for name := range byField {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		fb := byField[name]
		b.fields = append(b.fields, &pfField{ref: newFieldRef(name), ac: acs.get(fb.lits), owners: fb.owners, high: fb.high})
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
	// Number the variants, for evaluating each at most once per event.
	n := int32(0)
	ids := map[*variant]bool{}
	number := func(vs []*variant) {
		for _, v := range vs {
			if !ids[v] {
				ids[v] = true
				v.id = n
				n++
			}
		}
	}
	kw := &kwIndex{ids: map[string]int32{}}
	acs := acCache{}
	rs.srcIdx = make([]*bucket, len(sources))
	for i, vs := range per {
		if len(vs) > 0 {
			number(vs)
			rs.srcIdx[i] = newBucket(vs, kw, acs)
		}
	}
	number(free)
	rs.free = newBucket(free, kw, acs)
	if rs.ignore {
		number(all)
		rs.all = newBucket(all, kw, acs)
	}
	rs.nvariants = int(n)
	if len(kw.lits) > 0 {
		kw.ac = newAC(kw.lits, true)
	}
	for _, l := range kw.lits {
		if strings.Trim(l, "0123456789.-+naif") == "" {
			kw.numeric = true
		}
	}
	rs.kw = kw
}

// scratch is per-call working memory, pooled.
type scratch struct {
	rec    Record
	srcs   []int
	seen   []uint64 // rules matched, by rule index
	tried  []uint64 // variants evaluated, by variant id
	marks  []uint64 // prefilter marks in the current bucket
	kwDone bool
	kwHits []uint64 // keyword literals found in the event
	kwHigh bool     // some value of the event holds a non-ASCII byte
}

var scratchPool = sync.Pool{New: func() any { return &scratch{} }}

// bitset returns buf resized to n bits, cleared.
func bitset(buf []uint64, n int) []uint64 {
	words := (n + 63) / 64
	if cap(buf) < words {
		return make([]uint64, words)
	}
	buf = buf[:words]
	clear(buf)
	return buf
}

// Match calls fn for every detection rule e matches, at most once per
// rule. The Record passed to fn is valid only during the call.
func (rs *Ruleset) Match(e *event.Event, fn func(cr *CompiledRule, r *Record)) {
	sc := scratchPool.Get().(*scratch)
	defer scratchPool.Put(sc)
	sc.rec.reset(e)
	r := &sc.rec
	sc.seen = bitset(sc.seen, len(rs.Rules))
	sc.tried = bitset(sc.tried, rs.nvariants)
	sc.kwDone = false
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
	if len(b.variants) == 0 {
		return
	}
	words := b.words
	if cap(sc.marks) < len(b.preset) {
		sc.marks = make([]uint64, len(b.preset))
	}
	marks := sc.marks[:len(b.preset)]
	copy(marks, b.preset)
	for _, f := range b.fields {
		v, ok := r.get(f.ref)
		if !ok {
			continue
		}
		if s, ok := v.(string); ok {
			f.mark(s, marks)
			continue
		}
		leavesOrScalar(v, func(x any) bool {
			if s, ok := scalarString(x); ok {
				f.mark(s, marks)
			}
			return false
		})
	}
	if len(b.kw) > 0 || len(b.kwHigh) > 0 {
		if !sc.kwDone {
			rs.scanKeywords(r, sc)
		}
		for _, o := range b.kw {
			if sc.kwHits[o.pat>>6]&(1<<(o.pat&63)) != 0 {
				marks[o.bit>>6] |= 1 << (o.bit & 63)
			}
		}
		if sc.kwHigh {
			for _, o := range b.kwHigh {
				marks[o>>6] |= 1 << (o & 63)
			}
		}
	}
	eidm := b.anyEID
	if b.byEID != nil {
		if id, ok := r.eventID(); ok {
			if m, ok := b.byEID[id]; ok {
				eidm = m
			}
		}
	}
	second := marks[words:]
	for w, word := range marks[:words] {
		word &= second[w] & eidm[w]
		for word != 0 {
			t := word & -word
			word ^= t
			v := b.variants[w*64+bits.TrailingZeros64(t)]
			if sc.tried[v.id>>6]&(1<<(v.id&63)) != 0 {
				continue
			}
			sc.tried[v.id>>6] |= 1 << (v.id & 63)
			idx := v.rule.index
			if sc.seen[idx>>6]&(1<<(idx&63)) != 0 {
				continue
			}
			if v.match(r) {
				sc.seen[idx>>6] |= 1 << (idx & 63)
				fn(v.rule, r)
			}
		}
	}
}

// mark sets the mark bits of the rules whose literals occur in s.
func (f *pfField) mark(s string, marks []uint64) {
	a := f.ac
	next, class, w := a.next, &a.class, int32(a.width)
	row := int32(0)
	var acc byte
	for i := 0; i < len(s); i++ {
		c := s[i]
		acc |= c
		e := next[row+int32(class[c])]
		row = e >> 1
		if e&1 == 0 {
			continue
		}
		for _, id := range a.out[row/w] {
			for _, o := range f.owners[id] {
				marks[o>>6] |= 1 << (o & 63)
			}
		}
	}
	if acc >= 0x80 {
		for _, o := range f.high {
			marks[o>>6] |= 1 << (o & 63)
		}
	}
}

// scanKeywords finds the rule set's keyword literals in every value of
// the event, once per event.
func (rs *Ruleset) scanKeywords(r *Record, sc *scratch) {
	sc.kwDone = true
	sc.kwHigh = false
	sc.kwHits = bitset(sc.kwHits, len(rs.kw.lits))
	a := rs.kw.ac
	hits := sc.kwHits
	numeric := rs.kw.numeric
	r.leaves(func(x any) bool {
		var s string
		switch x := x.(type) {
		case string:
			s = x
		case float64, float32, int, int64, int32, uint64, uint32:
			if !numeric {
				return false // ASCII digits, sign and point: no literal there
			}
			s, _ = scalarString(x)
		default:
			var ok bool
			if s, ok = scalarString(x); !ok {
				return false
			}
		}
		if a == nil {
			sc.kwHigh = sc.kwHigh || !isASCII(s)
			return false
		}
		next, class, w := a.next, &a.class, int32(a.width)
		row := int32(0)
		var acc byte
		for i := 0; i < len(s); i++ {
			c := s[i]
			acc |= c
			e := next[row+int32(class[c])]
			row = e >> 1
			if e&1 == 0 {
				continue
			}
			for _, id := range a.out[row/w] {
				hits[id>>6] |= 1 << (id & 63)
			}
		}
		if acc >= 0x80 {
			sc.kwHigh = true
		}
		return false
	})
}

func leavesOrScalar(v any, fn func(any) bool) {
	switch v.(type) {
	case []any, map[string]any:
		leaves(v, fn, 0)
	default:
		fn(v)
	}
}
