package sink

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"crypto/tls"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/mailtrip/mailtrip/alert"
)

// Webhook payload formats.
const (
	FormatJSON        = "json"         // the alert itself (docs/alerts.md)
	FormatSlack       = "slack"        // Slack incoming webhook, Block Kit
	FormatTeams       = "teams"        // Teams Workflows webhook, Adaptive Card
	FormatTeamsLegacy = "teams-legacy" // Office 365 connector, MessageCard
)

// Headers the webhook sink sends.
const (
	HeaderIdempotencyKey = "Idempotency-Key"      // the alert id
	HeaderAlertID        = "X-Mailtrip-Alert-Id"  // the alert id, again, for receivers that log headers
	HeaderTimestamp      = "X-Mailtrip-Timestamp" // Unix seconds the signature was made at
	HeaderSignature      = "X-Mailtrip-Signature" // "v1=" + hex HMAC-SHA256(key, timestamp + "." + body)
)

// WebhookConfig configures a webhook sink.
type WebhookConfig struct {
	Name   string // the sink's name in the outbox
	URL    string // http or https
	Format string // FormatJSON (default), FormatSlack, FormatTeams, FormatTeamsLegacy
	// Secret, when set, signs every request (HeaderTimestamp,
	// HeaderSignature). Slack and Teams ignore the headers; a receiver of
	// your own should verify them (VerifySignature).
	Secret []byte
	// Headers are added to every request (an Authorization header, say).
	Headers map[string]string
	// Timeout bounds each request (default 10 s).
	Timeout time.Duration
	// Concurrency is how many requests of a batch are in flight at once
	// (default 4). Alerts are one request each.
	Concurrency int
	// Batch is how many alerts the Deliverer hands over at once (default 32).
	Batch int
	// TLS configures https (nil: system roots).
	TLS *tls.Config
	// UserAgent defaults to "mailtrip".
	UserAgent string
}

// Webhook posts each alert as one HTTP request.
type Webhook struct {
	cfg    WebhookConfig
	client *http.Client
	now    func() time.Time
}

var (
	_ Sink    = (*Webhook)(nil)
	_ Batcher = (*Webhook)(nil)
)

// NewWebhook checks cfg and returns the sink.
func NewWebhook(cfg WebhookConfig) (*Webhook, error) {
	if cfg.Name == "" {
		return nil, errors.New("webhook sink: no name")
	}
	u, err := url.Parse(cfg.URL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("webhook sink %s: url is not an http(s) URL with a host (not shown: webhook URLs are secrets)", cfg.Name)
	}
	switch cfg.Format {
	case "":
		cfg.Format = FormatJSON
	case FormatJSON, FormatSlack, FormatTeams, FormatTeamsLegacy:
	default:
		return nil, fmt.Errorf("webhook sink %s: unknown format %q (want json, slack, teams or teams-legacy)", cfg.Name, cfg.Format)
	}
	if cfg.Concurrency <= 0 {
		cfg.Concurrency = 4
	}
	if cfg.Batch <= 0 {
		cfg.Batch = 32
	}
	if cfg.UserAgent == "" {
		cfg.UserAgent = "mailtrip"
	}
	return &Webhook{cfg: cfg, client: NewHTTPClient(cfg.Timeout, cfg.TLS, cfg.Concurrency), now: time.Now}, nil
}

// Name implements Sink.
func (w *Webhook) Name() string { return w.cfg.Name }

// MaxBatch implements Batcher.
func (w *Webhook) MaxBatch() int { return w.cfg.Batch }

// Deliver implements Sink: one request per alert, Concurrency at a time.
func (w *Webhook) Deliver(ctx context.Context, alerts []alert.Alert) error {
	errs := make([]error, len(alerts))
	sem := make(chan struct{}, w.cfg.Concurrency)
	var wg sync.WaitGroup
	for i := range alerts {
		sem <- struct{}{}
		wg.Add(1)
		go func() {
			defer func() { <-sem; wg.Done() }()
			errs[i] = w.post(ctx, &alerts[i])
		}()
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return &BatchError{Errs: errs}
		}
	}
	return nil
}

func (w *Webhook) post(ctx context.Context, a *alert.Alert) error {
	body, err := w.payload(a)
	if err != nil {
		return Permanent(fmt.Errorf("encode: %w", err))
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, w.cfg.URL, bytes.NewReader(body))
	if err != nil {
		return Permanent(err)
	}
	h := req.Header
	for k, v := range w.cfg.Headers {
		h.Set(k, v)
	}
	h.Set("Content-Type", "application/json")
	h.Set("User-Agent", w.cfg.UserAgent)
	h.Set(HeaderIdempotencyKey, a.ID)
	h.Set(HeaderAlertID, a.ID)
	if len(w.cfg.Secret) > 0 {
		ts := strconv.FormatInt(w.now().Unix(), 10)
		h.Set(HeaderTimestamp, ts)
		h.Set(HeaderSignature, Sign(w.cfg.Secret, ts, body))
	}
	_, answer, err := DoHTTP(w.client, req, 4<<10)
	if err != nil {
		return err
	}
	if w.cfg.Format == FormatTeamsLegacy {
		return legacyTeamsResult(answer)
	}
	return nil
}

// legacyTeamsResult reads an Office 365 connector's 2xx answer: "1" is
// success; the connector is known to answer 200 with a text naming HTTP 429
// when it throttles, which is worth a retry.
func legacyTeamsResult(body []byte) error {
	s := strings.TrimSpace(string(body))
	if s == "" || s == "1" {
		return nil
	}
	if strings.Contains(s, "429") {
		return Temporary(fmt.Errorf("teams connector throttled: %s", snippet(body)), 0)
	}
	return nil
}

// Sign returns the HeaderSignature value for body signed at timestamp ts
// (Unix seconds, as in HeaderTimestamp) with key: "v1=" followed by the
// lower-case hex HMAC-SHA256 of ts + "." + body.
func Sign(key []byte, ts string, body []byte) string {
	m := hmac.New(sha256.New, key)
	m.Write([]byte(ts))
	m.Write([]byte{'.'})
	m.Write(body)
	return "v1=" + hex.EncodeToString(m.Sum(nil))
}

// ErrBadSignature is what VerifySignature returns for a request that was not
// signed with the key, or too long ago.
var ErrBadSignature = errors.New("webhook signature does not verify")

// VerifySignature checks a webhook request as its receiver should: the
// signature must match and the timestamp be within tolerance of now, so a
// recorded request cannot be replayed later. (Idempotency-Key tells a
// legitimate resend from a new alert.)
func VerifySignature(key []byte, ts, sig string, body []byte, now time.Time, tolerance time.Duration) error {
	sec, err := strconv.ParseInt(ts, 10, 64)
	if err != nil {
		return fmt.Errorf("%w: bad timestamp %q", ErrBadSignature, ts)
	}
	if d := now.Sub(time.Unix(sec, 0)); d > tolerance || d < -tolerance {
		return fmt.Errorf("%w: timestamp %s is %s away", ErrBadSignature, ts, d.Round(time.Second))
	}
	if !hmac.Equal([]byte(Sign(key, ts, body)), []byte(sig)) {
		return ErrBadSignature
	}
	return nil
}

func (w *Webhook) payload(a *alert.Alert) ([]byte, error) {
	switch w.cfg.Format {
	case FormatSlack:
		return json.Marshal(slackMessage(a))
	case FormatTeams:
		return json.Marshal(teamsMessage(a))
	case FormatTeamsLegacy:
		return json.Marshal(messageCard(a))
	}
	return json.Marshal(a)
}
