package sigma

import (
	"fmt"
	"net/netip"
	"strings"

	"go.yaml.in/yaml/v3"
)

// matcher is a compiled piece of a detection.
type matcher interface {
	match(r *Record) bool
}

type andMatcher []matcher

func (m andMatcher) match(r *Record) bool {
	for _, x := range m {
		if !x.match(r) {
			return false
		}
	}
	return true
}

type orMatcher []matcher

func (m orMatcher) match(r *Record) bool {
	for _, x := range m {
		if x.match(r) {
			return true
		}
	}
	return false
}

type notMatcher struct{ m matcher }

func (m notMatcher) match(r *Record) bool { return !m.m.match(r) }

// atLeast is "N of ..." for N > 1.
type atLeast struct {
	n    int
	kids []matcher
}

func (m atLeast) match(r *Record) bool {
	c := 0
	for _, k := range m.kids {
		if k.match(r) {
			c++
			if c >= m.n {
				return true
			}
		}
	}
	return false
}

type constMatcher bool

func (m constMatcher) match(*Record) bool { return bool(m) }

type fieldKind uint8

const (
	fieldValues fieldKind = iota
	fieldNull             // Field: null — absent or null
	fieldExists           // Field|exists: true/false
)

// fieldMatcher is one "Field|modifiers: values" entry of a selection.
type fieldMatcher struct {
	field *fieldRef
	key   string // as written in the rule, for evidence
	kind  fieldKind
	want  bool // fieldExists
	vals  []valueMatcher
	all   bool
	neq   bool
	// groups: with all, each value may have expanded into several
	// alternatives (base64offset, windash); group[i] lists vals indexes.
	groups [][]int
}

func (f *fieldMatcher) match(r *Record) bool {
	v, ok := r.get(f.field)
	switch f.kind {
	case fieldExists:
		return ok == f.want
	case fieldNull:
		return !ok || v == nil
	}
	if !ok {
		return false
	}
	if f.neq {
		return v != nil && !f.matchValue(v, r)
	}
	return f.matchValue(v, r)
}

func (f *fieldMatcher) matchValue(v any, r *Record) bool {
	if !f.all {
		return matchAnyLeaf(v, r, f.vals)
	}
	for _, g := range f.groups {
		ok := false
		for _, i := range g {
			if matchAnyLeaf(v, r, f.vals[i:i+1]) {
				ok = true
				break
			}
		}
		if !ok {
			return false
		}
	}
	return true
}

// matchAnyLeaf reports whether some matcher matches v or, when v is a list
// or map, some scalar inside it (lists are matched element by element).
func matchAnyLeaf(v any, r *Record, vals []valueMatcher) bool {
	switch v.(type) {
	case []any, map[string]any:
		return leaves(v, func(x any) bool {
			for _, m := range vals {
				if m.matchScalar(x, r) {
					return true
				}
			}
			return false
		}, 0)
	case nil:
		return false
	}
	for _, m := range vals {
		if m.matchScalar(v, r) {
			return true
		}
	}
	return false
}

// keywordMatcher searches every value of the event.
type keywordMatcher struct {
	vals   []valueMatcher
	all    bool
	groups [][]int
}

func (k *keywordMatcher) match(r *Record) bool {
	if !k.all {
		return r.leaves(func(x any) bool {
			for _, m := range k.vals {
				if m.matchScalar(x, r) {
					return true
				}
			}
			return false
		})
	}
	for _, g := range k.groups {
		if !r.leaves(func(x any) bool {
			for _, i := range g {
				if k.vals[i].matchScalar(x, r) {
					return true
				}
			}
			return false
		}) {
			return false
		}
	}
	return true
}

// compileEnv is what compiling a detection needs from the rule set.
type compileEnv struct {
	file         string
	fieldMap     map[string]string   // Sigma name → event name (log source mapping)
	placeholders map[string][]string // expand values
	warnings     []string
	fields       map[string]*fieldRef // shared refs
}

