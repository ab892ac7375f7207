package sigma

import (
	"strings"
	"time"

	"github.com/mailtrip/mailtrip/event"
)

// Record is an event seen through Sigma field names. Whatever the input
// shape, the same names address the same data:
//
//   - flat JSON: {"Image": ..., "EventID": 1, "Channel": ...}
//   - evtx_dump JSON: {"Event": {"System": {...}, "EventData": {...}}},
//     attributes under "#attributes", text under "#text"; also the
//     EventData.Data list form ([{"#attributes": {"Name": n}, "#text": v}])
//     and UserData's single child element
//   - Winlogbeat: winlog.event_data.*, winlog.channel, winlog.event_id, ...
//   - Microsoft Purview exports: the columns, then the AuditData JSON
//
// A name is looked up, in order: as a key of the top-level map (so flat
// keys that contain dots work), in EventData/UserData, in System (where
// "Provider_Name" is System.Provider's Name attribute, Sigma's rule for XML
// attributes), in AuditData, then as a dotted path through nested maps,
// where a list on the way is searched element by element and yields every
// value found.
type Record struct {
	Event *event.Event
	top   map[string]any
	data  map[string]any // Event.EventData, UserData's child, winlog.event_data
	sys   map[string]any // Event.System
	audit map[string]any // AuditData (Purview)
	wl    map[string]any // winlog (Winlogbeat)

	eidState uint8 // 0: not looked up yet, 1: eid holds the EventID, 2: none
	eid      int64
}

// eventID returns the record's EventID as a number (numbers, and
// numeric strings truncated), looked up once per record.
func (r *Record) eventID() (int64, bool) {
	if r.eidState == 0 {
		r.eidState = 2
		if v, ok := r.get(refEventID); ok {
			id, ok := asInt(v)
			if !ok {
				if s, isStr := v.(string); isStr {
					var f float64
					if f, ok = asFloat(s); ok {
						id = int64(f)
					}
				}
			}
			if ok {
				r.eid, r.eidState = id, 1
			}
		}
	}
	return r.eid, r.eidState == 1
}

// NewRecord wraps e. It keeps references into e.Fields, copying nothing
// except for the rare EventData.Data list form.
func NewRecord(e *event.Event) *Record {
	r := &Record{}
	r.reset(e)
	return r
}

func (r *Record) reset(e *event.Event) {
	*r = Record{Event: e}
	if e == nil {
		return
	}
	r.top = e.Fields
	if ev, ok := r.top["Event"].(map[string]any); ok {
		r.sys, _ = ev["System"].(map[string]any)
		switch d := ev["EventData"].(type) {
		case map[string]any:
			r.data = d
			if list, ok := d["Data"]; ok && len(d) <= 2 {
				if m := dataList(list); m != nil {
					r.data = m
				}
			}
		case []any:
			r.data = dataList(d)
		}
		if r.data == nil {
			if ud, ok := ev["UserData"].(map[string]any); ok {
				for k, v := range ud {
					if k == "#attributes" {
						continue
					}
					r.data, _ = v.(map[string]any)
					break
				}
			}
		}
	}
	if wl, ok := r.top["winlog"].(map[string]any); ok {
		r.wl = wl
		if r.data == nil {
			r.data, _ = wl["event_data"].(map[string]any)
		}
	}
	r.audit, _ = r.top["AuditData"].(map[string]any)
}

// dataList turns the XML-to-JSON list form of EventData.Data into a map.
func dataList(v any) map[string]any {
	var items []any
	switch x := v.(type) {
	case []any:
		items = x
	case map[string]any:
		items = []any{x}
	default:
		return nil
	}
	m := make(map[string]any, len(items))
	for _, it := range items {
		d, ok := it.(map[string]any)
		if !ok {
			continue
		}
		name, _ := d["Name"].(string)
		if name == "" {
			if at, ok := d["#attributes"].(map[string]any); ok {
				name, _ = at["Name"].(string)
			}
		}
		if name == "" {
			name, _ = d["@Name"].(string)
		}
		if name == "" {
			continue
		}
		if t, ok := d["#text"]; ok {
			m[name] = t
		} else if t, ok := d["Value"]; ok {
			m[name] = t
		} else {
			m[name] = nil
		}
	}
	if len(m) == 0 {
		return nil
	}
	return m
}

// fieldRef is a field name compiled for lookup.
type fieldRef struct {
	name  string
	parts []string // dotted path, when name has dots
	attr  [2]string
	hasAt bool // name is Elem_Attr (System attribute rule)
}

func newFieldRef(name string) *fieldRef {
	f := &fieldRef{name: name}
	if strings.Contains(name, ".") {
		f.parts = strings.Split(name, ".")
	}
	if i := strings.IndexByte(name, '_'); i > 0 && i < len(name)-1 {
		f.attr = [2]string{name[:i], name[i+1:]}
		f.hasAt = true
	}
	return f
}

// winlogAliases maps System names to Winlogbeat's.
var winlogAliases = map[string]string{
	"Channel":       "channel",
	"EventID":       "event_id",
	"Provider_Name": "provider_name",
	"Computer":      "computer_name",
	"EventRecordID": "record_id",
	"Task":          "task",
}

