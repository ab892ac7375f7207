package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"mime/quotedprintable"
	"net"
	"net/http"
	"net/mail"
	"net/smtp"
	"net/url"
	"os"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/mailtrip/mailtrip/config"
	"github.com/mailtrip/mailtrip/store"
	"github.com/mailtrip/mailtrip/token"
	"github.com/mailtrip/mailtrip/tripwire"
)

type fireFlags struct {
	wait time.Duration
}

func (a *app) decoyTestCmd() *cobra.Command {
	var f fireFlags
	cmd := &cobra.Command{
		Use:   "test DECOY-ID",
		Short: "Fire every breadcrumb of a decoy at the running traps and confirm the alerts",
		Long: `test proves the wiring end to end: it opens a test window for the decoy in
the store, then, from this machine, follows its links and loads its image
(HTTP trap), resolves its host name (DNS trap), mails its canary address and
sends a copy of the decoy itself (SMTP trap), logs in with its decoy
credential (IMAP trap), and reads its planted files (file trap). The running
mailtrip serve (same store, same configuration) must turn each touch into a
hit attributed to the decoy and an alert marked as a test (informational,
tag mailtrip.test): touches by anyone else during the window are not
marked. The exit code is 1 when a breadcrumb raised no alert.`,
		Example: `  mailtrip decoy test 3vtgeryfg5vyxg7iqxpugjj65e`,
		Args:    cobra.ExactArgs(1),
		RunE:    func(cmd *cobra.Command, args []string) error { return a.decoyTest(cmd.Context(), args[0], &f) },
	}
	cmd.Flags().DurationVar(&f.wait, "wait", 15*time.Second, "how long to wait for the alerts")
	return cmd
}

// shot is one breadcrumb fired at one trap.
type shot struct {
	crumb string // what was touched
	trap  string
	match func(store.Hit) bool // the hit this shot causes
	err   error                // firing failed
	hit   bool                 // a test hit attributed to the decoy arrived
	alert string
}

