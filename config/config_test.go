package config

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestLookupOrder(t *testing.T) {
	dir := t.TempDir()
	xdg := filepath.Join(dir, "xdg")
	if err := os.MkdirAll(filepath.Join(xdg, "mailtrip"), 0o755); err != nil {
		t.Fatal(err)
	}
	write := func(p, s string) {
		if err := os.WriteFile(p, []byte(s), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write(filepath.Join(xdg, "mailtrip", "config.yaml"), "scan: {fail_on: high}\n")
	env := filepath.Join(dir, "env.yaml")
	write(env, "scan: {fail_on: low}\n")
	flag := filepath.Join(dir, "flag.yaml")
	write(flag, "scan: {fail_on: critical}\n")

	t.Setenv("XDG_CONFIG_HOME", xdg)
	t.Setenv(EnvConfig, "")
	for _, tc := range []struct {
		name, flag, env, want string
	}{
		{"xdg file", "", "", "high"},
		{"environment over file", "", env, "low"},
		{"flag over environment", flag, env, "critical"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Setenv(EnvConfig, tc.env)
			c, _, err := Load(tc.flag)
			if err != nil {
				t.Fatal(err)
			}
			if c.Scan.FailOn != tc.want {
				t.Errorf("fail_on %q, want %q", c.Scan.FailOn, tc.want)
			}
		})
	}
	t.Run("defaults without a file", func(t *testing.T) {
		t.Setenv("XDG_CONFIG_HOME", t.TempDir())
		c, path, err := Load("")
		if err != nil || path != "" || c.Scan.FailOn != "medium" {
			t.Errorf("got %+v, %q, %v", c, path, err)
		}
	})
}

func TestInvalid(t *testing.T) {
	for _, tc := range []struct{ yaml, want string }{
		{"scan: {fial_on: low}", "fial_on"},
		{"scan: {fail_on: severe}", "scan.fail_on"},
		{"scan: {workers: -1}", "scan.workers"},
		{"header: {max_looks_forwarded_ratio: 2}", "max_looks_forwarded_ratio"},
		{"internal_domains: ['a@b.com']", "internal_domains"},
		{"scan: [1, 2]", "cannot unmarshal"},
		{"canary: {base_url: 'ftp://x'}", "canary.base_url"},
		{"org: {time_zone: Mars/Olympus}", "org.time_zone"},
		{"org: {history_days: -3}", "org.history_days"},
	} {
		t.Run(tc.want, func(t *testing.T) {
			c := Default()
			err := Decode([]byte(tc.yaml), &c)
			if err == nil {
				err = c.Validate()
			}
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %v, want one mentioning %q", err, tc.want)
			}
		})
	}
}

func TestDBPath(t *testing.T) {
	t.Setenv(EnvDB, "")
	t.Setenv("XDG_STATE_HOME", "/state")
	c := Default()
	if p, _ := c.DBPath(""); p != "/state/mailtrip/mailtrip.db" {
		t.Errorf("default store %q", p)
	}
	c.Store = "/cfg.db"
	if p, _ := c.DBPath(""); p != "/cfg.db" {
		t.Errorf("config store %q", p)
	}
	t.Setenv(EnvDB, "/env.db")
	if p, _ := c.DBPath(""); p != "/env.db" {
		t.Errorf("env store %q", p)
	}
	if p, _ := c.DBPath("/flag.db"); p != "/flag.db" {
		t.Errorf("flag store %q", p)
	}
}
