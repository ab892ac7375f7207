package syslog

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/mailtrip/mailtrip/logfmt"
	"github.com/mailtrip/mailtrip/logfmt/internal/logtest"
)

// expectation is fail2ban's "# failJSON:" comment above a test line.
type expectation struct {
	Time  string `json:"time"`
	Match bool   `json:"match"`
	Host  string `json:"host"`
}

// TestFail2banSamples reads fail2ban's real Dovecot, Postfix and
// Roundcube test logs and checks every line fail2ban annotates with a
// host: the reader must find that client address (fail2ban's filters
// were written against these very lines, including the injection
// attempts), and the time fail2ban expects.
func TestFail2banSamples(t *testing.T) {
	for _, tt := range []struct{ file, service string }{
		{"fail2ban-tests-dovecot.log", "dovecot"},
		{"fail2ban-tests-postfix.log", "postfix"},
		{"fail2ban-tests-roundcube-auth.log", "roundcube"},
	} {
		t.Run(tt.service, func(t *testing.T) {
			data := logtest.Read(t, "platform", "unix-logs", tt.file)
			// Expectations by line number.
			want := map[int]expectation{}
			sc := bufio.NewScanner(bytes.NewReader(data))
			for n := 1; sc.Scan(); n++ {
				if _, js, ok := strings.Cut(sc.Text(), "failJSON:"); ok {
					var e expectation
					if err := json.Unmarshal([]byte(js), &e); err != nil {
						t.Fatalf("line %d: %v", n, err)
					}
					want[n+1] = e
				}
			}
			r := NewReader(bytes.NewReader(data), Options{Year: 2005})
			checked := 0
			for {
				rec, err := r.Next()
				if err == io.EOF {
					break
				}
				if err != nil {
					var pe *logfmt.ParseError
					if !errors.As(err, &pe) || !errors.Is(err, logfmt.ErrSyntax) {
						t.Fatal(err)
					}
					if _, annotated := want[pe.Line]; annotated {
						t.Errorf("line %d: annotated line not read: %v", pe.Line, err)
					}
					continue
				}
				e, ok := want[rec.Line]
				if !ok {
					continue
				}
				if rec.Service != tt.service {
					t.Errorf("line %d: service %q (program %q)", rec.Line, rec.Service, rec.Program)
				}
				if e.Host != "" && rec.ClientIP() != e.Host {
					t.Errorf("line %d: client %q, want %q: %s", rec.Line, rec.ClientIP(), e.Host, rec.Message)
				}
				if e.Match && e.Host != "" && rec.ResultStatus() != "failure" && tt.service != "postfix" && rec.Event != "no_auth" {
					t.Errorf("line %d: event %q for a failed login", rec.Line, rec.Event)
				}
				if e.Time != "" && !rec.Zoned {
					// fail2ban's year for year-less stamps depends on its
					// clock; compare the rest.
					wt, err := time.Parse("2006-01-02T15:04:05", e.Time)
					if err == nil && rec.Time.Format("01-02T15:04:05") != wt.Format("01-02T15:04:05") {
						t.Errorf("line %d: time %v, want %v", rec.Line, rec.Time, wt)
					}
				}
				checked++
			}
			if checked < len(want)/2 {
				t.Errorf("only %d of %d annotated lines checked", checked, len(want))
			}
		})
	}
}

func TestDovecotSession(t *testing.T) {
	lines := "Jan  3 10:00:00 mx dovecot: imap-login: Login: user=<alice@example.org>, method=PLAIN, rip=203.0.113.7, lip=192.0.2.1, mpid=4242, TLS, session=<abc>\n" +
		"Jan  3 10:05:00 mx dovecot: imap(alice@example.org)<4242><abc>: Disconnected: Logged out in=1234 out=98765432 deleted=0 expunged=0 trashed=0 hdr_count=150 hdr_bytes=300000 body_count=149 body_bytes=98000000\n" +
		"<22>1 2024-05-01T10:00:00.123Z mx postfix/qmgr 1234 - - 4VXy2K0Qz1z9: from=<alice@example.org>, size=2048, nrcpt=1 (queue active)\n" +
		"2024-05-01T10:00:01+0200 mx postfix/local[99]: 4VXy2K0Qz1z9: to=<bob@evil.example>, orig_to=<alice@example.org>, relay=local, delay=0.1, status=sent (forwarded as 4VXy2K0Qz2)\n" +
		"May  1 10:00:02 mx postfix/smtpd[77]: 4VXy2K0Qz1z9: client=unknown[2001:db8::7], sasl_method=PLAIN, sasl_username=alice\n"
	r := NewReader(strings.NewReader(lines), Options{Year: 2024})
	var recs []*Record
	for {
		rec, err := r.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		recs = append(recs, rec)
	}
	if len(recs) != 5 {
		t.Fatalf("%d records", len(recs))
	}
	if recs[0].Operation() != "dovecot.login" || recs[0].UserID() != "alice@example.org" || recs[0].ClientIP() != "203.0.113.7" || recs[0].Fields["method"] != "PLAIN" {
		t.Errorf("login: %+v", recs[0])
	}
	d := recs[1]
	if d.Operation() != "dovecot.disconnected" || d.UserID() != "alice@example.org" || d.Fields["out"] != "98765432" || d.Fields["body_count"] != "149" || d.Fields["deleted"] != "0" {
		t.Errorf("disconnect: %+v", d)
	}
	if q := recs[2]; q.Operation() != "postfix.queued" || q.Fields["from"] != "alice@example.org" || !q.Time.Equal(time.Date(2024, 5, 1, 10, 0, 0, 123000000, time.UTC)) || q.Host != "mx" {
		t.Errorf("qmgr: %+v", q)
	}
	if f := recs[3]; f.Operation() != "postfix.forwarded" || f.Fields["orig_to"] != "alice@example.org" || f.Fields["to"] != "bob@evil.example" || !f.Time.Equal(time.Date(2024, 5, 1, 8, 0, 1, 0, time.UTC)) {
		t.Errorf("forward: %+v", f)
	}
	if s := recs[4]; s.Operation() != "postfix.sasl_login" || s.UserID() != "alice" || s.ClientIP() != "2001:db8::7" {
		t.Errorf("sasl: %+v", s)
	}
}

// FuzzParseLine checks that no line makes the parser panic.
// Seeds: testdata/fuzz/FuzzParseLine.
func FuzzParseLine(f *testing.F) {
	f.Add("Jun 13 16:30:54 platypus dovecot: imap-login: Disconnected (auth failed, 2 attempts): user=<u>, method=PLAIN, rip=49.176.98.87, lip=1.2.3.4, TLS")
	f.Fuzz(func(t *testing.T, line string) {
		if r, ok := ParseLine(line, 2024); ok {
			_ = r.Operation() + r.UserID() + r.ClientIP() + r.ResultStatus()
		}
	})
}