func (a *app) decoyTest(ctx context.Context, id string, f *fireFlags) error {
	if _, err := token.ParseID(id); err != nil {
		return usageError("%q is not a decoy id: %v", id, err)
	}
	return a.withStore(ctx, func(st *store.Store) error {
		a.running = true
		d, err := st.Decoy(ctx, id)
		if err != nil {
			return fmt.Errorf("decoy %s: %w", id, err)
		}
		toks, err := st.Tokens(ctx, id)
		if err != nil {
			return err
		}
		ps, err := st.Plantings(ctx, store.PlantingFilter{DecoyID: id, Active: true})
		if err != nil {
			return err
		}
		sc := a.cfg.Serve
		// The window names the address this machine reaches the traps
		// from, so only its own touches count as the test.
		start := time.Now().UTC()
		sources := map[string]bool{tripwire.TestSourceLocal: true, tripwire.TestSourcePID(os.Getpid()): true}
		for _, addr := range []string{sc.HTTP.Listen, sc.DNS.Listen, sc.SMTP.Listen, sc.IMAP.Listen} {
			if ip := localIPFor(dialAddr(addr)); ip != "" {
				sources[ip] = true
			}
		}
		for src := range sources {
			if err := st.StartDecoyTest(ctx, id, src, store.PurposeTest, start.Add(f.wait+time.Minute)); err != nil {
				return err
			}
		}
		defer func() { _ = st.EndDecoyTests(context.WithoutCancel(ctx), id, store.PurposeTest) }()
		// serve caches a decoy's windows for half a second: let it see
		// this one before the first touch.
		time.Sleep(time.Second)

		var shots []*shot
		fire := func(crumb, trap string, match func(store.Hit) bool, fn func() error) {
			s := &shot{crumb: crumb, trap: trap, match: match}
			s.err = fn()
			shots = append(shots, s)
		}
		var user, canary string
		bySub := func(trap, sub string) func(store.Hit) bool {
			return func(h store.Hit) bool { return h.Trigger == trap && h.SubID == sub }
		}
		byTrap := func(trap string) func(store.Hit) bool {
			return func(h store.Hit) bool { return h.Trigger == trap }
		}
		for _, t := range toks {
			switch token.Kind(t.Kind) {
			case token.KindURL, token.KindImage:
				fire(t.Value, tripwire.TrapHTTP, bySub(tripwire.TrapHTTP, t.Sub), func() error { return fireHTTP(ctx, sc.HTTP.Listen, t.Value) })
			case token.KindDNS:
				fire(t.Value, tripwire.TrapDNS, bySub(tripwire.TrapDNS, t.Sub), func() error { return fireDNS(ctx, sc.DNS.Listen, t.Value) })
			case token.KindEmail:
				canary = t.Sub
				fire(t.Value, tripwire.TrapSMTP, bySub(tripwire.TrapSMTP, t.Sub), func() error {
					return fireSMTP(sc.SMTP.Listen, t.Value, []byte("Subject: mailtrip decoy test\r\n\r\nA test of the canary address.\r\n"))
				})
			case token.KindCredential:
				user = t.Value
			}
		}
		// A forwarded copy is recognised by any of its breadcrumbs but the
		// canary address it was not sent to.
		fire("copy of the decoy ("+d.MessageID+")", tripwire.TrapSMTP,
			func(h store.Hit) bool { return h.Trigger == tripwire.TrapSMTP && h.SubID != canary },
			func() error { return fireSMTP(sc.SMTP.Listen, "decoy-test@"+a.cfg.Canary.MailDomain, d.Raw) })
		if user != "" {
			fire("credential "+user, tripwire.TrapCred, byTrap(tripwire.TrapCred), func() error {
				pw, err := findPassword(ctx, st, user, d.Raw)
				if err != nil {
					return err
				}
				return fireIMAPLogin(sc.IMAP.Listen, user, pw)
			})
		}
		for _, p := range ps {
			file := p.File()
			if file == "" {
				continue
			}
			fire(file, tripwire.TrapFile, byTrap(tripwire.TrapFile), func() error {
				b, err := os.ReadFile(file)
				if err == nil && len(b) == 0 {
					err = errors.New("empty file")
				}
				return err
			})
		}

		// Wait for the hits to be attributed.
		deadline := time.Now().Add(f.wait)
		for {
			hits, err := st.Hits(ctx, store.HitFilter{DecoyID: id, Since: start})
			if err != nil {
				return err
			}
			for _, s := range shots {
				s.hit, s.alert = false, ""
				for _, h := range hits {
					if h.Test && h.IncidentID != "" && s.match(h) {
						s.hit, s.alert = true, h.IncidentID
					}
				}
			}
			done := true
			for _, s := range shots {
				if s.err == nil && !s.hit {
					done = false
				}
			}
			if done || time.Now().After(deadline) {
				break
			}
			select {
			case <-ctx.Done():
				return context.Cause(ctx)
			case <-time.After(200 * time.Millisecond):
			}
		}

		tw := tabwriter.NewWriter(a.stdout, 0, 0, 2, ' ', 0)
		fmt.Fprintln(tw, "TRAP\tBREADCRUMB\tRESULT")
		failed := 0
		for _, s := range shots {
			res := "alert " + s.alert
			switch {
			case s.err != nil:
				res = "NOT FIRED: " + s.err.Error()
				failed++
			case !s.hit:
				res = fmt.Sprintf("NO ALERT within %v (is mailtrip serve running on this store?)", f.wait)
				failed++
			}
			fmt.Fprintf(tw, "%s\t%s\t%s\n", s.trap, oneLine(s.crumb, 70), res)
		}
		if err := tw.Flush(); err != nil {
			return err
		}
		if failed > 0 {
			return &exitError{code: exitFindings, err: fmt.Errorf("decoy %s: %d of %d breadcrumbs raised no alert", id, failed, len(shots))}
		}
		if !a.quiet {
			fmt.Fprintf(a.stderr, "mailtrip: all %d breadcrumbs of decoy %s raised test alerts\n", len(shots), id)
		}
		return nil
	})
}

// dialAddr turns a listen address into one to dial: a wildcard host is
// this machine's loopback.
func dialAddr(listen string) string {
	if listen == "" || listen == config.Off {
		return ""
	}
	host, port, err := net.SplitHostPort(listen)
	if err != nil {
		return listen
	}
	if host == "" || host == "0.0.0.0" || host == "::" {
		host = "127.0.0.1"
	}
	return net.JoinHostPort(host, port)
}

// localIPFor is the address this machine uses to reach addr (no packet is
// sent: a UDP socket only picks its route).
func localIPFor(addr string) string {
	if addr == "" {
		return ""
	}
	c, err := net.Dial("udp", addr)
	if err != nil {
		return ""
	}
	defer c.Close()
	if ua, ok := c.LocalAddr().(*net.UDPAddr); ok {
		return ua.AddrPort().Addr().Unmap().String()
	}
	return ""
}

var errTrapOff = errors.New("trap is off in the configuration")

func fireHTTP(ctx context.Context, listen, link string) error {
	addr := dialAddr(listen)
	if addr == "" {
		return errTrapOff
	}
	u, err := url.Parse(link)
	if err != nil {
		return err
	}
	target := *u
	target.Scheme, target.Host = "http", addr
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, target.String(), nil)
	if err != nil {
		return err
	}
	req.Host = u.Host
	req.Header.Set("User-Agent", "mailtrip-decoy-test")
	c := &http.Client{Timeout: 10 * time.Second, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := c.Do(req)
	if err != nil {
		return err
	}
	io.Copy(io.Discard, io.LimitReader(resp.Body, 1<<20))
	resp.Body.Close()
	if resp.StatusCode >= 500 || resp.StatusCode == http.StatusTooManyRequests {
		return fmt.Errorf("HTTP trap answered %s", resp.Status)
	}
	return nil
}

