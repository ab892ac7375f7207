package sigma

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"
)

// Logsource is a rule's logsource section.
type Logsource struct {
	Category   string `yaml:"category"`
	Product    string `yaml:"product"`
	Service    string `yaml:"service"`
	Definition string `yaml:"definition"`
}

func (l Logsource) String() string {
	var parts []string
	for _, p := range [][2]string{{"product", l.Product}, {"service", l.Service}, {"category", l.Category}} {
		if p[1] != "" {
			parts = append(parts, p[0]+"="+p[1])
		}
	}
	if len(parts) == 0 {
		return "any"
	}
	return strings.Join(parts, ",")
}

// Rule is one YAML document: a detection rule, a correlation rule
// (Correlation set) or a meta filter (Filter set). Parse fills it; Compile
// turns detection rules into matchers.
type Rule struct {
	File string // where it was read, for reports
	Line int    // first line of the document

	ID          string
	Name        string
	Title       string
	Status      string
	Description string
	Level       string
	Tags        []string
	References  []string
	Taxonomy    string
	Logsource   Logsource

	// Detection is the detection section, kept as a YAML node so search
	// identifiers keep their order and line numbers.
	Detection *yaml.Node

	Correlation *Correlation
	Filter      *Filter
}

// Kind names what the document is.
func (r *Rule) Kind() string {
	switch {
	case r.Correlation != nil:
		return "correlation"
	case r.Filter != nil:
		return "filter"
	}
	return "detection"
}

// Ref is how other documents name the rule: its id, else its name.
func (r *Rule) Ref() string {
	if r.ID != "" {
		return r.ID
	}
	return r.Name
}

// Correlation is a correlation rule's correlation section.
type Correlation struct {
	Type      string // event_count, value_count, value_sum, value_avg, temporal, temporal_ordered
	Rules     []string
	GroupBy   []string
	Timespan  time.Duration
	Condition []Comparison // all must hold; empty for temporal means "all rules"
	Field     []string     // value_count / value_sum / value_avg
	Aliases   map[string]map[string]string
	Generate  bool
}

// Comparison is one criterion of a correlation condition ("gte: 100").
type Comparison struct {
	Op    string // gt, gte, lt, lte, eq, neq
	Value float64
}

func (c Comparison) holds(x float64) bool {
	switch c.Op {
	case "gt":
		return x > c.Value
	case "gte":
		return x >= c.Value
	case "lt":
		return x < c.Value
	case "lte":
		return x <= c.Value
	case "eq":
		return x == c.Value
	case "neq":
		return x != c.Value
	}
	return false
}

// Filter is a meta filter's filter section: the rules it applies to and
// a detection (selections and condition) whose match suppresses them.
type Filter struct {
	Rules     []string
	Detection *yaml.Node
}

// ParseError is a rule that could not be read, with its position.
type ParseError struct {
	File string
	Line int
	Err  error
}

func (e *ParseError) Error() string {
	if e.Line > 0 {
		return fmt.Sprintf("%s:%d: %v", e.File, e.Line, e.Err)
	}
	return fmt.Sprintf("%s: %v", e.File, e.Err)
}

func (e *ParseError) Unwrap() error { return e.Err }

// MaxRuleBytes bounds one rule file.
const MaxRuleBytes = 4 << 20

// Parse reads every YAML document of a rule file.
func Parse(data []byte, file string) ([]*Rule, error) {
	if len(data) > MaxRuleBytes {
		return nil, &ParseError{File: file, Err: fmt.Errorf("rule file larger than %d bytes", MaxRuleBytes)}
	}
	dec := yaml.NewDecoder(bytes.NewReader(data))
	var rules []*Rule
	for {
		var doc yaml.Node
		err := dec.Decode(&doc)
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return rules, &ParseError{File: file, Line: yamlErrLine(err), Err: err}
		}
		if len(doc.Content) == 0 {
			continue
		}
		root := doc.Content[0]
		if root.Kind == yaml.ScalarNode && root.Tag == "!!null" {
			continue
		}
		r, err := parseDoc(root, file)
		if err != nil {
			return rules, err
		}
		rules = append(rules, r)
	}
	return rules, nil
}

