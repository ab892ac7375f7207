// Package config is mailtrip's configuration: the YAML schema, the built-in
// defaults, validation, and the lookup order every command shares (flag,
// then environment, then file, then defaults). Only cmd/mailtrip imports it;
// libraries receive plain option structs built from it.
package config

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/mailtrip/mailtrip/alert"
)

// Environment variables read by every command.
const (
	EnvConfig = "MAILTRIP_CONFIG"
	EnvDB     = "MAILTRIP_DB"
)

// Config is the whole configuration file.
type Config struct {
	// Store is the SQLite file (or later a database URL) that decoy,
	// alerts, serve and scan --state use.
	Store string `yaml:"store,omitempty"`
	// InternalDomains are the organisation's own mail domains; forwarding
	// to any other domain counts as external. Subdomains are included.
	InternalDomains []string `yaml:"internal_domains,omitempty"`
	// Scan tunes `mailtrip scan`.
	Scan Scan `yaml:"scan"`
	// Header tunes the auto-forwarding detector.
	Header Header `yaml:"header"`
	// Org describes the organisation decoys are made for.
	Org Org `yaml:"org"`
	// Canary says where breadcrumbs point: the tripwires' addresses.
	Canary Canary `yaml:"canary"`
	// Serve configures the tripwire daemon.
	Serve Serve `yaml:"serve"`
}

// Org is the organisation profile decoys are written for. Empty fields
// take the decoy package's built-in fictional organisation.
type Org struct {
	Name        string   `yaml:"name,omitempty"`
	Domain      string   `yaml:"domain,omitempty"`
	MailServers []string `yaml:"mail_servers,omitempty"` // host names of the org's MTAs, for Received chains
	Departments []string `yaml:"departments,omitempty"`
	TimeZone    string   `yaml:"time_zone,omitempty"`    // IANA name, e.g. Europe/Berlin
	HistoryDays int      `yaml:"history_days,omitempty"` // decoy dates spread over this many past days
	People      []Person `yaml:"people,omitempty"`
}

// Person is a persona decoys are written from or to.
type Person struct {
	Name       string `yaml:"name"`
	Title      string `yaml:"title,omitempty"`
	Department string `yaml:"department,omitempty"`
	Email      string `yaml:"email"`
	Phone      string `yaml:"phone,omitempty"`
}

// Canary holds where breadcrumbs point. The defaults are loopback so that
// everything works on one machine; planting them into a real mailbox is
// warned about loudly.
type Canary struct {
	BaseURL    string `yaml:"base_url,omitempty"`    // what decoy links point at
	DNSZone    string `yaml:"dns_zone,omitempty"`    // decoy host names are <label>.<zone>
	MailDomain string `yaml:"mail_domain,omitempty"` // canary addresses are <word>.<sub-id>@<mail_domain>
}

// Canary defaults.
const (
	DefaultCanaryBaseURL = "http://127.0.0.1:8025"
	DefaultCanaryZone    = "canary.localhost"
)

// Scan holds the settings of `mailtrip scan`.
type Scan struct {
	// FailOn is the lowest alert level that makes scan exit 1
	// (informational, low, medium, high, critical, or none).
	FailOn string `yaml:"fail_on,omitempty"`
	// Rules are directories of Sigma rules scan runs on log records, on
	// top of the built-in pack.
	Rules []string `yaml:"rules,omitempty"`
	// GeoIP are MaxMind .mmdb files (City or Country, and ASN) for the
	// sign-in checks.
	GeoIP []string `yaml:"geoip,omitempty"`
	// TrustedNetworks are the organisation's own egress ranges (office,
	// VPN): sign-ins and mail access from them are not judged new.
	TrustedNetworks []string `yaml:"trusted_networks,omitempty"`
	// TrustedApps are application ids (AppId) allowed to read mail in bulk
	// (backup, archiving).
	TrustedApps []string `yaml:"trusted_apps,omitempty"`
	// Workers is the number of parallel readers; 0 means one per CPU.
	Workers int `yaml:"workers,omitempty"`
	// MaxHeaderBytes, MaxLineBytes, MaxFields and MaxBodyBytes bound what
	// is held in memory per message (0 = built-in default).
	MaxHeaderBytes int `yaml:"max_header_bytes,omitempty"`
	MaxLineBytes   int `yaml:"max_line_bytes,omitempty"`
	MaxFields      int `yaml:"max_fields,omitempty"`
	MaxBodyBytes   int `yaml:"max_body_bytes,omitempty"`
}

// Header holds the thresholds of the per-mailbox forwarding heuristic.
type Header struct {
	// MinAutoForwarded is the number of auto-forwarded or redirected
	// messages a mailbox must hold before the heuristic judges it.
	MinAutoForwarded int `yaml:"min_auto_forwarded,omitempty"`
	// MaxLooksForwardedRatio: the mailbox is flagged when messages that
	// look forwarded number fewer than this fraction of the auto-forwarded.
	MaxLooksForwardedRatio float64 `yaml:"max_looks_forwarded_ratio,omitempty"`
}

// Default returns the built-in configuration.
func Default() Config {
	return Config{
		Scan:   Scan{FailOn: "medium"},
		Canary: Canary{BaseURL: DefaultCanaryBaseURL, DNSZone: DefaultCanaryZone, MailDomain: DefaultCanaryZone},
		Serve:  defaultServe(),
	}
}

