package credtrap

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/emersion/go-imap/v2/imapclient"

	"github.com/mailtrip/mailtrip/tripwire"
)

var credRecorder = tripwire.RecorderFunc(func(_ context.Context, h tripwire.Hit) (tripwire.Result, error) {
	return tripwire.Result{HitID: 1, Credential: h.User == decoyUser && h.Password == decoyPass}, nil
})

// BenchmarkIMAPLogins is a whole decoy login per iteration over loopback:
// connect, greeting, LOGIN (recorded), LOGOUT; the metric is logins/s.
func BenchmarkIMAPLogins(b *testing.B) {
	_, addr := startIMAP(b, IMAPConfig{MaxConnections: 1024}, credRecorder)
	b.ResetTimer()
	for b.Loop() {
		c, err := imapclient.DialInsecure(addr, nil)
		if err != nil {
			b.Fatal(err)
		}
		if err := c.Login(decoyUser, decoyPass).Wait(); err != nil {
			b.Fatal(err)
		}
		c.Logout().Wait()
		c.Close()
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "logins/s")
}

// BenchmarkIMAPAttemptsOneConn repeats a failed LOGIN on one connection
// (fail delay and attempt limit out of the way): the cost of recording an
// attempt and answering it, without the connection set-up.
func BenchmarkIMAPAttemptsOneConn(b *testing.B) {
	_, addr := startIMAP(b, IMAPConfig{FailDelay: 1, MaxAttempts: 1 << 30}, credRecorder)
	c, err := imapclient.DialInsecure(addr, nil)
	if err != nil {
		b.Fatal(err)
	}
	defer c.Close()
	b.ResetTimer()
	for b.Loop() {
		if err := c.Login(decoyUser, "wrong").Wait(); err == nil {
			b.Fatal("wrong password accepted")
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "attempts/s")
}

// BenchmarkLoginPost is the HTTP form handler alone.
func BenchmarkLoginPost(b *testing.B) {
	h := NewLoginHandler(LoginConfig{PostDelay: 1}, credRecorder, nil)
	form := url.Values{"username": {decoyUser}, "password": {decoyPass}}.Encode()
	for b.Loop() {
		r := httptest.NewRequest(http.MethodPost, "/login?sid=abcdefghijklmnop", strings.NewReader(form))
		r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		h.ServeHTTP(httptest.NewRecorder(), r)
	}
}
