// Package gws reads Google Workspace audit activities (Admin SDK Reports
// API, activities.list: https://developers.google.com/admin-sdk/reports/reference/rest/v1/activities)
// as one record per event, in the shapes they are found in:
//
//   - the API's own: an activity with id{time, uniqueQualifier,
//     applicationName, customerId}, actor{email, profileId}, ipAddress and
//     events[] of {type, name, parameters[]}, where each parameter is
//     {name, value | boolValue | intValue | multiValue | messageValue |
//     multiIntValue | multiMessageValue}; pages {"kind", "items": [...]}
//     are unwrapped;
//   - SIEM copies flattened to a single "event" object per record (the
//     Splunk add-on, as in the platform/gws samples);
//   - Panther's: lower-case keys with type, name and parameters (a map)
//     at the top level.
//
// A record's Fields are the activity's own fields without "events", plus
// "event" holding its one event, so every shape reads alike; the
// event's parameter list gets a "parameters_flat" view (name → the value
// of whichever value key it has), and for Panther records, whose
// parameters are already a map, "parameters_flat" is that map. The
// containers (JSON, JSON Lines, arrays) are read by package jsonlog.
package gws

import (
	"bytes"
	"io"
	"strings"
	"time"

	"github.com/mailtrip/mailtrip/logfmt"
	"github.com/mailtrip/mailtrip/logfmt/jsonlog"
)

// valueKeys are the value members a Reports API parameter may have.
var valueKeys = []string{"value", "boolValue", "intValue", "multiValue", "messageValue", "multiIntValue", "multiMessageValue"}

// Shape is the layout a record came in.
type Shape int

// Shapes.
const (
	ShapeUnknown Shape = iota
	ShapeReports       // activity with events[] (one record per event)
	ShapeFlat          // activity with a single "event" object
	ShapePanther       // name/type/parameters at the top level
)

// Record is one Workspace audit event.
type Record struct {
	logfmt.Origin
	// EventIndex is the event's position in its activity's events[] (0
	// for the flattened shapes).
	EventIndex int
	Shape      Shape
	Time       time.Time
	Fields     map[string]any
	Defects    []string
}

// Str returns the value at a dotted path as a string.
func (r *Record) Str(path string) string { return logfmt.Str(r.Fields, path) }

// Application is id.applicationName ("login", "gmail", "user_accounts").
func (r *Record) Application() string { return r.Str("id.applicationName") }

// EventName is the event's name ("login_failure",
// "email_forwarding_out_of_domain"); Operation returns the same.
func (r *Record) EventName() string {
	if s := r.Str("event.name"); s != "" {
		return s
	}
	return r.Str("name")
}

// Operation is EventName, for uniformity with the other audit readers.
func (r *Record) Operation() string { return r.EventName() }

// EventType is the event's type ("login", "email_forwarding_change").
func (r *Record) EventType() string {
	if s := r.Str("event.type"); s != "" {
		return s
	}
	return r.Str("type")
}

// UserID is actor.email.
func (r *Record) UserID() string { return r.Str("actor.email") }

// ClientIP is ipAddress in canonical form ("" when absent or not an IP).
func (r *Record) ClientIP() string {
	a, _, _ := logfmt.SplitIP(r.Str("ipAddress"))
	return a
}

// ID is id.uniqueQualifier.
func (r *Record) ID() string { return r.Str("id.uniqueQualifier") }

// ResultStatus is "failure" for login_failure events, "success" for
// login_success, "" otherwise (Workspace events carry no outcome field).
func (r *Record) ResultStatus() string {
	switch r.EventName() {
	case "login_failure":
		return "failure"
	case "login_success":
		return "success"
	}
	return ""
}

// Params returns the event's flattened parameters.
func (r *Record) Params() map[string]any {
	for _, p := range []string{"event.parameters_flat", "parameters_flat"} {
		if v, ok := logfmt.Lookup(r.Fields, p); ok {
			if m, ok := v.(map[string]any); ok {
				return m
			}
		}
	}
	return nil
}

// Param returns one parameter as a string; a multiValue is joined with
// commas.
func (r *Record) Param(name string) string {
	v := r.Params()[name]
	if l, ok := v.([]any); ok {
		parts := make([]string, len(l))
		for i, e := range l {
			parts[i] = logfmt.String(e)
		}
		return strings.Join(parts, ",")
	}
	return logfmt.String(v)
}

