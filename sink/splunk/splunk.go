// Package splunk delivers alerts to a Splunk HTTP Event Collector (HEC):
// batches of JSON events posted to /services/collector/event with
// "Authorization: Splunk <token>". An answer of HTTP 200 with
// {"text":"Success","code":0} means HEC accepted the batch; with indexer
// acknowledgement enabled (Config.Ack) the sink also waits until
// /services/collector/ack says the batch was indexed.
//
// HEC has no idempotency key: a batch resent after a timeout or crash is
// indexed twice. Every event carries the alert id (event.id), by which
// searches can deduplicate (| dedup id).
package splunk

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/tls"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/mailtrip/mailtrip/alert"
	"github.com/mailtrip/mailtrip/sink"
)

// Config configures a HEC sink.
type Config struct {
	Name string
	// URL is the HEC base URL (https://splunk.example.com:8088); the
	// /services/collector/event path is added unless URL has a path.
	URL   string
	Token string // the HEC token (a secret)
	// Index, Source, SourceType and Host fill the event metadata; empty
	// ones are left to the token's defaults, except SourceType, which
	// defaults to "mailtrip:alert".
	Index, Source, SourceType, Host string
	Timeout                         time.Duration // per request (default 10 s)
	Batch                           int           // alerts per request (default 100)
	TLS                             *tls.Config
	// Ack turns on indexer acknowledgement (the token must have it
	// enabled): a batch counts as delivered only when HEC reports it
	// indexed within AckTimeout (default 20 s; keep it under the
	// Deliverer's Timeout), polling every AckPoll (default 500 ms).
	// Channel is the X-Splunk-Request-Channel (a GUID; random when empty).
	Ack        bool
	Channel    string
	AckTimeout time.Duration
	AckPoll    time.Duration
}

// Sink posts alerts to HEC.
type Sink struct {
	cfg    Config
	event  string // the event endpoint
	ackURL string
	client *http.Client
}

var (
	_ sink.Sink    = (*Sink)(nil)
	_ sink.Batcher = (*Sink)(nil)
)

// New checks cfg and returns the sink.
func New(cfg Config) (*Sink, error) {
	if cfg.Name == "" {
		return nil, errors.New("splunk sink: no name")
	}
	if cfg.Token == "" {
		return nil, fmt.Errorf("splunk sink %s: no token", cfg.Name)
	}
	u, err := url.Parse(cfg.URL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("splunk sink %s: URL must be http(s)://host:port", cfg.Name)
	}
	base := *u
	base.Path, base.RawQuery = "", ""
	if strings.Trim(u.Path, "/") == "" {
		u.Path = "/services/collector/event"
	}
	if cfg.SourceType == "" {
		cfg.SourceType = "mailtrip:alert"
	}
	if cfg.Batch <= 0 {
		cfg.Batch = 100
	}
	if cfg.AckTimeout <= 0 {
		cfg.AckTimeout = 20 * time.Second
	}
	if cfg.AckPoll <= 0 {
		cfg.AckPoll = 500 * time.Millisecond
	}
	if cfg.Ack && cfg.Channel == "" {
		cfg.Channel = newChannel()
	}
	ack := base
	ack.Path = "/services/collector/ack"
	ack.RawQuery = url.Values{"channel": {cfg.Channel}}.Encode()
	return &Sink{cfg: cfg, event: u.String(), ackURL: ack.String(), client: sink.NewHTTPClient(cfg.Timeout, cfg.TLS, 2)}, nil
}

// newChannel returns a random UUID (version 4) for X-Splunk-Request-Channel.
func newChannel() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	h := hex.EncodeToString(b[:])
	return h[:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:]
}

// Name implements sink.Sink.
func (s *Sink) Name() string { return s.cfg.Name }

// MaxBatch implements sink.Batcher.
func (s *Sink) MaxBatch() int { return s.cfg.Batch }

