package evtx

import (
	"fmt"
	"strconv"
	"strings"
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
func (r *Record) Fields() map[string]any {
	m := make(map[string]any, 64)
	if r.root == nil {
		return m
	}
	w := fieldWalker{c: r.c, m: m}
	w.nodes(r.root, r.root.tmpl.nodes, nil)
	w.finish()
	return m
}

type fieldWalker struct {
	c       *chunkCtx
	m       map[string]any
	unnamed []any
}

func (w *fieldWalker) nodes(fr *fragment, ns []node, path []string) {
	for i := range ns {
		n := &ns[i]
		switch n.kind {
		case nElement:
			w.element(fr, n, path)
		case nSubst:
			// Binary XML inserted as a child (EventData, UserData, …).
			if v := &fr.vals[n.index]; v.frag != nil {
				w.nodes(v.frag, v.frag.tmpl.nodes, path)
			}
		}
	}
}

func (w *fieldWalker) element(fr *fragment, n *node, parent []string) {
	path := append(parent[:len(parent):len(parent)], n.name)
	key := strings.Join(path, ".")
	section := ""
	if len(path) >= 3 && path[0] == "Event" {
		section = path[1]
	}
	var dataName string
	hasName := false
	for _, a := range n.attrs {
		v, ok := w.value(fr, a.value)
		if !ok {
			continue
		}
		w.m[key+"."+a.name] = v
		if section == "System" && len(path) == 3 {
			w.m[n.name+"_"+a.name] = v
			if n.name == "TimeCreated" && a.name == "SystemTime" {
				w.m["TimeCreated"] = v
			}
		}
		if a.name == "Name" && section == "EventData" {
			dataName, hasName = fmt.Sprint(v), true
		}
	}
	if hasElementChild(fr, n.children) {
		w.nodes(fr, n.children, path)
		return
	}
	if len(n.children) == 0 && len(n.attrs) > 0 && !(section == "EventData" && n.name == "Data") {
		return // <TimeCreated SystemTime="…"/>: the attributes are the value
	}
	v, ok := w.value(fr, n.children)
	switch {
	case section == "EventData" && n.name == "Data" && hasName:
		if ok {
			w.m[dataName] = v
			w.m["Event.EventData."+dataName] = v
		}
		return
	case section == "EventData" && n.name == "Data":
		if !ok {
			v = ""
		}
		w.unnamed = append(w.unnamed, v)
		return
	}
	if !ok {
		return
	}
	w.m[key] = v
	switch section {
	case "System":
		if len(path) == 3 {
			w.m[n.name] = v
		}
	case "EventData", "UserData":
		w.m[n.name] = v
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

// hasElementChild reports whether content holds an element, directly or
// through a binary XML substitution.
func hasElementChild(fr *fragment, ns []node) bool {
	for i := range ns {
		switch ns[i].kind {
		case nElement:
			return true
		case nSubst:
			if fr.vals[ns[i].index].frag != nil {
				return true
			}
		}
	}
	return false
}

// value is the typed value of text content; ok is false when it is only
// NULL substitutions. Mixed content is concatenated into a string.
func (w *fieldWalker) value(fr *fragment, ns []node) (any, bool) {
	switch len(ns) {
	case 0:
		return "", true
	case 1:
		return w.one(fr, &ns[0])
	}
	var sb strings.Builder
	any := false
	for i := range ns {
		v, ok := w.one(fr, &ns[i])
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

func (w *fieldWalker) one(fr *fragment, n *node) (any, bool) {
	switch n.kind {
	case nValue:
		return w.c.fieldValue(&n.v)
	case nSubst:
		return w.c.fieldValue(&fr.vals[n.index])
	case nCDATA:
		return n.text, true
	case nCharRef:
		return string(rune(n.char)), true
	case nEntityRef:
		switch n.name {
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
		return "&" + n.name + ";", true
	}
	return nil, false
}