// Get looks up a Sigma field name (see [Record] for the order).
func (r *Record) Get(name string) (any, bool) {
	return r.get(newFieldRef(name))
}

func (r *Record) get(f *fieldRef) (any, bool) {
	if v, ok := r.top[f.name]; ok {
		return unwrapText(v), true
	}
	if r.data != nil {
		if v, ok := r.data[f.name]; ok {
			return unwrapText(v), true
		}
	}
	if r.sys != nil {
		if v, ok := r.sys[f.name]; ok {
			return unwrapText(v), true
		}
		if f.hasAt {
			if el, ok := r.sys[f.attr[0]].(map[string]any); ok {
				if at, ok := el["#attributes"].(map[string]any); ok {
					if v, ok := at[f.attr[1]]; ok {
						return v, true
					}
				}
			}
		}
	}
	if r.wl != nil {
		if alias, ok := winlogAliases[f.name]; ok {
			if v, ok := r.wl[alias]; ok {
				return v, true
			}
		}
	}
	if r.audit != nil {
		if v, ok := r.audit[f.name]; ok {
			return v, true
		}
	}
	if f.parts != nil {
		if v, ok := walk(r.top, f.parts); ok {
			return v, true
		}
		if r.audit != nil {
			return walk(r.audit, f.parts)
		}
	}
	return nil, false
}

// unwrapText returns an XML element's text when v is {"#text": ...}.
func unwrapText(v any) any {
	if m, ok := v.(map[string]any); ok {
		if t, ok := m["#text"]; ok {
			return t
		}
	}
	return v
}

// walk follows a dotted path through maps; a list on the way is searched
// element by element and every value found is returned as a list.
func walk(cur any, parts []string) (any, bool) {
	for i, p := range parts {
		switch x := cur.(type) {
		case map[string]any:
			v, ok := x[p]
			if !ok {
				return nil, false
			}
			cur = v
		case []any:
			var out []any
			for _, el := range x {
				if v, ok := walk(el, parts[i:]); ok {
					if l, ok := v.([]any); ok {
						out = append(out, l...)
					} else {
						out = append(out, v)
					}
				}
			}
			if len(out) == 0 {
				return nil, false
			}
			return out, true
		default:
			return nil, false
		}
	}
	return unwrapText(cur), true
}

// Time is when the record says it happened: Event.Time, else the first
// timestamp field found (System TimeCreated, @timestamp, CreationTime,
// UtcTime, ...). The zero time when there is none.
func (r *Record) Time() time.Time {
	if r.Event != nil && !r.Event.Time.IsZero() {
		return r.Event.Time
	}
	if r.sys != nil {
		if tc, ok := r.sys["TimeCreated"].(map[string]any); ok {
			if at, ok := tc["#attributes"].(map[string]any); ok {
				if t, ok := asTime(at["SystemTime"]); ok {
					return t
				}
			}
		}
	}
	for _, name := range timeFields {
		if v, ok := r.get(name); ok {
			if t, ok := asTime(v); ok {
				return t
			}
		}
	}
	return time.Time{}
}

var timeFields = []*fieldRef{
	newFieldRef("@timestamp"), newFieldRef("timestamp"), newFieldRef("TimeCreated"),
	newFieldRef("CreationTime"), newFieldRef("UtcTime"), newFieldRef("eventTime"),
	newFieldRef("time"), newFieldRef("id.time"),
}

// leaves calls fn with every scalar value of the record (for keyword
// searches), stopping when fn returns true.
func (r *Record) leaves(fn func(v any) bool) bool {
	return leaves(r.top, fn, 0)
}

func leaves(v any, fn func(any) bool, depth int) bool {
	if depth > 64 {
		return false
	}
	switch x := v.(type) {
	case map[string]any:
		for k, el := range x {
			if k == "#attributes" {
				continue
			}
			if leaves(el, fn, depth+1) {
				return true
			}
		}
	case []any:
		for _, el := range x {
			if leaves(el, fn, depth+1) {
				return true
			}
		}
	case nil:
	default:
		return fn(x)
	}
	return false
}

// FieldsFromEvtxJSON flattens an evtx_dump record
// ({"Event": {"System": ..., "EventData": ...}}) into the flat form Sigma
// rules name: EventData's names, System's elements (Channel, EventID,
// Computer, ...) and System's attributes as Elem_Attr (Provider_Name,
// Execution_ProcessID). Other maps pass through unchanged. Matching does
// not need this (a [Record] reads both shapes); it is for output and for
// callers that want flat events.
func FieldsFromEvtxJSON(fields map[string]any) map[string]any {
	r := NewRecord(&event.Event{Fields: fields})
	if r.sys == nil && r.data == nil {
		return fields
	}
	out := map[string]any{}
	for k, v := range r.sys {
		if m, ok := v.(map[string]any); ok {
			if at, ok := m["#attributes"].(map[string]any); ok {
				for ak, av := range at {
					out[k+"_"+ak] = av
				}
			}
			if t, ok := m["#text"]; ok {
				out[k] = t
			}
			continue
		}
		out[k] = v
	}
	for k, v := range r.data {
		out[k] = unwrapText(v)
	}
	return out
}