// event is one HEC event (the "event" endpoint's JSON format). time is
// epoch seconds with milliseconds: the alert's time, else when it was
// detected.
type event struct {
	Time       json.Number  `json:"time"`
	Host       string       `json:"host,omitempty"`
	Source     string       `json:"source,omitempty"`
	SourceType string       `json:"sourcetype,omitempty"`
	Index      string       `json:"index,omitempty"`
	Event      *alert.Alert `json:"event"`
}

// response is HEC's answer: {"text":"Success","code":0[,"ackId":N]}.
type response struct {
	Text  string `json:"text"`
	Code  int    `json:"code"`
	AckID *int64 `json:"ackId"`
}

// Body renders alerts as a HEC request body: the events one after another.
func (s *Sink) Body(alerts []alert.Alert) ([]byte, error) {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	for i := range alerts {
		a := &alerts[i]
		t := a.Time
		if t.IsZero() {
			t = a.DetectedAt
		}
		if t.IsZero() {
			t = time.Now()
		}
		ms := t.UnixMilli()
		ev := event{
			Time:       json.Number(fmt.Sprintf("%d.%03d", ms/1000, ms%1000)),
			Host:       s.cfg.Host,
			Source:     s.cfg.Source,
			SourceType: s.cfg.SourceType,
			Index:      s.cfg.Index,
			Event:      a,
		}
		if err := enc.Encode(&ev); err != nil {
			return nil, fmt.Errorf("encode alert %s: %w", a.ID, err)
		}
	}
	return b.Bytes(), nil
}

// Deliver implements sink.Sink: the batch is accepted or not as a whole.
func (s *Sink) Deliver(ctx context.Context, alerts []alert.Alert) error {
	body, err := s.Body(alerts)
	if err != nil {
		return sink.Permanent(err)
	}
	var r response
	if err := s.post(ctx, s.event, body, &r); err != nil {
		return err
	}
	if r.Code != 0 {
		return sink.Temporary(fmt.Errorf("HEC answered code %d: %s", r.Code, r.Text), 0)
	}
	if !s.cfg.Ack {
		return nil
	}
	if r.AckID == nil {
		return sink.Permanent(errors.New("HEC returned no ackId: indexer acknowledgement is not enabled for the token"))
	}
	return s.waitAck(ctx, *r.AckID)
}

// waitAck polls /services/collector/ack until the batch is indexed.
func (s *Sink) waitAck(ctx context.Context, id int64) error {
	deadline := time.Now().Add(s.cfg.AckTimeout)
	body := []byte(`{"acks":[` + strconv.FormatInt(id, 10) + `]}`)
	key := strconv.FormatInt(id, 10)
	for {
		var r struct {
			Acks map[string]bool `json:"acks"`
		}
		if err := s.post(ctx, s.ackURL, body, &r); err != nil {
			return fmt.Errorf("ack %d: %w", id, err)
		}
		if r.Acks[key] {
			return nil
		}
		if time.Now().After(deadline) {
			return sink.Temporary(fmt.Errorf("HEC did not acknowledge batch %d within %s", id, s.cfg.AckTimeout), 0)
		}
		t := time.NewTimer(s.cfg.AckPoll)
		select {
		case <-ctx.Done():
			t.Stop()
			return sink.Temporary(fmt.Errorf("ack %d: %w", id, context.Cause(ctx)), 0)
		case <-t.C:
		}
	}
}

func (s *Sink) post(ctx context.Context, u string, body []byte, out any) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, u, bytes.NewReader(body))
	if err != nil {
		return sink.Permanent(err)
	}
	req.Header.Set("Authorization", "Splunk "+s.cfg.Token)
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "mailtrip")
	if s.cfg.Channel != "" {
		req.Header.Set("X-Splunk-Request-Channel", s.cfg.Channel)
	}
	_, answer, err := sink.DoHTTP(s.client, req, 64<<10)
	if err != nil {
		var r response
		if json.Unmarshal(answer, &r) == nil && r.Text != "" {
			return fmt.Errorf("HEC code %d %q: %w", r.Code, r.Text, err)
		}
		return err
	}
	if err := json.Unmarshal(answer, out); err != nil {
		return sink.Temporary(fmt.Errorf("HEC answer is not JSON: %w", err), 0)
	}
	return nil
}