func yamlErrLine(err error) int {
	s := err.Error()
	if i := strings.Index(s, "line "); i >= 0 {
		j := i + 5
		for j < len(s) && s[j] >= '0' && s[j] <= '9' {
			j++
		}
		n, _ := strconv.Atoi(s[i+5 : j])
		return n
	}
	return 0
}

func perr(file string, n *yaml.Node, format string, args ...any) error {
	line := 0
	if n != nil {
		line = n.Line
	}
	return &ParseError{File: file, Line: line, Err: fmt.Errorf(format, args...)}
}

// mapEntries returns the key/value pairs of a mapping node.
func mapEntries(n *yaml.Node) [][2]*yaml.Node {
	if n == nil || n.Kind != yaml.MappingNode {
		return nil
	}
	out := make([][2]*yaml.Node, 0, len(n.Content)/2)
	for i := 0; i+1 < len(n.Content); i += 2 {
		out = append(out, [2]*yaml.Node{n.Content[i], resolveAlias(n.Content[i+1])})
	}
	return out
}

func resolveAlias(n *yaml.Node) *yaml.Node {
	for i := 0; n != nil && n.Kind == yaml.AliasNode && i < 16; i++ {
		n = n.Alias
	}
	if n != nil && n.Kind == yaml.AliasNode {
		return nil
	}
	return n
}

// scalar returns a scalar node's text; "" for anything else.
func scalar(n *yaml.Node) string {
	if n == nil || n.Kind != yaml.ScalarNode {
		return ""
	}
	return n.Value
}

// stringList accepts a scalar or a sequence of scalars.
func stringList(file string, n *yaml.Node, what string) ([]string, error) {
	switch {
	case n == nil:
		return nil, nil
	case n.Kind == yaml.ScalarNode:
		if n.Tag == "!!null" {
			return nil, nil
		}
		return []string{n.Value}, nil
	case n.Kind == yaml.SequenceNode:
		out := make([]string, 0, len(n.Content))
		for _, c := range n.Content {
			c = resolveAlias(c)
			if c == nil || c.Kind != yaml.ScalarNode {
				return nil, perr(file, c, "%s: want a list of strings", what)
			}
			out = append(out, c.Value)
		}
		return out, nil
	}
	return nil, perr(file, n, "%s: want a string or a list of strings", what)
}

func parseDoc(root *yaml.Node, file string) (*Rule, error) {
	if root.Kind != yaml.MappingNode {
		return nil, perr(file, root, "rule document is not a mapping")
	}
	r := &Rule{File: file, Line: root.Line}
	for _, kv := range mapEntries(root) {
		k, v := kv[0].Value, kv[1]
		var err error
		switch k {
		case "id":
			r.ID = scalar(v)
		case "name":
			r.Name = scalar(v)
		case "title":
			r.Title = scalar(v)
		case "status":
			r.Status = scalar(v)
		case "description":
			r.Description = scalar(v)
		case "level":
			r.Level = scalar(v)
		case "taxonomy":
			r.Taxonomy = scalar(v)
		case "tags":
			r.Tags, err = stringList(file, v, "tags")
		case "references":
			r.References, err = stringList(file, v, "references")
		case "logsource":
			if v == nil || v.Kind != yaml.MappingNode {
				return nil, perr(file, v, "logsource is not a mapping")
			}
			if err := v.Decode(&r.Logsource); err != nil {
				return nil, perr(file, v, "logsource: %v", err)
			}
		case "detection":
			if v == nil || v.Kind != yaml.MappingNode {
				return nil, perr(file, v, "detection is not a mapping")
			}
			r.Detection = v
		case "correlation":
			r.Correlation, err = parseCorrelation(file, v)
		case "filter":
			r.Filter, err = parseFilter(file, v)
		case "action":
			return nil, perr(file, kv[0], "action %q (Sigma 1 rule collections) is not supported", scalar(v))
		}
		if err != nil {
			return nil, err
		}
	}
	if r.Correlation == nil && r.Filter == nil && r.Detection == nil {
		return nil, perr(file, root, "rule has no detection, correlation or filter section")
	}
	return r, nil
}

// Generate reports whether a correlation asks for its referenced rules to
// alert on their own as well.
func (r *Rule) Generate() bool { return r.Correlation != nil && r.Correlation.Generate }

