package sigma

import (
	"bytes"
	"fmt"
	"io"
	"slices"
	"sort"
	"strings"
	"sync"
	"sync/atomic"

	"go.yaml.in/yaml/v3"
)

// Source is one kind of event a rule's logsource can name, and how to
// recognise it. An event is of a source when every recognition field given
// holds; a rule meets the event when its logsource's product, service and
// category (those it gives) equal the source's.
//
// A user mapping file is YAML:
//
//	sources:
//	  - product: zeek
//	    service: http
//	    formats: [zeek-http]          # event.Origin.Format values
//	  - product: windows
//	    category: process_creation
//	    service: security
//	    channels: [Security]          # Windows Channel, case-insensitive
//	    event_ids: [4688]
//	    fieldmappings: {Image: NewProcessName}
//	  - product: okta
//	    service: okta
//	    conditions: {eventType: ["*"]} # field → accepted values; "*": present
type Source struct {
	Product  string `yaml:"product"`
	Service  string `yaml:"service"`
	Category string `yaml:"category"`

	Formats    []string            `yaml:"formats"`
	Channels   []string            `yaml:"channels"`
	Providers  []string            `yaml:"providers"`
	EventIDs   []int64             `yaml:"event_ids"`
	Conditions map[string][]string `yaml:"conditions"`
	// FieldMappings renames Sigma fields for rules matched against this
	// source (Image → NewProcessName for Security 4688).
	FieldMappings map[string]string `yaml:"fieldmappings"`
}

// Mapping is a list of sources: the built-in ones ([BuiltinMapping]) or a
// user mapping file.
type Mapping struct {
	Sources []Source `yaml:"sources"`
}

// ParseMapping reads a user mapping file.
func ParseMapping(r io.Reader, file string) (*Mapping, error) {
	data, err := io.ReadAll(io.LimitReader(r, MaxRuleBytes+1))
	if err != nil {
		return nil, fmt.Errorf("read mapping %s: %w", file, err)
	}
	var m Mapping
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	if err := dec.Decode(&m); err != nil {
		return nil, &ParseError{File: file, Line: yamlErrLine(err), Err: err}
	}
	for i, s := range m.Sources {
		if s.Product == "" && s.Service == "" && s.Category == "" {
			return nil, &ParseError{File: file, Err: fmt.Errorf("source %d names no product, service or category", i+1)}
		}
		if len(s.Formats) == 0 && len(s.Channels) == 0 && len(s.Providers) == 0 && len(s.Conditions) == 0 {
			return nil, &ParseError{File: file, Err: fmt.Errorf("source %d (%s) has no formats, channels, providers or conditions to recognise it by", i+1, s.Product+"/"+s.Service+"/"+s.Category)}
		}
	}
	return &m, nil
}

func (s *Source) accepts(l Logsource) bool {
	return (l.Product == "" || strings.EqualFold(l.Product, s.Product)) &&
		(l.Service == "" || strings.EqualFold(l.Service, s.Service)) &&
		(l.Category == "" || strings.EqualFold(l.Category, s.Category))
}

func (s *Source) String() string {
	return Logsource{Product: s.Product, Service: s.Service, Category: s.Category}.String()
}

// sourceCond is one condition of a source: the field (an index into
// classifier.condFields) holds one of vals ("*": any value).
type sourceCond struct {
	field int
	vals  []string
}

// condValue is a condition field looked up during one classification:
// state 0 not yet, 1 found (s is its text), 2 absent.
type condValue struct {
	state uint8
	s     string
}

// classifier recognises an event's sources.
type classifier struct {
	sources   []Source
	byChannel map[string][]int // lower-cased channel
	byFormat  map[string][]int
	byProv    map[string][]int // provider-only sources
	generic   []int            // conditions only
	// condFields are the fields conditions name, conds each source's
	// conditions (in field name order).
	condFields []*fieldRef
	conds      [][]sourceCond
	cache      sync.Map // exact channel string → *chanEntry
	cached     atomic.Int32
}

// maxChannelCache bounds the channel spellings remembered.
const maxChannelCache = 4096

var (
	refChannel  = newFieldRef("Channel")
	refEventID  = newFieldRef("EventID")
	refProvider = newFieldRef("Provider_Name")
)

