package config

import (
	"errors"
	"fmt"
	"net"
	"net/netip"
	"time"
)

// Serve configures `mailtrip serve`: the tripwire listeners, how hits
// become incidents, and where alerts are delivered. Every listener has a
// loopback default, so serve runs with no configuration at all; set a
// listen address to "off" to disable that trap.
type Serve struct {
	HTTP  HTTPTrap  `yaml:"http"`
	DNS   DNSTrap   `yaml:"dns"`
	SMTP  SMTPTrap  `yaml:"smtp"`
	IMAP  IMAPTrap  `yaml:"imap"`
	Files FileTrap  `yaml:"files"`
	Admin AdminAPI  `yaml:"admin"`
	Limit RateLimit `yaml:"rate_limit"`
	// IncidentWindow: hits of one decoy from one source within this of
	// each other are one incident (default 1h).
	IncidentWindow Duration `yaml:"incident_window,omitempty"`
	// ScannerGrace: a touch this soon after planting is judged a mail
	// gateway scanning new mail (default 2m; "0s" turns it off).
	ScannerGrace *Duration `yaml:"scanner_grace,omitempty"`
	// ScannersFile replaces the built-in list of link scanners and image
	// proxies (`mailtrip serve --print-scanners` prints it).
	ScannersFile string `yaml:"scanners_file,omitempty"`
	// AllowFile lists expected traffic (red team, monitoring).
	AllowFile string `yaml:"allow_file,omitempty"`
	// Sinks are where alerts are delivered, through the store's outbox.
	Sinks []Sink `yaml:"sinks,omitempty"`
	// JournalFsync syncs each batch of the hit journal (the store path +
	// ".journal") to disk before the trap answers: hits survive a power
	// loss, not only a crash of serve, at the cost of an fsync per batch.
	JournalFsync bool `yaml:"journal_fsync,omitempty"`
}

// HTTPTrap is the HTTP(S) trap decoy links and images point at.
type HTTPTrap struct {
	Listen         string   `yaml:"listen,omitempty"`
	TLSCert        string   `yaml:"tls_cert,omitempty"`
	TLSKey         string   `yaml:"tls_key,omitempty"`
	TrustedProxies []string `yaml:"trusted_proxies,omitempty"` // CIDR prefixes whose X-Forwarded-For is believed
	// LoginTitle is the title of the decoy sign-in page.
	LoginTitle string `yaml:"login_title,omitempty"`
}

// DNSTrap is the authoritative DNS server for canary.dns_zone.
type DNSTrap struct {
	Listen string   `yaml:"listen,omitempty"` // UDP and TCP
	A      []string `yaml:"a,omitempty"`      // answers for names in the zone (default: the HTTP trap's address)
	AAAA   []string `yaml:"aaaa,omitempty"`
	MX     string   `yaml:"mx,omitempty"`
	TXT    []string `yaml:"txt,omitempty"`
	NS     []string `yaml:"ns,omitempty"`
	// DedupWindow: repeated lookups of one name within it count as one
	// touch (resolvers retry and re-ask) (default 5m).
	DedupWindow Duration `yaml:"dedup_window,omitempty"`
}

// SMTPTrap accepts mail for canary addresses.
type SMTPTrap struct {
	Listen          string `yaml:"listen,omitempty"`
	Hostname        string `yaml:"hostname,omitempty"`
	MaxMessageBytes int64  `yaml:"max_message_bytes,omitempty"`
	MaxRecipients   int    `yaml:"max_recipients,omitempty"`
	TLSCert         string `yaml:"tls_cert,omitempty"` // enables STARTTLS
	TLSKey          string `yaml:"tls_key,omitempty"`
}

// IMAPTrap accepts logins with decoy credentials.
type IMAPTrap struct {
	Listen  string `yaml:"listen,omitempty"`
	TLSCert string `yaml:"tls_cert,omitempty"`
	TLSKey  string `yaml:"tls_key,omitempty"`
}

// FileTrap watches planted decoy files.
type FileTrap struct {
	// Enabled turns the file trap on (default true on Linux); it watches
	// every active files:, eml: and Maildir planting's file.
	Enabled *bool `yaml:"enabled,omitempty"`
	// Paths adds files or folders to watch.
	Paths []string `yaml:"paths,omitempty"`
	// Mode forces "inotify" instead of fanotify (which needs root).
	Mode string `yaml:"mode,omitempty"`
}

// AdminAPI serves /healthz and /metrics.
type AdminAPI struct {
	Listen string `yaml:"listen,omitempty"`
}

// RateLimit bounds the touches one source may make per trap.
type RateLimit struct {
	PerSecond float64 `yaml:"per_second,omitempty"`
	Burst     int     `yaml:"burst,omitempty"`
}