func (env *compileEnv) ref(name string) *fieldRef {
	if mapped, ok := env.fieldMap[name]; ok {
		name = mapped
	}
	if f, ok := env.fields[name]; ok {
		return f
	}
	if env.fields == nil {
		env.fields = map[string]*fieldRef{}
	}
	f := newFieldRef(name)
	env.fields[name] = f
	return f
}

// detection is a compiled detection section.
type detection struct {
	names []string // search identifiers in order
	sels  map[string]matcher
	cond  *condNode // resolved
	root  matcher
}

// compileDetection compiles a detection mapping (search identifiers and
// condition).
func compileDetection(node *yaml.Node, env *compileEnv) (*detection, error) {
	d := &detection{sels: map[string]matcher{}}
	var condNodes []*yaml.Node
	for _, kv := range mapEntries(node) {
		name := kv[0].Value
		switch name {
		case "condition":
			condNodes = append(condNodes, kv[1])
			continue
		case "timeframe":
			return nil, &UnsupportedError{What: "timeframe (Sigma 1 aggregation); use a correlation rule"}
		}
		m, err := compileSearch(kv[1], env)
		if err != nil {
			return nil, perr(env.file, kv[0], "search identifier %s: %w", name, err)
		}
		d.names = append(d.names, name)
		d.sels[name] = m
	}
	if len(condNodes) == 0 {
		return nil, perr(env.file, node, "detection has no condition")
	}
	var conds []string
	for _, c := range condNodes {
		switch {
		case c == nil:
		case c.Kind == yaml.ScalarNode:
			conds = append(conds, c.Value)
		case c.Kind == yaml.SequenceNode:
			for _, x := range c.Content {
				conds = append(conds, scalar(resolveAlias(x)))
			}
		}
	}
	if len(conds) == 0 {
		return nil, perr(env.file, condNodes[0], "condition is empty")
	}
	var roots []*condNode
	for _, cs := range conds {
		c, err := parseCondition(cs)
		if err != nil {
			return nil, perr(env.file, condNodes[0], "condition %q: %w", cs, err)
		}
		rc, err := c.resolve(d.names)
		if err != nil {
			return nil, perr(env.file, condNodes[0], "condition %q: %w", cs, err)
		}
		roots = append(roots, rc)
	}
	d.cond = roots[0]
	if len(roots) > 1 {
		d.cond = &condNode{op: condOr, kids: roots}
	}
	d.root = d.build(d.cond)
	return d, nil
}

func (d *detection) build(c *condNode) matcher {
	switch c.op {
	case condIdent:
		return d.sels[c.ident]
	case condNot:
		return notMatcher{d.build(c.kids[0])}
	case condAnd, condOr:
		kids := make([]matcher, len(c.kids))
		for i, k := range c.kids {
			kids[i] = d.build(k)
		}
		if c.op == condAnd {
			return andMatcher(kids)
		}
		return orMatcher(kids)
	case condOf:
		kids := make([]matcher, len(c.kids))
		for i, k := range c.kids {
			kids[i] = d.build(k)
		}
		return atLeast{n: c.n, kids: kids}
	}
	return constMatcher(false)
}

// compileSearch compiles one search identifier's value: a map (AND of
// field entries), a list of maps (OR), or a list of keywords (OR).
func compileSearch(n *yaml.Node, env *compileEnv) (matcher, error) {
	if n == nil {
		return nil, fmt.Errorf("empty search identifier")
	}
	switch n.Kind {
	case yaml.MappingNode:
		return compileMap(n, env)
	case yaml.SequenceNode:
		var alts orMatcher
		var kws []*yaml.Node
		for _, el := range n.Content {
			el = resolveAlias(el)
			if el == nil {
				continue
			}
			switch el.Kind {
			case yaml.MappingNode:
				m, err := compileMap(el, env)
				if err != nil {
					return nil, err
				}
				alts = append(alts, m)
			case yaml.ScalarNode:
				kws = append(kws, el)
			default:
				return nil, fmt.Errorf("line %d: nested list in a search identifier", el.Line)
			}
		}
		if len(kws) > 0 {
			m, err := compileKeywords(&yaml.Node{Kind: yaml.SequenceNode, Content: kws}, nil, env)
			if err != nil {
				return nil, err
			}
			alts = append(alts, m)
		}
		if len(alts) == 1 {
			return alts[0], nil
		}
		return alts, nil
	case yaml.ScalarNode:
		return compileKeywords(n, nil, env)
	}
	return nil, fmt.Errorf("line %d: search identifier must be a map or a list", n.Line)
}

