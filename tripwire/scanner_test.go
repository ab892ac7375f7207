package tripwire

import (
	"net/netip"
	"testing"
)

// TestScannersMatch: the first entry whose range or agent matches names
// the scanner, agents match ignoring case, and a remembered verdict is the
// one worked out the first time.
func TestScannersMatch(t *testing.T) {
	s, err := LoadScanners([]byte(`
scanners:
  - name: Agent First
    user_agents: [ProbeBot]
  - name: Range Second
    ranges: [198.51.100.0/24]
  - name: Both Third
    ranges: [203.0.113.0/24]
    user_agents: [previewer]
`))
	if err != nil {
		t.Fatal(err)
	}
	in := netip.MustParseAddr("198.51.100.7")
	out := netip.MustParseAddr("192.0.2.1")
	cases := []struct {
		addr netip.Addr
		ua   string
		want string
	}{
		{in, "Mozilla/5.0 probebot/2", "Agent First"}, // agent of an earlier entry wins
		{in, "Mozilla/5.0", "Range Second"},
		{out, "Mozilla/5.0 (PREVIEWER)", "Both Third"},
		{netip.MustParseAddr("::ffff:203.0.113.9"), "", "Both Third"},
		{out, "Mozilla/5.0", ""},
		{netip.Addr{}, "", ""},
	}
	for round := range 2 { // the second round answers from remembered verdicts
		for _, c := range cases {
			if got := s.Match(c.addr, c.ua); got != c.want {
				t.Errorf("round %d: Match(%v, %q) = %q, want %q", round, c.addr, c.ua, got, c.want)
			}
		}
	}
}
