package sink

import (
	"bytes"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// HTTP helpers shared by the webhook, Splunk and Elasticsearch sinks.

// MaxRetryAfter caps what a receiver's Retry-After can ask for.
const MaxRetryAfter = time.Hour

// HTTPError is a receiver's answer other than 2xx.
type HTTPError struct {
	StatusCode int
	Body       string // the start of the response body, for the log
}

func (e *HTTPError) Error() string {
	if e.Body == "" {
		return fmt.Sprintf("HTTP %d %s", e.StatusCode, http.StatusText(e.StatusCode))
	}
	return fmt.Sprintf("HTTP %d %s: %s", e.StatusCode, http.StatusText(e.StatusCode), e.Body)
}

// NewHTTPClient returns a client for one receiver: the timeout covers a
// whole request, conns idle connections are kept for reuse, and redirects
// are not followed (a POST redirected becomes a GET; a 3xx is reported as
// the permanent error it is, to fix the configured URL).
func NewHTTPClient(timeout time.Duration, tlsConfig *tls.Config, conns int) *http.Client {
	if timeout <= 0 {
		timeout = 10 * time.Second
	}
	if conns <= 0 {
		conns = 4
	}
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.MaxIdleConnsPerHost = conns
	tr.TLSClientConfig = tlsConfig
	tr.ResponseHeaderTimeout = timeout
	return &http.Client{
		Timeout:       timeout,
		Transport:     tr,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
}

// DoHTTP sends req and reads up to limit bytes of the answer. A network
// failure or timeout is Temporary. The error for a non-2xx status is
// classified as HTTPStatus does; the response and body are returned with it.
func DoHTTP(c *http.Client, req *http.Request, limit int64) (*http.Response, []byte, error) {
	resp, err := c.Do(req)
	if err != nil {
		if ctxErr := req.Context().Err(); ctxErr != nil && errors.Is(err, ctxErr) {
			return nil, nil, Temporary(context.Cause(req.Context()), 0)
		}
		return nil, nil, Temporary(err, 0)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, limit))
	if err != nil {
		return resp, nil, Temporary(fmt.Errorf("read response: %w", err), 0)
	}
	_, _ = io.CopyN(io.Discard, resp.Body, 64<<10) // let the connection be reused
	return resp, body, HTTPStatus(resp, body, time.Now())
}

// HTTPStatus classifies a response: nil for 2xx; Temporary for 408, 425,
// 429 and 5xx, with the Retry-After the response carries; Permanent for
// everything else (other 4xx, and 1xx/3xx which a POST should not get).
func HTTPStatus(resp *http.Response, body []byte, now time.Time) error {
	code := resp.StatusCode
	if code >= 200 && code < 300 {
		return nil
	}
	e := &HTTPError{StatusCode: code, Body: snippet(body)}
	switch {
	case code == http.StatusRequestTimeout, code == http.StatusTooEarly, code == http.StatusTooManyRequests, code >= 500:
		return Temporary(e, ParseRetryAfter(resp.Header.Get("Retry-After"), now))
	}
	return Permanent(e)
}

// ParseRetryAfter reads a Retry-After value (RFC 9110 10.2.3): a number of
// seconds or an HTTP date. It returns 0 when the value is absent or
// unreadable, and caps the delay at MaxRetryAfter.
func ParseRetryAfter(v string, now time.Time) time.Duration {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0
	}
	var d time.Duration
	if n, err := strconv.ParseInt(v, 10, 64); err == nil || errors.Is(err, strconv.ErrRange) {
		if n <= 0 {
			return 0
		}
		if n > int64(MaxRetryAfter/time.Second) {
			return MaxRetryAfter // including numbers past int64, where n is the largest int64
		}
		d = time.Duration(n) * time.Second
	} else if t, err := http.ParseTime(v); err == nil {
		d = t.Sub(now)
	}
	return min(max(d, 0), MaxRetryAfter)
}

// snippet is the start of a response body, on one line, for error texts.
func snippet(b []byte) string {
	b = bytes.TrimSpace(b)
	if len(b) > 300 {
		b = append(b[:300:300], "…"...)
	}
	return strings.Join(strings.Fields(string(b)), " ")
}
