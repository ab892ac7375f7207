package main

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/smtp"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/mailtrip/mailtrip/alert"
	"github.com/mailtrip/mailtrip/internal/dovecottest"
	"github.com/mailtrip/mailtrip/store"
	"github.com/mailtrip/mailtrip/store/sqlite"
	"github.com/mailtrip/mailtrip/token"
)

// imapFetchAll logs in to a plaintext IMAP server and returns every
// message of folder, as an attacker collecting a mailbox does (RFC 9051
// LOGIN, SELECT, UID FETCH BODY.PEEK[]).
func imapFetchAll(t *testing.T, addr, user, pass, folder string) [][]byte {
	t.Helper()
	c, err := net.DialTimeout("tcp", addr, 10*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(30 * time.Second))
	r := bufio.NewReader(c)
	if _, err := r.ReadString('\n'); err != nil {
		t.Fatal(err)
	}
	q := func(s string) string { return strconv.Quote(s) }
	var msgs [][]byte
	literal := regexp.MustCompile(`\{(\d+)\}\r\n$`)
	cmd := func(tag, line string) {
		fmt.Fprintf(c, "%s %s\r\n", tag, line)
		for {
			l, err := r.ReadString('\n')
			if err != nil {
				t.Fatalf("%s: %v", line, err)
			}
			if m := literal.FindStringSubmatch(l); m != nil {
				n, _ := strconv.Atoi(m[1])
				buf := make([]byte, n)
				if _, err := io.ReadFull(r, buf); err != nil {
					t.Fatal(err)
				}
				msgs = append(msgs, buf)
				continue
			}
			if strings.HasPrefix(l, tag+" ") {
				if !strings.HasPrefix(l, tag+" OK") {
					t.Fatalf("%s: %s", line, l)
				}
				return
			}
		}
	}
	cmd("a1", "LOGIN "+q(user)+" "+q(pass))
	cmd("a2", "SELECT "+q(folder))
	cmd("a3", "UID FETCH 1:* (BODY.PEEK[])")
	cmd("a4", "LOGOUT")
	return msgs
}

// from returns a dialer whose connections leave from a loopback address
// of their own, so each attacker action is a source of its own.
func from(ip string) *net.Dialer {
	return &net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP(ip)}, Timeout: 10 * time.Second}
}

