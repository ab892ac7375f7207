package main

import (
	"crypto/tls"
	"fmt"
	"log/slog"
	"os"
	"strings"

	"github.com/mailtrip/mailtrip/alert"
	"github.com/mailtrip/mailtrip/config"
	"github.com/mailtrip/mailtrip/sink"
	"github.com/mailtrip/mailtrip/sink/elastic"
	"github.com/mailtrip/mailtrip/sink/splunk"
	"github.com/mailtrip/mailtrip/store"
)

// secretOf reads a sink's secret from the environment variable or file the
// configuration names ("" when it names neither).
func secretOf(k config.Sink) (string, error) {
	switch {
	case k.SecretEnv != "" && k.SecretFile != "":
		return "", fmt.Errorf("sink %s: secret_env and secret_file are exclusive", k.Name)
	case k.SecretEnv != "":
		return sinkEnv(k.Name, "secret_env", k.SecretEnv)
	case k.SecretFile != "":
		b, err := os.ReadFile(k.SecretFile)
		if err != nil {
			return "", fmt.Errorf("sink %s: secret_file: %w", k.Name, err)
		}
		return strings.TrimRight(string(b), "\r\n"), nil
	}
	return "", nil
}

// sinkEnv reads the environment variable a sink's key names.
func sinkEnv(sink, key, name string) (string, error) {
	v, ok := os.LookupEnv(name)
	if !ok || v == "" {
		return "", fmt.Errorf("sink %s: environment variable %s (%s) is not set", sink, name, key)
	}
	return v, nil
}

// buildSinks makes a Deliverer per configured sink. Every sink delivers
// from the store's outbox, so an alert survives a crash or a receiver that
// is down.
func buildSinks(cfgs []config.Sink, st *store.Store, log *slog.Logger) (*sink.Group, map[string]alert.Level, error) {
	var ds []*sink.Deliverer
	levels := map[string]alert.Level{}
	for _, k := range cfgs {
		min := alert.Low
		if k.MinLevel != "" {
			l, err := alert.ParseLevel(k.MinLevel)
			if err != nil {
				return nil, nil, fmt.Errorf("sink %s: min_level: %w", k.Name, err)
			}
			min = l
		}
		secret, err := secretOf(k)
		if err != nil {
			return nil, nil, err
		}
		if k.URLEnv != "" {
			if k.URL != "" {
				return nil, nil, fmt.Errorf("sink %s: url and url_env are exclusive", k.Name)
			}
			if k.URL, err = sinkEnv(k.Name, "url_env", k.URLEnv); err != nil {
				return nil, nil, err
			}
		}
		var tlsCfg *tls.Config
		if k.TLSSkipVerify {
			tlsCfg = &tls.Config{InsecureSkipVerify: true} //nolint:gosec // the operator asked for it (test receivers)
		}
		var s sink.Sink
		switch k.Type {
		case "jsonl":
			s, err = sink.NewJSONL(sink.JSONLConfig{Name: k.Name, Path: k.Path})
		case "webhook", "slack", "teams":
			format := k.Format
			if k.Type != "webhook" {
				format = k.Type
			}
			s, err = sink.NewWebhook(sink.WebhookConfig{Name: k.Name, URL: k.URL, Format: format, Secret: []byte(secret), TLS: tlsCfg})
		case "syslog":
			s, err = sink.NewSyslog(sink.SyslogConfig{Name: k.Name, Network: k.Network, Address: k.Address, Format: k.Format, TLS: tlsCfg})
		case "splunk":
			s, err = splunk.New(splunk.Config{Name: k.Name, URL: k.URL, Token: secret, Index: k.Index, SourceType: k.SourceType, TLS: tlsCfg})
		case "elastic":
			ec := elastic.Config{Name: k.Name, URL: k.URL, Index: k.Index, TLS: tlsCfg}
			if k.Username != "" {
				ec.Username, ec.Password = k.Username, secret
			} else {
				ec.APIKey = secret
			}
			s, err = elastic.New(ec)
		default:
			err = fmt.Errorf("unknown type %q", k.Type)
		}
		if err != nil {
			return nil, nil, fmt.Errorf("sink %s: %w", k.Name, err)
		}
		ds = append(ds, sink.NewDeliverer(s, st, sink.DeliveryPolicy{MinLevel: min}, log))
		levels[k.Name] = min
	}
	g, err := sink.NewGroup(ds...)
	return g, levels, err
}
