package sigma

import (
	"bytes"
	"fmt"
	"io"
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

// classifier recognises an event's sources.
type classifier struct {
	sources   []Source
	byChannel map[string][]int // lower-cased channel
	byFormat  map[string][]int
	byProv    map[string][]int // provider-only sources
	generic   []int            // conditions only
	condRefs  []map[string]*fieldRef
	cache     sync.Map // exact channel string → []int
	cached    atomic.Int32
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
	c.condRefs = make([]map[string]*fieldRef, len(sources))
	for i, s := range sources {
		refs := map[string]*fieldRef{}
		for k := range s.Conditions {
			refs[k] = newFieldRef(k)
		}
		c.condRefs[i] = refs
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

// classify appends to out the indexes of the sources r belongs to.
func (c *classifier) classify(r *Record, out []int) []int {
	var eid int64
	var haveEID bool
	if v, ok := r.get(refEventID); ok {
		eid, haveEID = asInt(v)
		if !haveEID {
			if s, ok := v.(string); ok {
				if f, ok := asFloat(s); ok {
					eid, haveEID = int64(f), true
				}
			}
		}
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
		for k, vals := range s.Conditions {
			v, ok := r.get(c.condRefs[i][k])
			if !ok {
				return
			}
			str, _ := scalarString(v)
			found := false
			for _, want := range vals {
				if want == "*" || strings.EqualFold(str, want) {
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
			var list []int
			if x, ok := c.cache.Load(ch); ok {
				list = x.([]int)
			} else {
				list = c.byChannel[strings.ToLower(ch)]
				if c.cached.Add(1) < maxChannelCache {
					c.cache.Store(ch, list)
				}
			}
			for _, i := range list {
				check(i)
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