// TestServeEndToEnd plants decoys into a real Dovecot and as decoy files,
// runs mailtrip serve, and acts as the attacker: collects the mailbox over
// IMAP, follows a decoy link, resolves its host name, mails its canary
// address, logs in with its credential, loads its image through a
// scanner, and reads the decoy file. Each touch comes from its own
// loopback address, so each is an incident of its own with its own alert
// naming the decoy, mailbox, folder and trigger. A webhook that is up
// gets each alert id once; one that was down gets everything once it is
// back.
func TestServeEndToEnd(t *testing.T) {
	d := dovecottest.Start(t, dovecottest.Config{NoTLS: true})
	dir := t.TempDir()
	db := filepath.Join(dir, "m.db")
	ports := dovecottest.FreePorts(t, 5)
	httpAddr := fmt.Sprintf("127.0.0.1:%d", ports[0])
	soc, siem := newWebhookReceiver(t), newWebhookReceiver(t)
	siem.down.Store(true)
	cfg := filepath.Join(dir, "config.yaml")
	writeFile(t, cfg, []byte(fmt.Sprintf(`canary:
  base_url: http://%s
  dns_zone: canary.localhost
  mail_domain: canary.localhost
serve:
  http: {listen: %q}
  dns: {listen: "127.0.0.1:%d"}
  smtp: {listen: "127.0.0.1:%d"}
  imap: {listen: "127.0.0.1:%d"}
  admin: {listen: "127.0.0.1:%d"}
  rate_limit: {per_second: 0}
  scanner_grace: 0s
  sinks:
    - {name: soc, type: webhook, url: %q}
    - {name: siem, type: webhook, url: %q}
`, httpAddr, httpAddr, ports[1], ports[2], ports[3], ports[4], soc.srv.URL, siem.srv.URL)))

	// Plant: two decoys into alice's Finance folder over IMAP, one as a
	// decoy file.
	t.Setenv(EnvIMAPPassword, d.Pass)
	imapTarget := fmt.Sprintf("imap://%s@%s/Finance", d.User, d.Addr(d.IMAPPort))
	for _, args := range [][]string{
		{"decoy", "plant", "--to", imapTarget, "--insecure", "--create", "--count", "2", "--seed", "41"},
		{"decoy", "plant", "--to", "files:" + filepath.Join(dir, "share"), "--create", "--seed", "42"},
	} {
		if code, out, errOut := runCLI(t, docsEnv, append(args, "--config", cfg, "--db", db)...); code != 0 {
			t.Fatalf("%v: exit %d\n%s%s", args, code, out, errOut)
		}
	}
	st, err := sqlite.Open(context.Background(), db)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	ps, err := st.Plantings(context.Background(), store.PlantingFilter{Active: true})
	if err != nil || len(ps) != 3 {
		t.Fatalf("plantings: %d, %v", len(ps), err)
	}
	var filePlanting store.Planting
	for _, p := range ps {
		if p.TargetKind == store.TargetFiles {
			filePlanting = p
		}
	}

	srv := startServe(t, "--config", cfg, "--db", db)

	// The attacker collects alice's Finance folder.
	msgs := imapFetchAll(t, d.Addr(d.IMAPPort), d.User, d.Pass, "Finance")
	if len(msgs) != 2 {
		t.Fatalf("fetched %d messages from Finance, want the 2 decoys", len(msgs))
	}
	raw := msgs[0]
	subs := token.Find(string(raw))
	var decoyID string
	for _, s := range subs {
		if tk, err := st.LookupSub(context.Background(), string(s)); err == nil {
			decoyID = tk.DecoyID
			break
		}
	}
	if decoyID == "" {
		t.Fatal("the fetched decoy carries no known breadcrumb")
	}
	toks, _ := st.Tokens(context.Background(), decoyID)
	byKind := map[string]store.TokenRecord{}
	for _, tk := range toks {
		if _, ok := byKind[tk.Kind]; !ok {
			byKind[tk.Kind] = tk
		}
		if !strings.Contains(string(raw), tk.Value) && tk.Kind != string(token.KindCredential) && tk.Kind != string(token.KindMessageID) {
			// Breadcrumbs sit in the fetched bytes as planted (links may be
			// quoted-printable encoded; the sub-id is always there).
			if !strings.Contains(string(raw), tk.Sub) {
				t.Errorf("breadcrumb %s (%s) not in the fetched message", tk.Sub, tk.Kind)
			}
		}
	}

	// 1. Follow the decoy link (127.0.0.2).
	link := byKind[string(token.KindURL)].Value
	httpFrom := func(ip, ua, target string) {
		t.Helper()
		c := &http.Client{Transport: &http.Transport{DialContext: from(ip).DialContext}, Timeout: 10 * time.Second,
			CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
		req, _ := http.NewRequest("GET", target, nil)
		req.Header.Set("User-Agent", ua)
		resp, err := c.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if resp.StatusCode >= 400 {
			t.Fatalf("GET %s: %s", target, resp.Status)
		}
	}
	httpFrom("127.0.0.2", "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0", link)

	// 2. Resolve its host name (127.0.0.3 as the resolver).
	host := byKind[string(token.KindDNS)].Value
	res := &net.Resolver{PreferGo: true, Dial: func(ctx context.Context, network, _ string) (net.Conn, error) {
		d := net.Dialer{LocalAddr: &net.UDPAddr{IP: net.ParseIP("127.0.0.3")}}
		if network == "tcp" {
			d.LocalAddr = &net.TCPAddr{IP: net.ParseIP("127.0.0.3")}
		}
		return d.DialContext(ctx, network, fmt.Sprintf("127.0.0.1:%d", ports[1]))
	}}
	if _, err := res.LookupHost(context.Background(), host); err != nil {
		t.Fatalf("resolve %s: %v", host, err)
	}

	// 3. Reply to the decoy's canary address (127.0.0.4).
	canary := byKind[string(token.KindEmail)].Value
	if !strings.Contains(string(raw), canary) {
		t.Fatalf("canary address %s not in the decoy's headers or body", canary)
	}
	conn, err := from("127.0.0.4").Dial("tcp", fmt.Sprintf("127.0.0.1:%d", ports[2]))
	if err != nil {
		t.Fatal(err)
	}
	sc, err := smtp.NewClient(conn, "127.0.0.1")
	if err != nil {
		t.Fatal(err)
	}
	if err := sc.Mail("mallory@attacker.example"); err != nil {
		t.Fatal(err)
	}
	if err := sc.Rcpt(canary); err != nil {
		t.Fatal(err)
	}
	w, _ := sc.Data()
	fmt.Fprintf(w, "From: mallory@attacker.example\r\nTo: %s\r\nSubject: Re: your request\r\n\r\nPlease send the file again.\r\n", canary)
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	sc.Quit()

	// 4. Log in with the decoy credential (127.0.0.5).
	user := byKind[string(token.KindCredential)].Value
	pass, err := findPassword(context.Background(), st, user, raw)
	if err != nil {
		t.Fatalf("decoy password: %v", err)
	}
	ic, err := from("127.0.0.5").Dial("tcp", fmt.Sprintf("127.0.0.1:%d", ports[3]))
	if err != nil {
		t.Fatal(err)
	}
	ir := bufio.NewReader(ic)
	ir.ReadString('\n')
	fmt.Fprintf(ic, "x1 LOGIN %s %s\r\n", strconv.Quote(user), strconv.Quote(pass))
	for {
		l, err := ir.ReadString('\n')
		if err != nil {
			t.Fatal(err)
		}
		if strings.HasPrefix(l, "x1 ") {
			if !strings.HasPrefix(l, "x1 OK") {
				t.Fatalf("decoy login refused: %s", l)
			}
			break
		}
	}
	fmt.Fprintf(ic, "x2 LOGOUT\r\n")
	ic.Close()

	// 5. A link scanner fetches the decoy's image (127.0.0.6).
	httpFrom("127.0.0.6", "Mozilla/5.0 (Windows NT 5.1; rv:11.0) Gecko Firefox/11.0 (via ggpht.com GoogleImageProxy)",
		byKind[string(token.KindImage)].Value)

	// 6. Someone reads the decoy file on disk (after the file trap has
	// had time to mark the planted files).
	time.Sleep(500 * time.Millisecond)
	if out, err := exec.Command("cat", filePlanting.Path).CombinedOutput(); err != nil {
		t.Fatalf("cat: %v %s", err, out)
	}

	// The SIEM comes back after a while.
	time.Sleep(1500 * time.Millisecond)
	siem.down.Store(false)

	type want struct {
		rule    string
		level   alert.Level
		trigger string
		ip      string
	}
	wants := []want{
		{"mailtrip-decoy-link-opened", alert.High, "http/url", "127.0.0.2"},
		{"mailtrip-decoy-host-resolved", alert.High, "dns/dns", "127.0.0.3"},
		{"mailtrip-decoy-canary-mailed", alert.High, "smtp/email", "127.0.0.4"},
		{"mailtrip-decoy-credential-used", alert.Critical, "cred/credential", "127.0.0.5"},
		{"mailtrip-decoy-image-loaded", alert.Low, "http/image", "127.0.0.6"},
		{"mailtrip-decoy-file-opened", alert.High, "file/file", ""},
	}
	var as []alert.Alert
	deadline := time.Now().Add(60 * time.Second)
	for {
		as, err = st.Alerts(context.Background(), store.AlertFilter{})
		if err != nil {
			t.Fatal(err)
		}
		got := siem.counts()
		delivered := len(as) >= len(wants)
		for _, a := range as {
			if a.Rule.Level >= alert.Low && got[a.ID] == 0 {
				delivered = false
			}
		}
		if delivered || time.Now().After(deadline) {
			break
		}
		time.Sleep(200 * time.Millisecond)
	}
	srv.stop(t, syscall.SIGTERM)

	byRule := map[string]alert.Alert{}
	for _, a := range as {
		byRule[a.Rule.ID] = a
	}
	for _, w := range wants {
		a, ok := byRule[w.rule]
		if !ok {
			t.Errorf("no %s alert; alerts: %v\n", w.rule, ruleIDs(as))
			continue
		}
		if a.Rule.Level != w.level || a.Decoy == nil || a.Decoy.Trigger != w.trigger {
			t.Errorf("%s: level %s trigger %+v, want %s %s", w.rule, a.Rule.Level, a.Decoy, w.level, w.trigger)
			continue
		}
		if w.ip != "" && (a.Actor == nil || a.Actor.IP != w.ip) {
			t.Errorf("%s: actor %+v, want %s", w.rule, a.Actor, w.ip)
		}
		if w.rule == "mailtrip-decoy-file-opened" {
			if a.Decoy.ID != filePlanting.DecoyID {
				t.Errorf("file alert names decoy %s, want %s", a.Decoy.ID, filePlanting.DecoyID)
			}
			continue
		}
		if a.Decoy.ID != decoyID || a.Decoy.Folder != "Finance" || !strings.Contains(a.Decoy.Mailbox, d.Addr(d.IMAPPort)) {
			t.Errorf("%s: decoy %+v, want %s in %s folder Finance", w.rule, a.Decoy, decoyID, imapTarget)
		}
	}
	for _, a := range as {
		if n := soc.counts()[a.ID]; n != 1 {
			t.Errorf("the webhook that was up got alert %s (%s) %d times, want once", a.ID, a.Rule.ID, n)
		}
		if n := siem.counts()[a.ID]; n < 1 || n > 2 {
			t.Errorf("the webhook that was down got alert %s (%s) %d times, want it after it came back", a.ID, a.Rule.ID, n)
		}
	}
	if t.Failed() {
		t.Logf("serve log:\n%s", srv.log())
	}
}

func ruleIDs(as []alert.Alert) []string {
	var out []string
	for _, a := range as {
		out = append(out, a.Rule.ID+"@"+a.Decoy.Trigger)
	}
	return out
}
