package token

import (
	"errors"
	"math/rand/v2"
	"net/mail"
	"net/url"
	"slices"
	"strings"
	"testing"
)

const testSub SubID = "uhrm25j432hsudnm"

func seeded(seed uint64) *rand.Rand { return rand.New(rand.NewPCG(seed, 0x6d61696c74726970)) }

// subs returns n sub-ids of different decoys.
func subs(n int) []SubID {
	r := rand.NewChaCha8([32]byte{5})
	out := make([]SubID, n)
	for i := range out {
		id, _ := NewFrom(r)
		out[i] = Derive(testSecret, id, KindURL, i)
	}
	return out
}

// onlyFinds checks that Find sees exactly sub in s.
func onlyFinds(t *testing.T, s string, sub SubID) {
	t.Helper()
	if got := Find(s); !slices.Equal(got, []SubID{sub}) {
		t.Errorf("Find(%q) = %v, want [%s]", s, got, sub)
	}
}

func TestURL(t *testing.T) {
	bases := []string{"http://127.0.0.1:8025", "https://files.example.com/", "https://portal.example.com/docs/?x=1#frag"}
	for _, b := range bases {
		base, err := url.Parse(b)
		if err != nil {
			t.Fatal(err)
		}
		for _, kind := range []Kind{KindURL, KindImage} {
			t.Run(b+"/"+string(kind), func(t *testing.T) {
				shapes := map[string]bool{}
				for i, sub := range subs(200) {
					s := URL(base, sub, kind, seeded(uint64(i)))
					u, err := url.Parse(s)
					if err != nil {
						t.Fatalf("URL gave %q: %v", s, err)
					}
					if u.Scheme != base.Scheme || u.Host != base.Host || u.Fragment != "" {
						t.Fatalf("URL %q is not under %q", s, b)
					}
					if !strings.HasPrefix(u.Path, strings.TrimSuffix(base.Path, "/")+"/") {
						t.Fatalf("URL %q lost the base path %q", s, base.Path)
					}
					if strings.Contains(s, "token") || strings.Contains(s, "canary") {
						t.Fatalf("URL %q gives itself away", s)
					}
					if kind == KindImage && !strings.Contains(s, "/img/") && !strings.Contains(s, "/static/") && !strings.Contains(s, "/assets/") {
						t.Fatalf("image URL %q does not look like one", s)
					}
					onlyFinds(t, s, sub)
					shapes[shape(s, sub)] = true
					if again := URL(base, sub, kind, seeded(uint64(i))); again != s {
						t.Fatalf("same seed, different URL: %q, %q", s, again)
					}
				}
				if min := 4; len(shapes) < min {
					t.Errorf("only %d shapes over 200 seeds: %v", len(shapes), shapes)
				}
			})
		}
	}
	t.Run("nil base", func(t *testing.T) {
		s := URL(nil, testSub, KindURL, seeded(1))
		if !strings.HasPrefix(s, "/") {
			t.Errorf("URL(nil, …) = %q, want a path", s)
		}
		onlyFinds(t, s, testSub)
	})
	t.Run("examples", func(t *testing.T) {
		base, _ := url.Parse("https://files.example.com")
		seen := map[string]bool{}
		for i := range 100 {
			seen[shape(URL(base, testSub, KindURL, seeded(uint64(i))), testSub)] = true
			seen[shape(URL(base, testSub, KindImage, seeded(uint64(i))), testSub)] = true
		}
		for _, want := range []string{
			"https://files.example.com/s/SUB/",
			"https://files.example.com/d/SUB/",
			"https://files.example.com/login?sid=SUB",
			"https://files.example.com/view?doc=SUB&ref=mail",
			"https://files.example.com/img/SUB/",
		} {
			found := false
			for s := range seen {
				found = found || strings.HasPrefix(s, want)
			}
			if !found {
				t.Errorf("no URL starts %s", want)
			}
		}
	})
}

// shape replaces the sub-id by SUB and drops a document name, so URLs of
// one shape compare equal.
func shape(s string, sub SubID) string {
	s = strings.ReplaceAll(s, string(sub), "SUB")
	if i := strings.Index(s, "SUB/"); i >= 0 {
		s = s[:i+4]
	}
	return s
}

