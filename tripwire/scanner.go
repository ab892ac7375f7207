package tripwire

import (
	_ "embed"
	"fmt"
	"net/netip"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"go.yaml.in/yaml/v3"
)

//go:embed scanners.yaml
var builtinScanners []byte

// BuiltinScanners returns the scanner list mailtrip ships (scanners.yaml),
// for users who want a copy to edit.
func BuiltinScanners() []byte { return append([]byte(nil), builtinScanners...) }

// Scanners recognises link scanners, image proxies and prefetchers: by
// source range, by user agent, by the trap's prefetch judgement (HEAD,
// prefetch headers) and by timing — a touch within Grace of the decoy's
// planting is what a gateway scanning new mail does, not what a person who
// later collects the mailbox does.
type Scanners struct {
	list  []scannerEntry
	Grace time.Duration

	agents  sync.Map     // user agent → agentEntry's answer
	nAgents atomic.Int64 // agents remembered (or about to be)
}

type scannerEntry struct {
	Name       string   `yaml:"name"`
	Ranges     []string `yaml:"ranges"`
	UserAgents []string `yaml:"user_agents"`

	prefixes []netip.Prefix
	agents   []string // lower-case
}

// DefaultGrace is how soon after planting a touch counts as a scanner's.
const DefaultGrace = 2 * time.Minute

// LoadScanners parses a scanner list (the format of scanners.yaml); nil or
// empty data gives the built-in list.
func LoadScanners(data []byte) (*Scanners, error) {
	if len(data) == 0 {
		data = builtinScanners
	}
	var doc struct {
		Scanners []scannerEntry `yaml:"scanners"`
	}
	if err := yaml.Unmarshal(data, &doc); err != nil {
		return nil, fmt.Errorf("scanner list: %w", err)
	}
	s := &Scanners{Grace: DefaultGrace}
	for i, e := range doc.Scanners {
		if e.Name == "" {
			return nil, fmt.Errorf("scanner list: entry %d has no name", i+1)
		}
		for _, r := range e.Ranges {
			p, err := ParsePrefix(r)
			if err != nil {
				return nil, fmt.Errorf("scanner list: %s: %w", e.Name, err)
			}
			e.prefixes = append(e.prefixes, p)
		}
		for _, a := range e.UserAgents {
			if a = strings.TrimSpace(a); a != "" {
				e.agents = append(e.agents, strings.ToLower(a))
			}
		}
		s.list = append(s.list, e)
	}
	return s, nil
}

// LoadScannersFile reads a scanner list from path ("" for the built-in one).
func LoadScannersFile(path string) (*Scanners, error) {
	if path == "" {
		return LoadScanners(nil)
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	s, err := LoadScanners(b)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return s, nil
}

// ParsePrefix accepts a CIDR prefix or a single address (as a prefix of
// its full length); the prefix is masked.
func ParsePrefix(s string) (netip.Prefix, error) {
	s = strings.TrimSpace(s)
	if strings.Contains(s, "/") {
		p, err := netip.ParsePrefix(s)
		if err != nil {
			return netip.Prefix{}, err
		}
		return p.Masked(), nil
	}
	a, err := netip.ParseAddr(s)
	if err != nil {
		return netip.Prefix{}, err
	}
	return netip.PrefixFrom(a, a.BitLen()), nil
}

// Match names the scanner a source address or user agent belongs to, or
// returns "": the first entry of the list whose range or agent matches.
func (s *Scanners) Match(addr netip.Addr, userAgent string) string {
	if s == nil {
		return ""
	}
	addr = addr.Unmap()
	first := len(s.list) // the first entry matching so far
	if userAgent != "" {
		first = s.agentEntry(userAgent)
	}
	if addr.IsValid() {
		for _, e := range s.list[:first] {
			for _, p := range e.prefixes {
				if p.Contains(addr) {
					return e.Name
				}
			}
		}
	}
	if first < len(s.list) {
		return s.list[first].Name
	}
	return ""
}

// maxAgentVerdicts bounds the user agents whose verdict is remembered.
const maxAgentVerdicts = 4096

// agentEntry is the index of the first entry with an agent userAgent
// contains (ignoring case), len(s.list) for none. A flood of
// touches repeats a handful of user agents, so verdicts are remembered
// (the first maxAgentVerdicts agents seen).
func (s *Scanners) agentEntry(userAgent string) int {
	if v, ok := s.agents.Load(userAgent); ok {
		return v.(int)
	}
	ua := strings.ToLower(userAgent)
	idx := len(s.list)
search:
	for i, e := range s.list {
		for _, a := range e.agents {
			if strings.Contains(ua, a) {
				idx = i
				break search
			}
		}
	}
	if s.nAgents.Add(1) <= maxAgentVerdicts {
		s.agents.Store(userAgent, idx)
	}
	return idx
}

// Judge gives the reason a hit counts as a scanner's, or "" for a person:
// a known range or agent, the trap's prefetch judgement, or a touch within
// Grace after the decoy was planted.
func (s *Scanners) Judge(h Hit, plantedAt time.Time) string {
	if name := s.Match(h.Source.Addr(), h.UserAgent); name != "" {
		return "known scanner: " + name
	}
	if h.Prefetch {
		return "prefetch request (HEAD or a prefetch header)"
	}
	grace := DefaultGrace
	if s != nil {
		grace = s.Grace
	}
	if grace > 0 && !plantedAt.IsZero() && h.Trap != TrapFile && h.Trap != TrapCred {
		if d := h.Time.Sub(plantedAt); d >= 0 && d < grace {
			return fmt.Sprintf("touched %s after planting, as a mail gateway scanning new mail does", d.Round(time.Second))
		}
	}
	return ""
}
