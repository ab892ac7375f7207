package evtx

import (
	"fmt"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// Fields maps the record to the field names Sigma rules use for Windows
// event logs, with typed values (see below):
//
//   - every leaf element of Event/System by its name: EventID, Version,
//     Level, Task, Opcode, Keywords, EventRecordID, Channel, Computer, …
//   - attributes of System's elements as Element_Attribute: Provider_Name,
//     Provider_Guid, EventID_Qualifiers, TimeCreated_SystemTime,
//     Execution_ProcessID, Execution_ThreadID, Security_UserID,
//     Correlation_ActivityID, …; TimeCreated is the SystemTime instant too.
//   - EventData's Data elements by their Name attribute; unnamed Data
//     elements as Data (one) or Data[1], Data[2], … (several; Data then
//     holds all of them as []any); other EventData leaves by element name.
//   - UserData's leaf elements by element name.
//   - every element and attribute by its dotted path too: Event.System.EventID,
//     Event.System.Provider.Name, Event.EventData.<Name>, Event.UserData.….
//
// Values: integers are int64 (uint64 above MaxInt64), floats float64,
// booleans bool, FILETIME and SYSTEMTIME time.Time (UTC), arrays []any, and
// everything else a string rendered as Windows renders it (GUID upper case in
// braces, SID S-1-…, hex32/hex64/size_t as 0x… without padding, binary as
// upper-case hex). Elements whose value is a NULL substitution are absent;
// empty elements are "".
//
// Each call returns a new map; values that come from the template rather
// than from the record (element and attribute literals) may be shared
// between the maps of records of the same template, except arrays.
func (r *Record) Fields() map[string]any {
	if r.root == nil {
		return make(map[string]any)
	}
	pl := r.root.tmpl.plan(r.c, nil)
	m := make(map[string]any, pl.hint.Load())
	r.fill(m, pl)
	return m
}

// FieldsInto clears m and fills it with Fields' keys and values, reusing
// m's storage: cheaper than Fields when the caller is done with the previous
// record's map.
func (r *Record) FieldsInto(m map[string]any) {
	clear(m)
	if r.root == nil {
		return
	}
	r.fill(m, r.root.tmpl.plan(r.c, nil))
}

func (r *Record) fill(m map[string]any, pl *fieldPlan) {
	w := fieldWalker{c: r.c, m: m}
	w.frag(r.root, pl)
	w.finish()
	if n := int32(len(m)); n > pl.hint.Load() {
		pl.hint.Store(n)
	}
}

// A fieldPlan is what Fields needs of one template at one position in the
// document (the path of the element holding it; nested binary XML values
// are templates too), computed once: every key, and the values that come
// from the template itself. ent is indexed like the template's ops.
type fieldPlan struct {
	path []string
	ent  []planEnt
	hint atomic.Int32 // map size the last records needed
	memo bool         // memoize values (not for a plain fragment's one-off plan)
}

type planEnt struct {
	key   string   // opElem: dotted path; opAttr: dotted path "." attribute
	alias string   // short key: leaf name (System, EventData, UserData), Element_Attribute (System)
	path  []string // opElem: the element's path; opSubst: the path a nested fragment gets
	flags planFlag
	// The value when it comes from the template alone (flags&pStatic).
	sval any
	// EventData Name attribute with a static value: the Data element's keys.
	dataName, dataKey string
	// The last value of a single substitution here (see memo).
	memo        atomic.Pointer[memo]
	tries, hits atomic.Int32
}

type planFlag uint8

const (
	pStatic      planFlag = 1 << iota // sval (and pStaticOK) is the value
	pStaticOK                         // the static value is present (not NULL)
	pTimeCreated                      // System/TimeCreated/@SystemTime: also "TimeCreated"
	pDataName                         // EventData …/@Name: names the Data element
	pData                             // an EventData Data element
	pHasElem                          // the content holds an element
	pHasSubst                         // the content holds a substitution (maybe binary XML)
	pAttrsOnly                        // no content, attributes, not Data: the attributes are the value
)

// planSet holds a template's plans: the one for the document root, and the
// ones for the positions nested binary XML put it at.
type planSet struct {
	root   atomic.Pointer[fieldPlan]
	mu     sync.Mutex
	nested []*fieldPlan
}

// plan returns the template's plan at path; c is the chunk of the fragment
// (for a plain fragment's ops).
func (t *template) plan(c *chunkCtx, path []string) *fieldPlan {
	ops := t.opsFor(c)
	if len(path) == 0 {
		if p := t.plans.root.Load(); p != nil {
			return p
		}
		t.plans.root.CompareAndSwap(nil, newPlan(ops, nil, !t.plain))
		return t.plans.root.Load()
	}
	t.plans.mu.Lock()
	defer t.plans.mu.Unlock()
	for _, p := range t.plans.nested {
		if equalPath(p.path, path) {
			return p
		}
	}
	p := newPlan(ops, path, !t.plain)
	if len(t.plans.nested) < 64 { // bound: one per distinct nesting position
		t.plans.nested = append(t.plans.nested, p)
	}
	return p
}

func equalPath(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func newPlan(ops []op, path []string, memo bool) *fieldPlan {
	p := &fieldPlan{path: path, ent: make([]planEnt, len(ops)), memo: memo}
	p.hint.Store(16)
	p.build(ops, 0, len(ops), path)
	return p
}

func (p *fieldPlan) build(ops []op, from, to int, path []string) {
	for i := from; i < to; {
		switch ops[i].kind {
		case opElem:
			p.element(ops, i, path)
			i = int(ops[i].next)
		case opSubst:
			p.ent[i].path = path
			i++
		default:
			i++
		}
	}
}

func (p *fieldPlan) element(ops []op, i int, parent []string) {
	o := &ops[i]
	e := &p.ent[i]
	path := append(parent[:len(parent):len(parent)], o.name)
	e.path = path
	e.key = strings.Join(path, ".")
	section := ""
	if len(path) >= 3 && path[0] == "Event" {
		section = path[1]
	}
	switch {
	case section == "System" && len(path) == 3, section == "EventData", section == "UserData":
		e.alias = o.name
	}
	isData := section == "EventData" && o.name == "Data"
	if isData {
		e.flags |= pData
	}
	for a := i + 1; a < int(o.attrEnd); a = int(ops[a].next) {
		ae := &p.ent[a]
		an := ops[a].name
		ae.key = e.key + "." + an
		if section == "System" && len(path) == 3 {
			ae.alias = o.name + "_" + an
			if o.name == "TimeCreated" && an == "SystemTime" {
				ae.flags |= pTimeCreated
			}
		}
		if an == "Name" && section == "EventData" {
			ae.flags |= pDataName
		}
		staticValue(ae, ops, a+1, int(ops[a].next))
		if ae.flags&(pStatic|pStaticOK|pDataName) == pStatic|pStaticOK|pDataName {
			ae.dataName = fmt.Sprint(ae.sval)
			ae.dataKey = "Event.EventData." + ae.dataName
		}
	}
	end := int(o.next) - 1 // the opEnd
	for j := int(o.attrEnd); j < end; j = skip(ops, j) {
		switch ops[j].kind {
		case opElem:
			e.flags |= pHasElem
		case opSubst:
			e.flags |= pHasSubst
		}
	}
	if int(o.attrEnd) == end && int(o.attrEnd) > i+1 && !isData {
		e.flags |= pAttrsOnly
	}
	if e.flags&pHasElem == 0 {
		staticValue(e, ops, int(o.attrEnd), end)
	}
	p.build(ops, int(o.attrEnd), end, path)
}

// skip returns the index of the op after ops[j] and its subtree.
func skip(ops []op, j int) int {
	if ops[j].kind == opElem {
		return int(ops[j].next)
	}
	return j + 1
}

// staticValue computes the value of text content without substitutions
// once. Arrays are left out: a map's caller may modify them.
func staticValue(e *planEnt, ops []op, from, to int) {
	for j := from; j < to; j++ {
		if ops[j].kind == opSubst {
			return
		}
	}
	v, ok := textValue(nil, nil, ops, from, to)
	if _, isArray := v.([]any); isArray {
		return
	}
	e.flags |= pStatic
	if ok {
		e.flags |= pStaticOK
		e.sval = v
	}
}

type fieldWalker struct {
	c       *chunkCtx
	m       map[string]any
	unnamed []any
	slab    slab
}

func (w *fieldWalker) frag(fr *fragment, pl *fieldPlan) {
	w.content(fr, pl, 0, len(fr.tmpl.ops))
}

// content walks the ops in [from, to): elements, and binary XML values
// inserted as children (EventData, UserData, …).
func (w *fieldWalker) content(fr *fragment, pl *fieldPlan, from, to int) {
	ops := fr.tmpl.ops
	for i := from; i < to; {
		switch o := &ops[i]; o.kind {
		case opElem:
			w.element(fr, pl, i)
			i = int(o.next)
		case opSubst:
			if v := &fr.vals[o.index]; v.frag != nil {
				w.frag(v.frag, v.frag.tmpl.plan(w.c, pl.ent[i].path))
			}
			i++
		default:
			i++
		}
	}
}

func (w *fieldWalker) element(fr *fragment, pl *fieldPlan, i int) {
	ops := fr.tmpl.ops
	o := &ops[i]
	e := &pl.ent[i]
	var dataName, dataKey string
	hasName := false
	for a := i + 1; a < int(o.attrEnd); a = int(ops[a].next) {
		ae := &pl.ent[a]
		v, ok := w.value(fr, pl, ae, a+1, int(ops[a].next))
		if !ok {
			continue
		}
		w.m[ae.key] = v
		if ae.alias != "" {
			w.m[ae.alias] = v
			if ae.flags&pTimeCreated != 0 {
				w.m["TimeCreated"] = v
			}
		}
		if ae.flags&pDataName != 0 {
			hasName = true
			if ae.dataKey != "" {
				dataName, dataKey = ae.dataName, ae.dataKey
			} else {
				dataName, dataKey = fmt.Sprint(v), ""
			}
		}
	}
	start, end := int(o.attrEnd), int(o.next)-1
	if e.flags&pHasElem != 0 || e.flags&pHasSubst != 0 && hasFragment(fr, ops, start, end) {
		w.content(fr, pl, start, end)
		return
	}
	if e.flags&pAttrsOnly != 0 {
		return // <TimeCreated SystemTime="…"/>: the attributes are the value
	}
	v, ok := w.value(fr, pl, e, start, end)
	if e.flags&pData != 0 {
		if hasName {
			if ok {
				if dataKey == "" {
					dataKey = "Event.EventData." + dataName
				}
				w.m[dataName] = v
				w.m[dataKey] = v
			}
			return
		}
		if !ok {
			v = ""
		}
		w.unnamed = append(w.unnamed, v)
		return
	}
	if !ok {
		return
	}
	w.m[e.key] = v
	if e.alias != "" {
		w.m[e.alias] = v
	}
}

func (w *fieldWalker) finish() {
	switch len(w.unnamed) {
	case 0:
	case 1:
		w.m["Data"] = w.unnamed[0]
	default:
		w.m["Data"] = w.unnamed
		for i, v := range w.unnamed {
			w.m["Data["+strconv.Itoa(i+1)+"]"] = v
		}
	}
}

// hasFragment reports whether the content in [from, to) (no elements)
// holds a binary XML substitution value.
func hasFragment(fr *fragment, ops []op, from, to int) bool {
	for j := from; j < to; j++ {
		if ops[j].kind == opSubst && fr.vals[ops[j].index].frag != nil {
			return true
		}
	}
	return false
}

func (w *fieldWalker) value(fr *fragment, pl *fieldPlan, e *planEnt, from, to int) (any, bool) {
	if e.flags&pStatic != 0 {
		return e.sval, e.flags&pStaticOK != 0
	}
	ops := fr.tmpl.ops
	if to-from == 1 && ops[from].kind == opSubst {
		// The common case: one substitution value.
		v := &fr.vals[ops[from].index]
		switch {
		case v.frag != nil, v.typ == tNull:
			return nil, false
		case pl.memo && v.typ&tArray == 0:
			return w.memoValue(e, v.typ, w.c.bytes(v))
		}
		return fieldValue(v.typ, w.c.bytes(v), &w.slab)
	}
	return textValue(w.c, fr, ops, from, to)
}

// A memo keeps the last value converted at one position of a template
// (Computer, Channel, user names, … repeat from record to record). During
// a trial of memoTrial lookups it counts hits; it is then used only where
// at least half of the lookups hit. Memoized values are shared between the
// maps of several records (they are never arrays, so they are immutable).
type memo struct {
	typ uint8
	ok  bool
	raw string
	v   any
}

const memoTrial = 32

func (w *fieldWalker) memoValue(e *planEnt, typ uint8, raw []byte) (any, bool) {
	tries := e.tries.Load()
	if tries >= memoTrial && 2*e.hits.Load() < tries {
		return fieldValue(typ, raw, &w.slab)
	}
	if m := e.memo.Load(); m != nil && m.typ == typ && m.raw == string(raw) {
		if tries < memoTrial {
			e.tries.Add(1)
			e.hits.Add(1)
		}
		return m.v, m.ok
	}
	if tries < memoTrial {
		e.tries.Add(1)
	}
	// Not from the slab: the memo may outlive the record.
	v, ok := fieldValue(typ, raw, nil)
	e.memo.Store(&memo{typ: typ, ok: ok, raw: string(raw), v: v})
	return v, ok
}

// textValue is the typed value of text content (ops without elements); ok
// is false when it is only NULL substitutions. Mixed content is concatenated
// into a string. c and fr may be nil when there are no substitutions.
func textValue(c *chunkCtx, fr *fragment, ops []op, from, to int) (any, bool) {
	switch to - from {
	case 0:
		return "", true
	case 1:
		return oneValue(c, fr, &ops[from])
	}
	var sb strings.Builder
	any := false
	for i := from; i < to; i++ {
		v, ok := oneValue(c, fr, &ops[i])
		if !ok {
			continue
		}
		any = true
		switch x := v.(type) {
		case string:
			sb.WriteString(x)
		case time.Time:
			sb.WriteString(x.Format(time.RFC3339Nano))
		default:
			fmt.Fprint(&sb, x)
		}
	}
	return sb.String(), any
}

func oneValue(c *chunkCtx, fr *fragment, o *op) (any, bool) {
	switch o.kind {
	case opValue:
		return fieldValue(o.typ, o.raw, nil)
	case opSubst:
		v := &fr.vals[o.index]
		if v.frag != nil {
			return nil, false
		}
		return fieldValue(v.typ, c.bytes(v), nil)
	case opCDATA:
		return o.text, true
	case opCharRef:
		return string(rune(o.index)), true
	case opEntityRef:
		switch o.name {
		case "amp":
			return "&", true
		case "lt":
			return "<", true
		case "gt":
			return ">", true
		case "quot":
			return `"`, true
		case "apos":
			return "'", true
		}
		return "&" + o.name + ";", true
	}
	return nil, false
}
