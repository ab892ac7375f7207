package tripwire

import (
	"fmt"
	"net/netip"
	"os"
	"strings"

	"go.yaml.in/yaml/v3"
)

// AllowList marks hits an operator expects (a red-team exercise, the
// security team's own checks, a monitoring probe) as expected instead of
// dropping them: they are stored and attributed, and their alerts are
// informational. An entry matches when every field it sets matches.
//
//	allow:
//	  - comment: SOC jump host
//	    sources: [10.20.0.0/16]
//	  - comment: red team, Q3 exercise
//	    decoys: [gq4tk...]
//	    user_agents: [redteam-probe]
//	    traps: [http, dns]
type AllowList struct {
	entries []allowEntry
}

type allowEntry struct {
	Comment    string   `yaml:"comment"`
	Sources    []string `yaml:"sources"`
	UserAgents []string `yaml:"user_agents"`
	Decoys     []string `yaml:"decoys"`
	Traps      []string `yaml:"traps"`

	prefixes []netip.Prefix
}

// LoadAllowList parses an allow-list; empty data gives an empty list.
func LoadAllowList(data []byte) (*AllowList, error) {
	var doc struct {
		Allow []allowEntry `yaml:"allow"`
	}
	if err := yaml.Unmarshal(data, &doc); err != nil {
		return nil, fmt.Errorf("allow-list: %w", err)
	}
	l := &AllowList{}
	for i, e := range doc.Allow {
		if len(e.Sources)+len(e.UserAgents)+len(e.Decoys)+len(e.Traps) == 0 {
			return nil, fmt.Errorf("allow-list: entry %d matches everything; give sources, user_agents, decoys or traps", i+1)
		}
		for _, s := range e.Sources {
			p, err := ParsePrefix(s)
			if err != nil {
				return nil, fmt.Errorf("allow-list: entry %d: %w", i+1, err)
			}
			e.prefixes = append(e.prefixes, p)
		}
		for j, a := range e.UserAgents {
			e.UserAgents[j] = strings.ToLower(a)
		}
		l.entries = append(l.entries, e)
	}
	return l, nil
}

// LoadAllowListFile reads an allow-list from path ("" for none).
func LoadAllowListFile(path string) (*AllowList, error) {
	if path == "" {
		return &AllowList{}, nil
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	l, err := LoadAllowList(b)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return l, nil
}

// Match returns the comment (or "allow-list entry N") of the first entry
// matching the hit and its decoy, or "".
func (l *AllowList) Match(h Hit, decoyID string) string {
	if l == nil {
		return ""
	}
	addr := h.Source.Addr().Unmap()
	ua := strings.ToLower(h.UserAgent)
	for i, e := range l.entries {
		if len(e.prefixes) > 0 && !anyPrefix(e.prefixes, addr) {
			continue
		}
		if len(e.UserAgents) > 0 && !anyContains(ua, e.UserAgents) {
			continue
		}
		if len(e.Decoys) > 0 && !contains(e.Decoys, decoyID) {
			continue
		}
		if len(e.Traps) > 0 && !contains(e.Traps, h.Trap) {
			continue
		}
		if e.Comment != "" {
			return e.Comment
		}
		return fmt.Sprintf("allow-list entry %d", i+1)
	}
	return ""
}

func anyPrefix(ps []netip.Prefix, a netip.Addr) bool {
	if !a.IsValid() {
		return false
	}
	for _, p := range ps {
		if p.Contains(a) {
			return true
		}
	}
	return false
}

func anyContains(s string, subs []string) bool {
	for _, x := range subs {
		if strings.Contains(s, x) {
			return true
		}
	}
	return false
}

func contains(xs []string, s string) bool {
	for _, x := range xs {
		if x == s {
			return true
		}
	}
	return false
}