func compileMap(n *yaml.Node, env *compileEnv) (matcher, error) {
	var out andMatcher
	for _, kv := range mapEntries(n) {
		key := kv[0].Value
		parts := strings.Split(key, "|")
		field, mods := parts[0], parts[1:]
		var m matcher
		var err error
		if field == "" {
			m, err = compileKeywords(kv[1], mods, env)
		} else {
			m, err = compileField(field, key, mods, kv[1], env)
		}
		if err != nil {
			return nil, fmt.Errorf("line %d: %s: %w", kv[0].Line, key, err)
		}
		out = append(out, m)
	}
	if len(out) == 1 {
		return out[0], nil
	}
	return out, nil
}

// valueNodes returns the scalar values of an entry (one, or a list).
func valueNodes(n *yaml.Node) ([]*yaml.Node, error) {
	if n == nil {
		return []*yaml.Node{{Kind: yaml.ScalarNode, Tag: "!!null"}}, nil
	}
	switch n.Kind {
	case yaml.ScalarNode:
		return []*yaml.Node{n}, nil
	case yaml.SequenceNode:
		out := make([]*yaml.Node, 0, len(n.Content))
		for _, c := range n.Content {
			c = resolveAlias(c)
			if c == nil || c.Kind != yaml.ScalarNode {
				return nil, fmt.Errorf("a value list may hold only scalars")
			}
			out = append(out, c)
		}
		return out, nil
	}
	return nil, fmt.Errorf("value must be a scalar or a list of scalars")
}

func isNull(n *yaml.Node) bool { return n.Tag == "!!null" }

func compileField(field, key string, modList []string, vn *yaml.Node, env *compileEnv) (matcher, error) {
	mods, err := parseModifiers(modList)
	if err != nil {
		return nil, err
	}
	vals, err := valueNodes(vn)
	if err != nil {
		return nil, err
	}
	f := &fieldMatcher{field: env.ref(field), key: key, all: mods.all, neq: mods.neq}
	if mods.exists {
		if len(vals) != 1 || (vals[0].Value != "true" && vals[0].Value != "false") {
			return nil, fmt.Errorf("exists wants true or false")
		}
		f.kind, f.want = fieldExists, vals[0].Value == "true"
		return f, nil
	}
	if len(vals) == 1 && isNull(vals[0]) && !mods.fieldref {
		f.kind = fieldNull
		if mods.neq {
			return &fieldMatcher{field: f.field, key: key, kind: fieldExists, want: true}, nil
		}
		return f, nil
	}
	var nullAlt bool
	for _, v := range vals {
		if isNull(v) {
			nullAlt = true
			continue
		}
		group, err := compileValue(v.Value, mods, env)
		if err != nil {
			return nil, err
		}
		idx := make([]int, 0, len(group))
		for _, g := range group {
			idx = append(idx, len(f.vals))
			f.vals = append(f.vals, g)
		}
		f.groups = append(f.groups, idx)
	}
	if !f.all {
		f.vals = packContains(f.vals)
	}
	var m matcher = f
	if nullAlt {
		m = orMatcher{f, &fieldMatcher{field: f.field, key: key, kind: fieldNull}}
	}
	return m, nil
}

