package main

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/mailtrip/mailtrip/store"
	"github.com/mailtrip/mailtrip/store/sqlite"
	"github.com/mailtrip/mailtrip/token"
)

// TestServeChild runs `mailtrip serve` for tests that need a separate
// process they can kill; it is a no-op in a normal run.
func TestServeChild(t *testing.T) {
	argv := os.Getenv("MAILTRIP_SERVE_ARGS")
	if argv == "" {
		t.Skip("helper for tests that run mailtrip serve in a child process")
	}
	var args []string
	if err := json.Unmarshal([]byte(argv), &args); err != nil {
		t.Fatal(err)
	}
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, os.Interrupt)
	code := Run(ctx, args, os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

// serveProc is a `mailtrip serve` child process.
type serveProc struct {
	cmd       *exec.Cmd
	listeners map[string]string // trap name → address
	done      chan struct{}
	logs      *strings.Builder
	mu        *sync.Mutex
}

// startServe starts mailtrip serve in a child process with args and waits
// for its "started" log line, which names the listeners.
func startServe(t *testing.T, args ...string) *serveProc {
	t.Helper()
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	argv, _ := json.Marshal(append([]string{"serve"}, args...))
	cmd := exec.Command(exe, "-test.run=^TestServeChild$", "-test.count=1")
	cmd.Env = append(os.Environ(), "MAILTRIP_SERVE_ARGS="+string(argv), "MAILTRIP_CONFIG=", "MAILTRIP_DB=",
		"XDG_CONFIG_HOME="+t.TempDir(), "XDG_STATE_HOME="+t.TempDir())
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	p := &serveProc{cmd: cmd, done: make(chan struct{}), logs: &strings.Builder{}, mu: &sync.Mutex{}}
	started := make(chan map[string]string, 1)
	go func() {
		sc := bufio.NewScanner(stderr)
		sc.Buffer(make([]byte, 1<<20), 1<<20)
		for sc.Scan() {
			line := sc.Text()
			p.mu.Lock()
			p.logs.WriteString(line + "\n")
			p.mu.Unlock()
			var rec map[string]any
			if json.Unmarshal([]byte(line), &rec) == nil && rec["msg"] == "mailtrip serve started" {
				ls := map[string]string{}
				for _, f := range strings.Fields(fmt.Sprint(rec["listeners"])) {
					k, v, _ := strings.Cut(f, "=")
					ls[k] = v
				}
				started <- ls
			}
		}
		_ = cmd.Wait()
		close(p.done)
	}()
	select {
	case p.listeners = <-started:
	case <-p.done:
		t.Fatalf("serve exited before starting:\n%s", p.log())
	case <-time.After(30 * time.Second):
		p.cmd.Process.Kill()
		t.Fatalf("serve did not start within 30s:\n%s", p.log())
	}
	t.Cleanup(func() { p.cmd.Process.Kill(); <-p.done })
	return p
}

func (p *serveProc) log() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.logs.String()
}

// stop ends the child with SIGTERM (graceful) or SIGKILL.
func (p *serveProc) stop(t *testing.T, sig syscall.Signal) {
	t.Helper()
	_ = p.cmd.Process.Signal(sig)
	select {
	case <-p.done:
	case <-time.After(20 * time.Second):
		p.cmd.Process.Kill()
		t.Fatalf("serve did not stop on %v:\n%s", sig, p.log())
	}
}

// webhookReceiver counts deliveries per alert id (Idempotency-Key).
type webhookReceiver struct {
	srv  *httptest.Server
	mu   sync.Mutex
	seen map[string]int
	down atomic.Bool
}

func newWebhookReceiver(t *testing.T) *webhookReceiver {
	w := &webhookReceiver{seen: map[string]int{}}
	w.srv = httptest.NewServer(http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		if w.down.Load() {
			http.Error(rw, "down for maintenance", http.StatusServiceUnavailable)
			return
		}
		w.mu.Lock()
		w.seen[r.Header.Get("Idempotency-Key")]++
		w.mu.Unlock()
	}))
	t.Cleanup(w.srv.Close)
	return w
}

func (w *webhookReceiver) counts() map[string]int {
	w.mu.Lock()
	defer w.mu.Unlock()
	out := make(map[string]int, len(w.seen))
	for k, v := range w.seen {
		out[k] = v
	}
	return out
}

// plantedLink plants one decoy into a Maildir under dir with the store at
// db and returns one of its link tokens.
func plantedLink(t *testing.T, dir, db string) (decoyID string, link store.TokenRecord) {
	t.Helper()
	if code, out, errOut := runCLI(t, docsEnv, "decoy", "plant", "--to", "maildir:"+filepath.Join(dir, "Maildir"), "--create",
		"--seed", "21", "--db", db); code != 0 {
		t.Fatalf("plant: exit %d\n%s%s", code, out, errOut)
	}
	st, err := sqlite.Open(context.Background(), db)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	ps, err := st.Plantings(context.Background(), store.PlantingFilter{})
	if err != nil || len(ps) != 1 {
		t.Fatalf("plantings: %v %v", ps, err)
	}
	toks, err := st.Tokens(context.Background(), ps[0].DecoyID)
	if err != nil {
		t.Fatal(err)
	}
	for _, tk := range toks {
		if tk.Kind == string(token.KindURL) {
			return ps[0].DecoyID, tk
		}
	}
	t.Fatal("the decoy has no link")
	return "", store.TokenRecord{}
}