func fireDNS(ctx context.Context, listen, host string) error {
	addr := dialAddr(listen)
	if addr == "" {
		return errTrapOff
	}
	r := &net.Resolver{PreferGo: true, Dial: func(ctx context.Context, network, _ string) (net.Conn, error) {
		var d net.Dialer
		return d.DialContext(ctx, network, addr)
	}}
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	_, err := r.LookupHost(ctx, host)
	return err
}

func fireSMTP(listen, rcpt string, msg []byte) error {
	addr := dialAddr(listen)
	if addr == "" {
		return errTrapOff
	}
	c, err := smtp.Dial(addr)
	if err != nil {
		return err
	}
	defer c.Close()
	if err := c.Hello("mailtrip-decoy-test.localhost"); err != nil {
		return err
	}
	if err := c.Mail("decoy-test@mailtrip.localhost"); err != nil {
		return err
	}
	if err := c.Rcpt(rcpt); err != nil {
		return err
	}
	w, err := c.Data()
	if err != nil {
		return err
	}
	if _, err := w.Write(msg); err != nil {
		return err
	}
	if err := w.Close(); err != nil {
		return err
	}
	return c.Quit()
}

// fireIMAPLogin logs in to the IMAP trap with a LOGIN command (RFC 9051
// 6.2.3), quoting the strings.
func fireIMAPLogin(listen, user, password string) error {
	addr := dialAddr(listen)
	if addr == "" {
		return errTrapOff
	}
	c, err := net.DialTimeout("tcp", addr, 10*time.Second)
	if err != nil {
		return err
	}
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(15 * time.Second))
	r := bufio.NewReader(c)
	if _, err := r.ReadString('\n'); err != nil {
		return fmt.Errorf("greeting: %w", err)
	}
	q := func(s string) string { return `"` + strings.NewReplacer(`\`, `\\`, `"`, `\"`).Replace(s) + `"` }
	if _, err := fmt.Fprintf(c, "t1 LOGIN %s %s\r\n", q(user), q(password)); err != nil {
		return err
	}
	for {
		line, err := r.ReadString('\n')
		if err != nil {
			return fmt.Errorf("login: %w", err)
		}
		if strings.HasPrefix(line, "t1 ") {
			fmt.Fprintf(c, "t2 LOGOUT\r\n")
			if !strings.HasPrefix(line, "t1 OK") {
				return fmt.Errorf("the trap refused the decoy credential: %s", strings.TrimSpace(line))
			}
			return nil
		}
	}
}

// findPassword recovers a decoy credential's password from the decoy's
// message (the store keeps only its hash): every word of the decoded text
// parts is tried against the registry.
func findPassword(ctx context.Context, st *store.Store, user string, raw []byte) (string, error) {
	var text bytes.Buffer
	m, err := mail.ReadMessage(bytes.NewReader(raw))
	if err != nil {
		return "", err
	}
	collectText(&text, m.Header.Get("Content-Type"), m.Header.Get("Content-Transfer-Encoding"), m.Body, 0)
	seen := map[string]bool{}
	for _, w := range strings.Fields(text.String()) {
		for _, cand := range []string{w, strings.Trim(w, `"'.,;:()[]<>`)} {
			if len(cand) < 4 || len(cand) > 128 || seen[cand] || cand == user {
				continue
			}
			seen[cand] = true
			if t, err := st.LookupCredential(ctx, user, cand); err == nil && t.Kind == string(token.KindCredential) {
				return cand, nil
			}
		}
	}
	return "", errors.New("the decoy's password is not in its message")
}

func collectText(out *bytes.Buffer, ctype, cte string, body io.Reader, depth int) {
	if depth > 8 {
		return
	}
	mt, params, _ := mime.ParseMediaType(ctype)
	if strings.HasPrefix(mt, "multipart/") {
		mr := multipart.NewReader(body, params["boundary"])
		for {
			p, err := mr.NextRawPart()
			if err != nil {
				return
			}
			collectText(out, p.Header.Get("Content-Type"), p.Header.Get("Content-Transfer-Encoding"), p, depth+1)
		}
	}
	if mt != "" && !strings.HasPrefix(mt, "text/") {
		return
	}
	switch strings.ToLower(strings.TrimSpace(cte)) {
	case "quoted-printable":
		body = quotedprintable.NewReader(body)
	case "base64":
		body = base64.NewDecoder(base64.StdEncoding, body)
	}
	b, _ := io.ReadAll(io.LimitReader(body, 1<<20))
	// HTML: tags and entities would glue words; spaces around tags do.
	s := strings.NewReplacer("<", " <", ">", "> ", "&nbsp;", " ").Replace(string(b))
	out.WriteString(s)
	out.WriteByte('\n')
}
