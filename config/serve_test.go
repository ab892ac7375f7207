package config

import (
	"strings"
	"testing"
	"time"
)

func TestServeConfig(t *testing.T) {
	c := Default()
	if err := Decode([]byte(`
serve:
  http: {listen: 0.0.0.0:80, trusted_proxies: [10.0.0.0/8, 192.0.2.1]}
  dns: {listen: "off", a: [198.51.100.4]}
  incident_window: 30m
  scanner_grace: 0s
  sinks:
    - {name: soc, type: slack, url: "https://hooks.example/x", min_level: high}
`), &c); err != nil {
		t.Fatal(err)
	}
	if err := c.Validate(); err != nil {
		t.Fatal(err)
	}
	if c.Serve.HTTP.Listen != "0.0.0.0:80" || c.Serve.DNS.Listen != Off || c.Serve.SMTP.Listen != DefaultSMTPListen {
		t.Errorf("listen addresses: %+v", c.Serve)
	}
	if time.Duration(c.Serve.IncidentWindow) != 30*time.Minute || c.Serve.ScannerGrace == nil || *c.Serve.ScannerGrace != 0 {
		t.Errorf("durations: %v %v", c.Serve.IncidentWindow, c.Serve.ScannerGrace)
	}
	if len(c.Serve.Sinks) != 1 || c.Serve.Sinks[0].Type != "slack" {
		t.Errorf("sinks: %+v", c.Serve.Sinks)
	}

	bad := Default()
	if err := Decode([]byte(`
serve:
  http: {listen: "8025", trusted_proxies: [nonsense]}
  dns: {a: [not-an-ip]}
  files: {mode: poll}
  sinks:
    - {name: a, type: pager}
    - {name: a, type: jsonl}
`), &bad); err != nil {
		t.Fatal(err)
	}
	err := bad.Validate()
	for _, want := range []string{`serve.http.listen: "8025"`, `"nonsense"`, `"not-an-ip"`, `serve.files.mode`, `type "pager"`, `name "a" used twice`} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("validation error lacks %q: %v", want, err)
		}
	}
}