// TestServeKill9: kill -9 the server while a load generator sends hits;
// after a restart every hit that got an answer is in the store, and every
// stored alert reaches the webhook (at most one resend).
func TestServeKill9(t *testing.T) {
	dir := t.TempDir()
	db := filepath.Join(dir, "m.db")
	_, link := plantedLink(t, dir, db)
	hook := newWebhookReceiver(t)
	cfg := filepath.Join(dir, "config.yaml")
	writeFile(t, cfg, []byte(fmt.Sprintf(`serve:
  http: {listen: "127.0.0.1:0", trusted_proxies: [127.0.0.1/32]}
  dns: {listen: "off"}
  smtp: {listen: "off"}
  imap: {listen: "off"}
  files: {enabled: false}
  admin: {listen: "127.0.0.1:0"}
  rate_limit: {per_second: 0}
  scanner_grace: 0s
  sinks:
    - {name: hook, type: webhook, url: %q}
`, hook.srv.URL)))
	args := []string{"--config", cfg, "--db", db}
	p := startServe(t, args...)
	u, err := url.Parse(link.Value)
	if err != nil {
		t.Fatal(err)
	}
	path := u.RequestURI()

	// Load: workers send distinct requests (n=...) from 40 forwarded
	// sources; every 200 is remembered.
	var answered sync.Map
	var sent, ok atomic.Int64
	stop := make(chan struct{})
	var wg sync.WaitGroup
	client := &http.Client{Timeout: 5 * time.Second, Transport: &http.Transport{MaxIdleConnsPerHost: 16}}
	for w := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; ; i++ {
				select {
				case <-stop:
					return
				default:
				}
				n := fmt.Sprintf("w%d-%d", w, i)
				sep := "?"
				if strings.Contains(path, "?") {
					sep = "&"
				}
				req, _ := http.NewRequest("GET", "http://"+p.listeners["http"]+path+sep+"n="+n, nil)
				req.Header.Set("X-Forwarded-For", fmt.Sprintf("198.18.0.%d", (w*7+i)%40+1))
				sent.Add(1)
				resp, err := client.Do(req)
				if err != nil {
					time.Sleep(20 * time.Millisecond)
					continue
				}
				io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				if resp.StatusCode == http.StatusOK {
					answered.Store(n, true)
					ok.Add(1)
				}
			}
		}()
	}
	time.Sleep(1500 * time.Millisecond)
	p.stop(t, syscall.SIGKILL)
	time.Sleep(200 * time.Millisecond)
	close(stop)
	wg.Wait()
	if ok.Load() < 50 {
		t.Fatalf("only %d of %d requests answered before the kill; load too small to test anything\n%s", ok.Load(), sent.Load(), p.log())
	}

	// Restart on the same store and let it attribute and deliver.
	p2 := startServe(t, args...)
	st, err := sqlite.Open(context.Background(), db)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	ctx := context.Background()
	deadline := time.Now().Add(30 * time.Second)
	var alerts []string
	for {
		pending, _ := st.CountHits(ctx, store.HitFilter{State: store.HitNew})
		as, err := st.Alerts(ctx, store.AlertFilter{})
		if err != nil {
			t.Fatal(err)
		}
		alerts = alerts[:0]
		for _, a := range as {
			alerts = append(alerts, a.ID)
		}
		got := hook.counts()
		missing := 0
		for _, id := range alerts {
			if got[id] == 0 {
				missing++
			}
		}
		if pending == 0 && missing == 0 && len(alerts) > 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("after restart: %d hits unattributed, %d of %d alerts not delivered\n%s", pending, missing, len(alerts), p2.log())
		}
		time.Sleep(100 * time.Millisecond)
	}
	p2.stop(t, syscall.SIGTERM)

	hits, err := st.Hits(ctx, store.HitFilter{})
	if err != nil {
		t.Fatal(err)
	}
	stored := map[string]bool{}
	for _, h := range hits {
		var d map[string]any
		if json.Unmarshal(h.Data, &d) == nil {
			if q, ok := d["query"].(string); ok {
				for _, kv := range strings.Split(q, "&") {
					if v, ok := strings.CutPrefix(kv, "n="); ok {
						stored[v] = true
					}
				}
			}
		}
	}
	lost := 0
	answered.Range(func(k, _ any) bool {
		if !stored[k.(string)] {
			lost++
			if lost <= 5 {
				t.Errorf("request %s was answered 200 but its hit is not in the store", k)
			}
		}
		return true
	})
	if lost > 0 {
		t.Errorf("%d of %d answered hits lost", lost, ok.Load())
	}
	for id, n := range hook.counts() {
		if n > 2 {
			t.Errorf("alert %s delivered %d times (at most one resend allowed)", id, n)
		}
	}
	t.Logf("%d requests sent, %d answered, %d hits stored, %d alerts, all delivered", sent.Load(), ok.Load(), len(hits), len(alerts))
}