func TestDNSName(t *testing.T) {
	zones := []string{"canary.localhost", "CT.Example.COM.", "x", "a-b.c0.example"}
	for _, zone := range zones {
		t.Run(zone, func(t *testing.T) {
			names := map[string]bool{}
			for i, sub := range subs(200) {
				name, err := DNSName(sub, zone, seeded(uint64(i)))
				if err != nil {
					t.Fatal(err)
				}
				wantZone := strings.ToLower(strings.TrimSuffix(zone, "."))
				if !strings.HasSuffix(name, "."+wantZone) {
					t.Fatalf("%q is not in zone %q", name, wantZone)
				}
				checkHost(t, name)
				first, _, _ := strings.Cut(name, ".")
				if !strings.Contains(first, string(sub)) {
					t.Fatalf("%q: first label does not carry %s", name, sub)
				}
				onlyFinds(t, name, sub)
				onlyFinds(t, strings.ToUpper(name), sub) // 0x20 randomisation, proxies
				names[strings.Replace(name, string(sub), "SUB", 1)] = true
				if again, _ := DNSName(sub, zone, seeded(uint64(i))); again != name {
					t.Fatalf("same seed, different names: %q, %q", name, again)
				}
			}
			if len(names) < 5 {
				t.Errorf("only %d forms over 200 seeds: %v", len(names), names)
			}
		})
	}
}

// checkHost checks that name is a host name of LDH labels ≤ 63 bytes, ≤ 253 in all.
func checkHost(t *testing.T, name string) {
	t.Helper()
	if len(name) > 253 {
		t.Fatalf("%q: %d bytes", name, len(name))
	}
	for _, l := range strings.Split(name, ".") {
		if len(l) == 0 || len(l) > 63 || l[0] == '-' || l[len(l)-1] == '-' {
			t.Fatalf("%q: bad label %q", name, l)
		}
		for _, c := range []byte(l) {
			if !('a' <= c && c <= 'z' || '0' <= c && c <= '9' || c == '-') {
				t.Fatalf("%q: label %q has %q", name, l, c)
			}
		}
	}
}

func TestBadDomains(t *testing.T) {
	long := strings.Repeat("a", 63)
	tests := []struct {
		name, zone string
	}{
		{"empty", ""},
		{"dot", "."},
		{"empty label", "canary..example"},
		{"leading dot", ".canary.example"},
		{"label of 64", strings.Repeat("a", 64) + ".example"},
		{"leading hyphen", "-canary.example"},
		{"trailing hyphen", "canary-.example"},
		{"underscore", "ca_nary.example"},
		{"space", "canary example"},
		{"non-ascii", "cänary.example"},
		{"address literal", "[127.0.0.1]"},
		{"url", "http://canary.example"},
		{"254 bytes", strings.Join([]string{long, long, long, long[:61]}, ".") + "a"},
		{"no room for the label", strings.Join([]string{long, long, long, long[:40]}, ".")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if name, err := DNSName(testSub, tt.zone, seeded(1)); !errors.Is(err, ErrInvalidDomain) {
				t.Errorf("DNSName(%q) = %q, %v; want ErrInvalidDomain", tt.zone, name, err)
			}
			if tt.name == "no room for the label" {
				return // fine as a mail domain
			}
			if a, err := Address(testSub, tt.zone, seeded(1)); !errors.Is(err, ErrInvalidDomain) {
				t.Errorf("Address(…, %q) = %q, %v; want ErrInvalidDomain", tt.zone, a, err)
			}
			if m, err := MessageID(testSub, tt.zone, seeded(1)); !errors.Is(err, ErrInvalidDomain) {
				t.Errorf("MessageID(…, %q) = %q, %v; want ErrInvalidDomain", tt.zone, m, err)
			}
		})
	}
	t.Run("bad sub-id", func(t *testing.T) {
		for _, sub := range []SubID{"", "UHRM25J432HSUDNM", "uhrm25j432hsudn", "a.b"} {
			if _, err := DNSName(sub, "canary.localhost", seeded(1)); !errors.Is(err, ErrInvalidSubID) {
				t.Errorf("DNSName(%q): %v, want ErrInvalidSubID", sub, err)
			}
			if _, err := Address(sub, "canary.localhost", seeded(1)); !errors.Is(err, ErrInvalidSubID) {
				t.Errorf("Address(%q): %v, want ErrInvalidSubID", sub, err)
			}
		}
	})
}