// Options configure a Reader.
type Options struct {
	Kind       jsonlog.Kind
	Limits     logfmt.Limits
	BaseOffset int64
}

// Reader reads Workspace events.
type Reader struct {
	jr    *jsonlog.Reader
	queue []*Record
}

// NewReader returns a Reader of r.
func NewReader(r io.Reader, opt Options) *Reader {
	return &Reader{jr: jsonlog.NewReader(r, jsonlog.Options{Kind: opt.Kind, Limits: opt.Limits, BaseOffset: opt.BaseOffset})}
}

// Next returns the next event, io.EOF at the end, or a
// [*logfmt.ParseError] for a record that could not be read (the next call
// goes on).
func (r *Reader) Next() (*Record, error) {
	for len(r.queue) == 0 {
		rec, err := r.jr.Next()
		if err != nil {
			return nil, err
		}
		r.queue = Split(rec.Fields, rec.Origin)
		for _, q := range r.queue {
			q.Defects = append(q.Defects, rec.Defects...)
		}
	}
	rec := r.queue[0]
	r.queue = r.queue[1:]
	return rec, nil
}

// Split turns one decoded activity into its events' records. An activity
// with an empty events[] gives one record without "event". It is what
// Reader does for every record, exported for callers that decoded the
// JSON themselves (Panther's test files wrap each record in "log").
func Split(act map[string]any, o logfmt.Origin) []*Record {
	events, isList := act["events"].([]any)
	if !isList || len(events) == 0 {
		r := &Record{Origin: o, Fields: act}
		switch {
		case act["event"] != nil:
			r.Shape = ShapeFlat
			flatten(act["event"])
		case act["name"] != nil || act["parameters"] != nil:
			r.Shape = ShapePanther
			if p, ok := act["parameters"].(map[string]any); ok {
				act["parameters_flat"] = p
			} else {
				flatten(act)
			}
		case isList:
			r.Shape = ShapeReports
		}
		r.setTime()
		return []*Record{r}
	}
	out := make([]*Record, 0, len(events))
	for i, e := range events {
		f := make(map[string]any, len(act))
		for k, v := range act {
			if k != "events" {
				f[k] = v
			}
		}
		f["event"] = e
		flatten(e)
		r := &Record{Origin: o, EventIndex: i, Shape: ShapeReports, Fields: f}
		r.setTime()
		out = append(out, r)
	}
	return out
}

// flatten adds parameters_flat to an event object holding a parameters
// list.
func flatten(ev any) {
	m, ok := ev.(map[string]any)
	if !ok {
		return
	}
	if _, done := m["parameters_flat"]; done {
		return
	}
	if flat := logfmt.FlattenPairs(m["parameters"], []string{"name"}, valueKeys, logfmt.DefaultLimits.MaxFields); flat != nil {
		m["parameters_flat"] = flat
	}
}

func (r *Record) setTime() {
	s := r.Str("id.time")
	if s == "" {
		return
	}
	t, err := logfmt.ParseTime(s)
	if err != nil {
		r.Defects = append(r.Defects, "id.time: "+err.Error())
		return
	}
	r.Time = t
}

// Sniff says whether head and name look like Workspace activities
// ("gws.activity"): the first record has id.applicationName, or kind
// "admin#reports#activity"/"admin#reports#activities".
func Sniff(head []byte, name string) logfmt.Guess {
	text := logfmt.HeadText(head)
	k := jsonlog.SniffKind(text)
	if k == jsonlog.KindUnknown || k == jsonlog.KindCSV {
		return logfmt.Guess{}
	}
	jr := jsonlog.NewReader(bytes.NewReader(text), jsonlog.Options{Kind: k})
	rec, err := jr.Next()
	if err != nil {
		return logfmt.Guess{}
	}
	if strings.HasPrefix(logfmt.Str(rec.Fields, "kind"), "admin#reports#activit") {
		return logfmt.Guess{Format: "gws.activity", Confidence: 98, Why: `kind "admin#reports#activity"`}
	}
	if logfmt.Str(rec.Fields, "id.applicationName") != "" && (logfmt.Str(rec.Fields, "actor.email") != "" || logfmt.Str(rec.Fields, "actor.profileId") != "") {
		return logfmt.Guess{Format: "gws.activity", Confidence: 90, Why: "id.applicationName and actor"}
	}
	return logfmt.Guess{}
}
