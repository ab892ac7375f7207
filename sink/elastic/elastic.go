// Package elastic delivers alerts to Elasticsearch (or OpenSearch) through
// the _bulk API: NDJSON, one "create" action per alert with _id set to the
// alert id, so a resent alert is refused as a duplicate (409) instead of
// indexed twice, and counts as delivered. Documents use Elastic Common
// Schema names (ECS; see ECS and docs/sinks.md). The bulk answer is read per
// item: 2xx and 409 are delivered, 429 and 5xx are retried, anything else
// (a mapping conflict, say) is a permanent failure of that alert only.
package elastic

import (
	"bytes"
	"context"
	"crypto/tls"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/mailtrip/mailtrip/alert"
	"github.com/mailtrip/mailtrip/sink"
)

// Config configures an Elasticsearch sink.
type Config struct {
	Name string
	// URL is the cluster's base URL (https://es.example.com:9200).
	URL string
	// Index is the index or data stream written to (default
	// "mailtrip-alerts"). In a data stream a resent alert is recognised
	// only while the stream's write index is the same.
	Index string
	// APIKey is sent as "Authorization: ApiKey <APIKey>" (the encoded
	// form Elasticsearch returns); else Username and Password as basic
	// authentication, when set.
	APIKey             string
	Username, Password string
	Timeout            time.Duration // per request (default 10 s)
	Batch              int           // alerts per bulk request (default 200)
	TLS                *tls.Config
}

// Sink writes alerts with _bulk.
type Sink struct {
	cfg    Config
	bulk   string
	auth   string
	client *http.Client
}

var (
	_ sink.Sink    = (*Sink)(nil)
	_ sink.Batcher = (*Sink)(nil)
)

// New checks cfg and returns the sink.
func New(cfg Config) (*Sink, error) {
	if cfg.Name == "" {
		return nil, errors.New("elastic sink: no name")
	}
	u, err := url.Parse(cfg.URL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("elastic sink %s: URL must be http(s)://host:port", cfg.Name)
	}
	if cfg.Index == "" {
		cfg.Index = "mailtrip-alerts"
	}
	if cfg.Batch <= 0 {
		cfg.Batch = 200
	}
	u.Path = strings.TrimSuffix(u.Path, "/") + "/_bulk"
	s := &Sink{cfg: cfg, bulk: u.String(), client: sink.NewHTTPClient(cfg.Timeout, cfg.TLS, 2)}
	switch {
	case cfg.APIKey != "":
		s.auth = "ApiKey " + cfg.APIKey
	case cfg.Username != "":
		s.auth = "Basic " + base64.StdEncoding.EncodeToString([]byte(cfg.Username+":"+cfg.Password))
	}
	return s, nil
}

// Name implements sink.Sink.
func (s *Sink) Name() string { return s.cfg.Name }

// MaxBatch implements sink.Batcher.
func (s *Sink) MaxBatch() int { return s.cfg.Batch }

type action struct {
	Create struct {
		Index string `json:"_index"`
		ID    string `json:"_id"`
	} `json:"create"`
}

// Body renders alerts as a _bulk request body: for each, the create action
// line and the ECS document line.
func (s *Sink) Body(alerts []alert.Alert) ([]byte, error) {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	for i := range alerts {
		var act action
		act.Create.Index, act.Create.ID = s.cfg.Index, alerts[i].ID
		if err := enc.Encode(&act); err != nil {
			return nil, err
		}
		doc := ECS(&alerts[i])
		if err := enc.Encode(&doc); err != nil {
			return nil, fmt.Errorf("encode alert %s: %w", alerts[i].ID, err)
		}
	}
	return b.Bytes(), nil
}

// bulkResponse is the part of the _bulk answer the sink reads.
type bulkResponse struct {
	Errors bool                         `json:"errors"`
	Items  []map[string]bulkItemOutcome `json:"items"`
}

type bulkItemOutcome struct {
	ID     string `json:"_id"`
	Status int    `json:"status"`
	Error  *struct {
		Type   string `json:"type"`
		Reason string `json:"reason"`
	} `json:"error"`
}

// Deliver implements sink.Sink.
func (s *Sink) Deliver(ctx context.Context, alerts []alert.Alert) error {
	body, err := s.Body(alerts)
	if err != nil {
		return sink.Permanent(err)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, s.bulk, bytes.NewReader(body))
	if err != nil {
		return sink.Permanent(err)
	}
	req.Header.Set("Content-Type", "application/x-ndjson")
	req.Header.Set("User-Agent", "mailtrip")
	if s.auth != "" {
		req.Header.Set("Authorization", s.auth)
	}
	_, answer, err := sink.DoHTTP(s.client, req, 32<<20)
	if err != nil {
		return err
	}
	return itemOutcomes(answer, alerts)
}

// itemOutcomes reads a _bulk answer. Items come back in request order; each
// is checked against its alert's id.
func itemOutcomes(answer []byte, alerts []alert.Alert) error {
	var r bulkResponse
	if err := json.Unmarshal(answer, &r); err != nil {
		return sink.Temporary(fmt.Errorf("bulk answer is not JSON: %w", err), 0)
	}
	if len(r.Items) != len(alerts) {
		return sink.Temporary(fmt.Errorf("bulk answer has %d items for %d alerts", len(r.Items), len(alerts)), 0)
	}
	errs := make([]error, len(alerts))
	failed := false
	for i, item := range r.Items {
		out, ok := item["create"]
		if !ok {
			errs[i] = sink.Temporary(fmt.Errorf("bulk item %d is not a create result", i), 0)
			failed = true
			continue
		}
		if out.ID != "" && out.ID != alerts[i].ID {
			errs[i] = sink.Temporary(fmt.Errorf("bulk item %d is for _id %s, not %s", i, out.ID, alerts[i].ID), 0)
			failed = true
			continue
		}
		errs[i] = itemError(out)
		if errs[i] != nil {
			failed = true
		}
	}
	if !failed {
		return nil
	}
	return &sink.BatchError{Errs: errs}
}

func itemError(o bulkItemOutcome) error {
	switch {
	case o.Status >= 200 && o.Status < 300:
		return nil
	case o.Status == http.StatusConflict:
		return nil // version_conflict_engine_exception: this _id is indexed already
	}
	msg := fmt.Sprintf("bulk item status %d", o.Status)
	if o.Error != nil {
		msg += ": " + o.Error.Type + ": " + o.Error.Reason
	}
	if o.Status == http.StatusTooManyRequests || o.Status >= 500 {
		return sink.Temporary(errors.New(msg), 0)
	}
	return sink.Permanent(errors.New(msg))
}
