package sink_test

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/mailtrip/mailtrip/alert"
	"github.com/mailtrip/mailtrip/sink"
)

// TestWebhookStatus: how each answer is classified.
func TestWebhookStatus(t *testing.T) {
	date := time.Now().Add(3 * time.Second).UTC().Format(http.TimeFormat)
	tests := []struct {
		name       string
		status     int
		retryAfter string
		body       string
		format     string
		wantErr    bool
		permanent  bool
		minDelay   time.Duration
	}{
		{name: "200", status: 200},
		{name: "202 (Teams Workflows)", status: 202, format: sink.FormatTeams},
		{name: "204", status: 204},
		{name: "301 not followed", status: 301, wantErr: true, permanent: true},
		{name: "400", status: 400, body: "invalid_payload", wantErr: true, permanent: true},
		{name: "401", status: 401, wantErr: true, permanent: true},
		{name: "404 no_service", status: 404, wantErr: true, permanent: true},
		{name: "410 channel_is_archived", status: 410, wantErr: true, permanent: true},
		{name: "408", status: 408, wantErr: true},
		{name: "429 seconds", status: 429, retryAfter: "7", wantErr: true, minDelay: 7 * time.Second},
		{name: "429 date", status: 429, retryAfter: date, wantErr: true, minDelay: time.Second},
		{name: "429 garbage", status: 429, retryAfter: "soon", wantErr: true},
		{name: "500", status: 500, wantErr: true},
		{name: "503 Retry-After", status: 503, retryAfter: "2", wantErr: true, minDelay: 2 * time.Second},
		{name: "teams legacy 1", status: 200, body: "1", format: sink.FormatTeamsLegacy},
		{name: "teams legacy throttled", status: 200, body: "Microsoft Teams endpoint returned HTTP error 429 with ContextId ...", format: sink.FormatTeamsLegacy, wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if tt.retryAfter != "" {
					w.Header().Set("Retry-After", tt.retryAfter)
				}
				if tt.status == 301 {
					w.Header().Set("Location", "/elsewhere")
				}
				w.WriteHeader(tt.status)
				w.Write([]byte(tt.body))
			}))
			defer srv.Close()
			w, err := sink.NewWebhook(sink.WebhookConfig{Name: "h", URL: srv.URL, Format: tt.format})
			if err != nil {
				t.Fatal(err)
			}
			err = w.Deliver(context.Background(), []alert.Alert{testAlert(1)})
			if (err != nil) != tt.wantErr {
				t.Fatalf("Deliver = %v, want error %v", err, tt.wantErr)
			}
			if err == nil {
				return
			}
			var be *sink.BatchError
			if !errors.As(err, &be) || len(be.Errs) != 1 {
				t.Fatalf("error %T %v, want a *BatchError of 1", err, err)
			}
			e := be.Errs[0]
			if sink.IsPermanent(e) != tt.permanent {
				t.Errorf("IsPermanent(%v) = %v, want %v", e, !tt.permanent, tt.permanent)
			}
			if d := sink.RetryDelay(e); d < tt.minDelay || (tt.minDelay == 0 && d != 0) || d > tt.minDelay+5*time.Second {
				t.Errorf("RetryDelay = %s, want about %s", d, tt.minDelay)
			}
		})
	}
}

func TestWebhookNetworkErrors(t *testing.T) {
	ln, _ := net.Listen("tcp", "127.0.0.1:0")
	addr := ln.Addr().String()
	ln.Close()
	w, _ := sink.NewWebhook(sink.WebhookConfig{Name: "h", URL: "http://" + addr})
	err := w.Deliver(context.Background(), []alert.Alert{testAlert(1)})
	if err == nil || sink.IsPermanent(err) {
		t.Errorf("refused: %v, want a temporary error", err)
	}

	slow := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		time.Sleep(500 * time.Millisecond)
	}))
	defer slow.Close()
	w, _ = sink.NewWebhook(sink.WebhookConfig{Name: "h", URL: slow.URL, Timeout: 50 * time.Millisecond})
	err = w.Deliver(context.Background(), []alert.Alert{testAlert(1)})
	if err == nil || sink.IsPermanent(err) {
		t.Errorf("timeout: %v, want a temporary error", err)
	}
}

func TestWebhookConfigErrors(t *testing.T) {
	for _, c := range []sink.WebhookConfig{
		{URL: "http://x"},
		{Name: "h", URL: "ftp://x"},
		{Name: "h", URL: "http://x", Format: "discord"},
	} {
		if _, err := sink.NewWebhook(c); err == nil {
			t.Errorf("NewWebhook(%+v) accepted", c)
		}
	}
}