func TestAddress(t *testing.T) {
	for _, domain := range []string{"canary.localhost", "Mail.Example.ORG", strings.Repeat("d", 63) + ".example"} {
		t.Run(domain, func(t *testing.T) {
			words := map[string]bool{}
			for i, sub := range subs(200) {
				a, err := Address(sub, domain, seeded(uint64(i)))
				if err != nil {
					t.Fatal(err)
				}
				parsed, err := mail.ParseAddress(a)
				if err != nil {
					t.Fatalf("net/mail rejects %q: %v", a, err)
				}
				if parsed.Address != a {
					t.Fatalf("net/mail reads %q as %q", a, parsed.Address)
				}
				local, dom, _ := strings.Cut(a, "@")
				if len(local) > 64 || len(a) > 254 {
					t.Fatalf("%q too long", a)
				}
				if dom != strings.ToLower(domain) {
					t.Fatalf("%q: domain %q", a, dom)
				}
				if !strings.HasSuffix(local, string(sub)) {
					t.Fatalf("%q: local part does not carry %s", a, sub)
				}
				onlyFinds(t, a, sub)
				onlyFinds(t, "To: Accounts Payable <"+strings.ToUpper(a)+">", sub)
				words[strings.TrimSuffix(local, string(sub))] = true
				if again, _ := Address(sub, domain, seeded(uint64(i))); again != a {
					t.Fatalf("same seed, different addresses: %q, %q", a, again)
				}
			}
			if len(words) < 10 {
				t.Errorf("only %d local-part forms: %v", len(words), words)
			}
		})
	}
}

func TestMessageID(t *testing.T) {
	forms := map[string]bool{}
	for i, sub := range subs(200) {
		m, err := MessageID(sub, "Mail.Example.com", seeded(uint64(i)))
		if err != nil {
			t.Fatal(err)
		}
		if !strings.HasPrefix(m, "<") || !strings.HasSuffix(m, "@mail.example.com>") {
			t.Fatalf("MessageID = %q", m)
		}
		// A msg-id is an addr-spec in angle brackets (RFC 5322 §3.6.4).
		if _, err := mail.ParseAddress(m); err != nil {
			t.Fatalf("net/mail rejects %q: %v", m, err)
		}
		onlyFinds(t, m, sub)
		onlyFinds(t, `"InternetMessageId":"`+m+`"`, sub)
		left := strings.Replace(m, string(sub), "SUB", 1)
		forms[strings.TrimRight(left[:strings.Index(left, "SUB")+3], "0123456789")] = true
		if again, _ := MessageID(sub, "Mail.Example.com", seeded(uint64(i))); again != m {
			t.Fatalf("same seed, different ids: %q, %q", m, again)
		}
	}
	if len(forms) < 3 {
		t.Errorf("only %d forms: %v", len(forms), forms)
	}
}

func TestURLNamed(t *testing.T) {
	base, _ := url.Parse("https://files.example.com/")
	sub := SubID("abcdefghijklmnop")
	named := 0
	for seed := range uint64(50) {
		r := rand.New(rand.NewPCG(seed, 1))
		u := URLNamed(base, sub, KindURL, "wire instructions.pdf", r)
		if _, err := url.Parse(u); err != nil {
			t.Fatalf("%s: %v", u, err)
		}
		if strings.Contains(u, "/wire%20instructions.pdf") {
			named++
		}
		if got := Find(u); len(got) != 1 || got[0] != sub {
			t.Errorf("%s: Find = %v", u, got)
		}
	}
	if named == 0 {
		t.Error("the given document name never appears")
	}
}