// Sink is one place alerts are delivered. Type picks the fields that
// apply; secrets come from environment variables or files, never from the
// configuration itself.
type Sink struct {
	Name     string `yaml:"name"`
	Type     string `yaml:"type"` // jsonl, webhook, slack, teams, syslog, splunk, elastic
	MinLevel string `yaml:"min_level,omitempty"`

	Path string `yaml:"path,omitempty"` // jsonl: file ("-" for stdout)

	URL        string `yaml:"url,omitempty"`         // webhook, slack, teams, splunk, elastic
	URLEnv     string `yaml:"url_env,omitempty"`     // the URL from this environment variable (Slack and Teams webhook URLs are secrets)
	SecretEnv  string `yaml:"secret_env,omitempty"`  // webhook HMAC key; splunk token; elastic API key
	SecretFile string `yaml:"secret_file,omitempty"` // the same from a file

	Address string `yaml:"address,omitempty"` // syslog host:port
	Network string `yaml:"network,omitempty"` // syslog: udp, tcp or tls
	Format  string `yaml:"format,omitempty"`  // syslog: json or cef; webhook: json, slack or teams

	Index      string `yaml:"index,omitempty"`      // splunk, elastic
	SourceType string `yaml:"sourcetype,omitempty"` // splunk
	Username   string `yaml:"username,omitempty"`   // elastic basic auth (password via secret_env/secret_file)

	TLSSkipVerify bool `yaml:"tls_skip_verify,omitempty"`
}

// Serve defaults: loopback, next to the canary base URL's port 8025.
const (
	DefaultHTTPListen  = "127.0.0.1:8025"
	DefaultAdminListen = "127.0.0.1:8026"
	DefaultDNSListen   = "127.0.0.1:8053"
	DefaultSMTPListen  = "127.0.0.1:2525"
	DefaultIMAPListen  = "127.0.0.1:8143"
	Off                = "off"
)

// Duration is a time.Duration written as "90s", "5m", "1h".
type Duration time.Duration

// UnmarshalText parses a Go duration.
func (d *Duration) UnmarshalText(b []byte) error {
	v, err := time.ParseDuration(string(b))
	if err != nil {
		return err
	}
	*d = Duration(v)
	return nil
}

// MarshalText writes the duration.
func (d Duration) MarshalText() ([]byte, error) { return []byte(time.Duration(d).String()), nil }

func defaultServe() Serve {
	return Serve{
		HTTP:  HTTPTrap{Listen: DefaultHTTPListen},
		DNS:   DNSTrap{Listen: DefaultDNSListen},
		SMTP:  SMTPTrap{Listen: DefaultSMTPListen},
		IMAP:  IMAPTrap{Listen: DefaultIMAPListen},
		Admin: AdminAPI{Listen: DefaultAdminListen},
		Limit: RateLimit{PerSecond: 50, Burst: 200},
	}
}

var sinkTypes = map[string]bool{"jsonl": true, "webhook": true, "slack": true, "teams": true,
	"syslog": true, "splunk": true, "elastic": true}

func (s Serve) validate() error {
	var errs []error
	for _, l := range []struct{ name, addr string }{
		{"serve.http.listen", s.HTTP.Listen}, {"serve.dns.listen", s.DNS.Listen},
		{"serve.smtp.listen", s.SMTP.Listen}, {"serve.imap.listen", s.IMAP.Listen},
		{"serve.admin.listen", s.Admin.Listen},
	} {
		if l.addr == "" || l.addr == Off {
			continue
		}
		if _, _, err := net.SplitHostPort(l.addr); err != nil {
			errs = append(errs, fmt.Errorf("%s: %q is not host:port (or \"off\")", l.name, l.addr))
		}
	}
	for _, p := range s.HTTP.TrustedProxies {
		if _, err := netip.ParsePrefix(p); err != nil {
			if _, err2 := netip.ParseAddr(p); err2 != nil {
				errs = append(errs, fmt.Errorf("serve.http.trusted_proxies: %q is not an address or CIDR prefix", p))
			}
		}
	}
	for _, a := range append(append([]string{}, s.DNS.A...), s.DNS.AAAA...) {
		if _, err := netip.ParseAddr(a); err != nil {
			errs = append(errs, fmt.Errorf("serve.dns: %q is not an IP address", a))
		}
	}
	if (s.HTTP.TLSCert == "") != (s.HTTP.TLSKey == "") {
		errs = append(errs, errors.New("serve.http: tls_cert and tls_key go together"))
	}
	if s.Limit.PerSecond < 0 || s.Limit.Burst < 0 {
		errs = append(errs, errors.New("serve.rate_limit: negative values"))
	}
	switch s.Files.Mode {
	case "", "fanotify", "inotify":
	default:
		errs = append(errs, fmt.Errorf("serve.files.mode: %q, want fanotify or inotify", s.Files.Mode))
	}
	names := map[string]bool{}
	for i, k := range s.Sinks {
		where := fmt.Sprintf("serve.sinks[%d]", i)
		if k.Name == "" {
			errs = append(errs, fmt.Errorf("%s: name is required", where))
		} else if names[k.Name] {
			errs = append(errs, fmt.Errorf("%s: name %q used twice", where, k.Name))
		}
		names[k.Name] = true
		if !sinkTypes[k.Type] {
			errs = append(errs, fmt.Errorf("%s (%s): type %q, want jsonl, webhook, slack, teams, syslog, splunk or elastic", where, k.Name, k.Type))
		}
	}
	return errors.Join(errs...)
}