func TestVerifySignature(t *testing.T) {
	key, body := []byte("secret"), []byte(`{"id":"x"}`)
	now := time.Unix(1_700_000_000, 0)
	ts := "1700000000"
	sig := sink.Sign(key, ts, body)
	if !strings.HasPrefix(sig, "v1=") || len(sig) != 3+64 {
		t.Fatalf("Sign = %q", sig)
	}
	if err := sink.VerifySignature(key, ts, sig, body, now.Add(time.Minute), 5*time.Minute); err != nil {
		t.Errorf("valid signature: %v", err)
	}
	for name, err := range map[string]error{
		"other body": sink.VerifySignature(key, ts, sig, []byte(`{"id":"y"}`), now, time.Minute),
		"other key":  sink.VerifySignature([]byte("x"), ts, sig, body, now, time.Minute),
		"replayed":   sink.VerifySignature(key, ts, sig, body, now.Add(time.Hour), 5*time.Minute),
		"bad ts":     sink.VerifySignature(key, "yesterday", sig, body, now, time.Minute),
	} {
		if !errors.Is(err, sink.ErrBadSignature) {
			t.Errorf("%s: %v, want ErrBadSignature", name, err)
		}
	}
}

// capture posts one alert in format and returns the decoded JSON body.
func capture(t *testing.T, format string, a alert.Alert) map[string]any {
	t.Helper()
	var got []byte
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got, _ = io.ReadAll(r.Body)
	}))
	defer srv.Close()
	w, err := sink.NewWebhook(sink.WebhookConfig{Name: "h", URL: srv.URL, Format: format, Concurrency: 1})
	if err != nil {
		t.Fatal(err)
	}
	if err := w.Deliver(context.Background(), []alert.Alert{a}); err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(got, &m); err != nil {
		t.Fatalf("%s body %q: %v", format, got, err)
	}
	return m
}

func TestWebhookFormats(t *testing.T) {
	a := testAlert(1)
	a.Summary = strings.Repeat("x", 4000) + " <!channel> [click](http://evil.example/)"
	a.Rule.Title = strings.Repeat("T", 200)

	t.Run("json", func(t *testing.T) {
		m := capture(t, sink.FormatJSON, a)
		if m["id"] != a.ID || m["schema"] != alert.Schema {
			t.Errorf("generic JSON is not the alert: %v", m)
		}
	})
	t.Run("slack", func(t *testing.T) {
		m := capture(t, sink.FormatSlack, a)
		blocks := m["blocks"].([]any)
		header := blocks[0].(map[string]any)["text"].(map[string]any)
		if header["type"] != "plain_text" || utf8.RuneCountInString(header["text"].(string)) > 150 {
			t.Errorf("header block %v", header)
		}
		section := blocks[1].(map[string]any)["text"].(map[string]any)["text"].(string)
		if utf8.RuneCountInString(section) > 3000 || strings.Contains(section, "<!channel>") {
			t.Errorf("summary section is %d runes, unescaped: %v", utf8.RuneCountInString(section), strings.Contains(section, "<!"))
		}
		fields := blocks[2].(map[string]any)["fields"].([]any)
		if len(fields) == 0 || len(fields) > 10 {
			t.Errorf("%d fields", len(fields))
		}
		var all []string
		for _, f := range fields {
			all = append(all, f.(map[string]any)["text"].(string))
		}
		if j := strings.Join(all, "\n"); !strings.Contains(j, "*Source IP*\n203.0.113.7") || !strings.Contains(j, "curl/8.5.0 &lt;script&gt;") {
			t.Errorf("fields %q", j)
		}
		if m["text"] == "" {
			t.Error("no fallback text")
		}
	})
	t.Run("teams", func(t *testing.T) {
		m := capture(t, sink.FormatTeams, a)
		att := m["attachments"].([]any)[0].(map[string]any)
		card := att["content"].(map[string]any)
		if m["type"] != "message" || att["contentType"] != "application/vnd.microsoft.card.adaptive" ||
			card["type"] != "AdaptiveCard" || card["version"] != "1.4" {
			t.Errorf("not a Workflows Adaptive Card message: %v", m)
		}
		if _, ok := att["contentUrl"]; !ok {
			t.Error("contentUrl missing (null expected)")
		}
		b, _ := json.Marshal(card)
		if strings.Contains(string(b), "](http") {
			t.Errorf("link syntax from evidence survived: %s", b)
		}
	})
	t.Run("teams-legacy", func(t *testing.T) {
		m := capture(t, sink.FormatTeamsLegacy, a)
		if m["@type"] != "MessageCard" || m["summary"] == "" || m["themeColor"] != "D13438" {
			t.Errorf("MessageCard %v", m)
		}
		facts := m["sections"].([]any)[0].(map[string]any)["facts"].([]any)
		if len(facts) < 5 {
			t.Errorf("facts %v", facts)
		}
	})
}