// compileValue compiles one rule value under mods into its alternatives.
func compileValue(raw string, mods modifiers, env *compileEnv) ([]valueMatcher, error) {
	switch {
	case mods.fieldref:
		how := ""
		for _, t := range mods.transforms {
			switch t {
			case "contains", "startswith", "endswith":
				how = t
			default:
				return nil, fmt.Errorf("fieldref cannot be combined with %s", t)
			}
		}
		return []valueMatcher{&fieldrefMatcher{other: env.ref(raw), how: how, cased: mods.cased}}, nil
	case mods.re:
		re, err := compileRegexp(raw, mods.reFlags)
		if err != nil {
			return nil, err
		}
		return []valueMatcher{&reMatcher{re: re, lits: regexpLiterals(re.String())}}, nil
	case mods.cidr:
		p, err := parsePrefix(raw)
		if err != nil {
			return nil, err
		}
		return []valueMatcher{&cidrMatcher{prefix: p}}, nil
	case mods.timePart != "":
		x, err := parseNumber(raw)
		if err != nil {
			return nil, err
		}
		return []valueMatcher{&timeMatcher{part: mods.timePart, num: numMatcher{op: mods.cmp, val: x}}}, nil
	case mods.cmp != "":
		x, err := parseNumber(raw)
		if err != nil {
			return nil, err
		}
		return []valueMatcher{&numMatcher{op: mods.cmp, val: x}}, nil
	}
	raws := []string{raw}
	if mods.expand {
		var missing []string
		raws, missing = expandPlaceholders(raw, env.placeholders)
		for _, m := range missing {
			env.warnings = append(env.warnings, fmt.Sprintf("placeholder %%%s%% has no configured values; its values match nothing", m))
		}
	}
	var out []valueMatcher
	for _, r := range raws {
		ss, err := transformValue(parseSigmaString(r), mods.transforms)
		if err != nil {
			return nil, err
		}
		if len(out)+len(ss) > MaxExpansion*4 {
			return nil, fmt.Errorf("value expands into too many alternatives")
		}
		for _, s := range ss {
			out = append(out, compilePattern(s, mods.cased))
		}
	}
	return out, nil
}

// acThreshold is how many contains patterns of one field make an
// Aho-Corasick automaton worthwhile.
const acThreshold = 6

// packContains replaces many case-insensitive ASCII contains patterns by
// one automaton.
func packContains(vals []valueMatcher) []valueMatcher {
	var lits []string
	var pats []*pattern
	var rest []valueMatcher
	for _, v := range vals {
		if p, ok := v.(*pattern); ok && p.kind == patContains && !p.cased && p.ascii && p.lit != "" {
			lits = append(lits, p.lit)
			pats = append(pats, p)
			continue
		}
		rest = append(rest, v)
	}
	if len(lits) < acThreshold {
		return vals
	}
	return append(rest, &acMatcher{ac: newAC(lits, true), pats: pats})
}

func compileKeywords(n *yaml.Node, modList []string, env *compileEnv) (matcher, error) {
	mods, err := parseModifiers(modList)
	if err != nil {
		return nil, err
	}
	if mods.exists || mods.fieldref || mods.neq {
		return nil, fmt.Errorf("keyword searches take no exists, fieldref or neq")
	}
	vals, err := valueNodes(n)
	if err != nil {
		return nil, err
	}
	k := &keywordMatcher{all: mods.all}
	for _, v := range vals {
		if isNull(v) {
			continue
		}
		km := mods
		if !km.re && !km.cidr && km.cmp == "" && km.timePart == "" && len(km.transforms) == 0 {
			// A keyword is found anywhere in a value.
			km.transforms = []string{"contains"}
		}
		group, err := compileValue(v.Value, km, env)
		if err != nil {
			return nil, err
		}
		idx := make([]int, 0, len(group))
		for _, g := range group {
			idx = append(idx, len(k.vals))
			k.vals = append(k.vals, g)
		}
		k.groups = append(k.groups, idx)
	}
	if !k.all {
		k.vals = packContains(k.vals)
	}
	return k, nil
}

func parsePrefix(s string) (netip.Prefix, error) {
	s = strings.TrimSpace(s)
	if !strings.Contains(s, "/") {
		a, err := netip.ParseAddr(s)
		if err != nil {
			return netip.Prefix{}, fmt.Errorf("cidr %q: %v", s, err)
		}
		return a.Prefix(a.BitLen())
	}
	p, err := netip.ParsePrefix(s)
	if err != nil {
		return p, fmt.Errorf("cidr %q: %v", s, err)
	}
	return p.Masked(), nil
}