func newClassifier(sources []Source) *classifier {
	c := &classifier{sources: sources, byChannel: map[string][]int{}, byFormat: map[string][]int{}, byProv: map[string][]int{}}
	c.conds = make([][]sourceCond, len(sources))
	fieldIdx := map[string]int{}
	for i, s := range sources {
		keys := make([]string, 0, len(s.Conditions))
		for k := range s.Conditions {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			fi, ok := fieldIdx[k]
			if !ok {
				fi = len(c.condFields)
				fieldIdx[k] = fi
				c.condFields = append(c.condFields, newFieldRef(k))
			}
			c.conds[i] = append(c.conds[i], sourceCond{field: fi, vals: s.Conditions[k]})
		}
		switch {
		case len(s.Channels) > 0:
			for _, ch := range s.Channels {
				k := strings.ToLower(ch)
				c.byChannel[k] = append(c.byChannel[k], i)
			}
		case len(s.Formats) > 0:
			for _, f := range s.Formats {
				k := strings.ToLower(f)
				c.byFormat[k] = append(c.byFormat[k], i)
			}
		case len(s.Providers) > 0:
			for _, p := range s.Providers {
				k := strings.ToLower(p)
				c.byProv[k] = append(c.byProv[k], i)
			}
		default:
			c.generic = append(c.generic, i)
		}
	}
	return c
}

// chanEntry is what a channel's spelling resolves to: for each EventID
// some source of the channel names, the sources an event with that
// EventID may belong to, in list order, and the same for other EventIDs.
// Sources that also need providers or conditions are marked for a check.
type chanEntry struct {
	anyEID []chanSrc // sources without EventIDs
	byEID  map[int64][]chanSrc
}

type chanSrc struct {
	i     int
	check bool // providers or conditions remain to be checked
}

func (c *classifier) newChanEntry(list []int) *chanEntry {
	ce := &chanEntry{byEID: map[int64][]chanSrc{}}
	cs := func(i int) chanSrc {
		s := &c.sources[i]
		return chanSrc{i: i, check: len(s.Providers) > 0 || len(s.Conditions) > 0}
	}
	for _, i := range list {
		s := &c.sources[i]
		if len(s.EventIDs) == 0 {
			ce.anyEID = append(ce.anyEID, cs(i))
		}
		for _, id := range s.EventIDs {
			ce.byEID[id] = nil
		}
	}
	for id := range ce.byEID {
		var l []chanSrc
		for _, i := range list {
			s := &c.sources[i]
			if len(s.EventIDs) == 0 || slices.Contains(s.EventIDs, id) {
				l = append(l, cs(i))
			}
		}
		ce.byEID[id] = l
	}
	return ce
}

// classify appends to out the indexes of the sources r belongs to.
func (c *classifier) classify(r *Record, out []int) []int {
	eid, haveEID := r.eventID()
	var memoBuf [16]condValue
	memo := memoBuf[:]
	if len(c.condFields) > len(memoBuf) {
		memo = make([]condValue, len(c.condFields))
	}
	check := func(i int) {
		s := &c.sources[i]
		if len(s.EventIDs) > 0 {
			if !haveEID {
				return
			}
			found := false
			for _, id := range s.EventIDs {
				if id == eid {
					found = true
					break
				}
			}
			if !found {
				return
			}
		}
		if len(s.Providers) > 0 && len(s.Channels) > 0 {
			v, _ := r.get(refProvider)
			p, _ := v.(string)
			found := false
			for _, want := range s.Providers {
				if strings.EqualFold(p, want) {
					found = true
				}
			}
			if !found {
				return
			}
		}
		for _, cond := range c.conds[i] {
			// Sources share condition fields: look each up once.
			m := &memo[cond.field]
			if m.state == 0 {
				m.state = 2
				if v, ok := r.get(c.condFields[cond.field]); ok {
					m.state = 1
					m.s, _ = scalarString(v)
				}
			}
			if m.state != 1 {
				return
			}
			found := false
			for _, want := range cond.vals {
				if want == "*" || strings.EqualFold(m.s, want) {
					found = true
					break
				}
			}
			if !found {
				return
			}
		}
		out = append(out, i)
	}
	if v, ok := r.get(refChannel); ok {
		if ch, ok := v.(string); ok && ch != "" {
			var ce *chanEntry
			if x, ok := c.cache.Load(ch); ok {
				ce = x.(*chanEntry)
			} else {
				ce = c.newChanEntry(c.byChannel[strings.ToLower(ch)])
				if c.cached.Add(1) < maxChannelCache {
					c.cache.Store(ch, ce)
				}
			}
			l := ce.anyEID
			if haveEID {
				if x, ok := ce.byEID[eid]; ok {
					l = x
				}
			}
			for _, cs := range l {
				if cs.check {
					check(cs.i)
				} else {
					out = append(out, cs.i)
				}
			}
		}
	} else if v, ok := r.get(refProvider); ok {
		if p, ok := v.(string); ok {
			for _, i := range c.byProv[strings.ToLower(p)] {
				check(i)
			}
		}
	}
	if r.Event != nil && r.Event.Origin.Format != "" {
		for _, i := range c.byFormat[strings.ToLower(r.Event.Origin.Format)] {
			check(i)
		}
	}
	for _, i := range c.generic {
		check(i)
	}
	return out
}