// Path returns the configuration file to read: flag, then MAILTRIP_CONFIG,
// then $XDG_CONFIG_HOME/mailtrip/config.yaml if it exists; explicit reports
// whether the user named it (then it must exist). "" means built-in
// defaults only.
func Path(flag string) (path string, explicit bool) {
	if flag != "" {
		return flag, true
	}
	if p := os.Getenv(EnvConfig); p != "" {
		return p, true
	}
	dir, err := configHome()
	if err != nil {
		return "", false
	}
	p := filepath.Join(dir, "mailtrip", "config.yaml")
	if _, err := os.Stat(p); err == nil {
		return p, false
	}
	return "", false
}

func configHome() (string, error) {
	if d := os.Getenv("XDG_CONFIG_HOME"); d != "" {
		return d, nil
	}
	return os.UserConfigDir()
}

// StateHome is $XDG_STATE_HOME, else ~/.local/state.
func StateHome() (string, error) {
	if d := os.Getenv("XDG_STATE_HOME"); d != "" {
		return d, nil
	}
	home, err := os.UserHomeDir()
	if err != nil {
		return "", err
	}
	return filepath.Join(home, ".local", "state"), nil
}

// Load reads the configuration: built-in defaults overlaid with the file
// Path(flag) selects. Unknown keys are errors, so a typo does not silently
// fall back to a default.
func Load(flag string) (Config, string, error) {
	c := Default()
	path, explicit := Path(flag)
	if path == "" {
		return c, "", nil
	}
	data, err := os.ReadFile(path)
	if err != nil {
		if !explicit && errors.Is(err, os.ErrNotExist) {
			return c, "", nil
		}
		return c, path, fmt.Errorf("read config: %w", err)
	}
	if err := Decode(data, &c); err != nil {
		return c, path, fmt.Errorf("config %s: %w", path, err)
	}
	return c, path, c.Validate()
}

// Decode overlays YAML data onto c, rejecting unknown keys.
func Decode(data []byte, c *Config) error {
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	if err := dec.Decode(c); err != nil && !errors.Is(err, io.EOF) {
		return err
	}
	return nil
}

// DBPath resolves the store: flag, then MAILTRIP_DB, then the config's
// store:, then $XDG_STATE_HOME/mailtrip/mailtrip.db.
func (c Config) DBPath(flag string) (string, error) {
	switch {
	case flag != "":
		return flag, nil
	case os.Getenv(EnvDB) != "":
		return os.Getenv(EnvDB), nil
	case c.Store != "":
		return c.Store, nil
	}
	dir, err := StateHome()
	if err != nil {
		return "", fmt.Errorf("no state directory for the store (set --db or %s): %w", EnvDB, err)
	}
	return filepath.Join(dir, "mailtrip", "mailtrip.db"), nil
}

// Validate checks values that YAML types cannot.
func (c Config) Validate() error {
	var errs []error
	if c.Scan.Workers < 0 {
		errs = append(errs, fmt.Errorf("scan.workers: %d is negative", c.Scan.Workers))
	}
	if f := strings.ToLower(c.Scan.FailOn); f != "" && f != "none" {
		if _, err := alert.ParseLevel(f); err != nil {
			errs = append(errs, fmt.Errorf("scan.fail_on: %w", err))
		}
	}
	if c.Header.MinAutoForwarded < 0 {
		errs = append(errs, fmt.Errorf("header.min_auto_forwarded: %d is negative", c.Header.MinAutoForwarded))
	}
	if r := c.Header.MaxLooksForwardedRatio; r < 0 || r > 1 {
		errs = append(errs, fmt.Errorf("header.max_looks_forwarded_ratio: %v is outside 0..1", r))
	}
	for _, d := range c.InternalDomains {
		if d == "" || strings.ContainsAny(d, "@ /") {
			errs = append(errs, fmt.Errorf("internal_domains: %q is not a domain name", d))
		}
	}
	if c.Org.HistoryDays < 0 {
		errs = append(errs, fmt.Errorf("org.history_days: %d is negative", c.Org.HistoryDays))
	}
	if c.Org.TimeZone != "" {
		if _, err := time.LoadLocation(c.Org.TimeZone); err != nil {
			errs = append(errs, fmt.Errorf("org.time_zone: %w", err))
		}
	}
	if c.Canary.BaseURL != "" {
		if u, err := url.Parse(c.Canary.BaseURL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			errs = append(errs, fmt.Errorf("canary.base_url: %q is not an http(s) URL", c.Canary.BaseURL))
		}
	}
	for _, n := range []struct {
		name string
		v    int
	}{{"max_header_bytes", c.Scan.MaxHeaderBytes}, {"max_line_bytes", c.Scan.MaxLineBytes},
		{"max_fields", c.Scan.MaxFields}, {"max_body_bytes", c.Scan.MaxBodyBytes}} {
		if n.v < 0 {
			errs = append(errs, fmt.Errorf("scan.%s: %d is negative", n.name, n.v))
		}
	}
	if err := c.Serve.validate(); err != nil {
		errs = append(errs, err)
	}
	return errors.Join(errs...)
}
