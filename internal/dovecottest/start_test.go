package dovecottest

import (
	"net"
	"strconv"
	"testing"
)

// TestStartPortTaken: when the port chosen for Dovecot is taken before it
// binds, Start starts it again on other ports.
func TestStartPortTaken(t *testing.T) {
	taken := 0
	freePorts = func(t testing.TB, n int) []int {
		ports := FreePorts(t, n)
		if taken == 0 {
			// Hold the first port for the first start only.
			l, err := net.Listen("tcp", net.JoinHostPort("127.0.0.1", strconv.Itoa(ports[0])))
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { l.Close() })
		}
		taken++
		return ports
	}
	t.Cleanup(func() { freePorts = FreePorts })
	d := Start(t, Config{})
	if taken < 2 {
		t.Fatalf("ports chosen %d times, want a second start", taken)
	}
	c, err := net.Dial("tcp", d.Addr(d.IMAPPort))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	buf := make([]byte, 64)
	n, _ := c.Read(buf)
	if string(buf[:4]) != "* OK" {
		t.Fatalf("greeting %q", buf[:n])
	}
}
