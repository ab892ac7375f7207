package imap

import (
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/emersion/go-imap/v2/imapclient"

	"github.com/mailtrip/mailtrip/internal/dovecottest"
)

// target is a Target for folder over imaps trusting the test certificate.
func target(t testing.TB, d *dovecottest.Server, folder string, create bool) *Target {
	t.Helper()
	tg, err := New(d.URL("imaps", folder), Options{Password: d.Pass, TLSConfig: d.TLSConfig(), Create: create, Timeout: 10 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	return tg
}

// client is a logged-in go-imap client over imaps, closed at cleanup.
func client(t testing.TB, d *dovecottest.Server) *imapclient.Client {
	t.Helper()
	c, err := imapclient.DialTLS(d.Addr(d.IMAPSPort), &imapclient.Options{TLSConfig: d.TLSConfig()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	if err := c.Login(d.User, d.Pass).Wait(); err != nil {
		t.Fatal(err)
	}
	return c
}

// TestDovecotHarness checks the harness itself: both listeners, login,
// UIDPLUS.
func TestDovecotHarness(t *testing.T) {
	start := time.Now()
	d := dovecottest.Start(t, dovecottest.Config{})
	t.Logf("dovecot up in %v", time.Since(start))
	c := client(t, d)
	if !c.Caps().Has("UIDPLUS") {
		t.Errorf("dovecot does not offer UIDPLUS: %v", c.Caps())
	}
	if !strings.Contains(d.URL("imap", "INBOX").String(), strconv.Itoa(d.IMAPPort)) {
		t.Error("url lacks the port")
	}
}