func parseCorrelation(file string, n *yaml.Node) (*Correlation, error) {
	if n == nil || n.Kind != yaml.MappingNode {
		return nil, perr(file, n, "correlation is not a mapping")
	}
	c := &Correlation{}
	var err error
	for _, kv := range mapEntries(n) {
		k, v := kv[0].Value, kv[1]
		switch k {
		case "type":
			c.Type = scalar(v)
		case "rules":
			c.Rules, err = stringList(file, v, "correlation rules")
		case "group-by":
			c.GroupBy, err = stringList(file, v, "group-by")
		case "timespan":
			c.Timespan, err = parseTimespan(scalar(v))
			if err != nil {
				return nil, perr(file, v, "timespan: %v", err)
			}
		case "generate":
			c.Generate = scalar(v) == "true"
		case "aliases":
			c.Aliases = map[string]map[string]string{}
			for _, a := range mapEntries(v) {
				m := map[string]string{}
				for _, e := range mapEntries(a[1]) {
					m[e[0].Value] = scalar(e[1])
				}
				c.Aliases[a[0].Value] = m
			}
		case "condition":
			if v == nil || v.Kind != yaml.MappingNode {
				return nil, perr(file, v, "correlation condition is not a mapping")
			}
			for _, e := range mapEntries(v) {
				op := e[0].Value
				if op == "field" {
					if c.Field, err = stringList(file, e[1], "condition field"); err != nil {
						return nil, err
					}
					continue
				}
				switch op {
				case "gt", "gte", "lt", "lte", "eq", "neq":
				default:
					return nil, perr(file, e[0], "correlation condition: unknown operator %q", op)
				}
				f, perr2 := strconv.ParseFloat(scalar(e[1]), 64)
				if perr2 != nil {
					return nil, perr(file, e[1], "correlation condition %s: %v", op, perr2)
				}
				c.Condition = append(c.Condition, Comparison{Op: op, Value: f})
			}
		}
		if err != nil {
			return nil, err
		}
	}
	if c.Type == "" {
		return nil, perr(file, n, "correlation has no type")
	}
	if len(c.Rules) == 0 {
		return nil, perr(file, n, "correlation has no rules")
	}
	return c, nil
}

// parseTimespan reads "<number><unit>" with unit s, m, h, d, w, M or y.
func parseTimespan(s string) (time.Duration, error) {
	s = strings.TrimSpace(s)
	if len(s) < 2 {
		return 0, fmt.Errorf("%q: want a number and a unit (s, m, h, d)", s)
	}
	n, err := strconv.ParseFloat(s[:len(s)-1], 64)
	if err != nil || n <= 0 {
		return 0, fmt.Errorf("%q: want a positive number and a unit (s, m, h, d)", s)
	}
	var unit time.Duration
	switch s[len(s)-1] {
	case 's':
		unit = time.Second
	case 'm':
		unit = time.Minute
	case 'h':
		unit = time.Hour
	case 'd':
		unit = 24 * time.Hour
	case 'w':
		unit = 7 * 24 * time.Hour
	case 'M':
		unit = 30 * 24 * time.Hour
	case 'y':
		unit = 365 * 24 * time.Hour
	default:
		return 0, fmt.Errorf("%q: unknown unit (want s, m, h, d)", s)
	}
	if n > 1e6 {
		return 0, fmt.Errorf("%q: too long", s)
	}
	return time.Duration(n * float64(unit)), nil
}

func parseFilter(file string, n *yaml.Node) (*Filter, error) {
	if n == nil || n.Kind != yaml.MappingNode {
		return nil, perr(file, n, "filter is not a mapping")
	}
	f := &Filter{}
	det := &yaml.Node{Kind: yaml.MappingNode, Tag: "!!map", Line: n.Line, Column: n.Column}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		if k.Value == "rules" {
			var err error
			if f.Rules, err = stringList(file, resolveAlias(v), "filter rules"); err != nil {
				return nil, err
			}
			continue
		}
		det.Content = append(det.Content, k, v)
	}
	if len(f.Rules) == 0 {
		return nil, perr(file, n, "filter has no rules")
	}
	f.Detection = det
	return f, nil
}
