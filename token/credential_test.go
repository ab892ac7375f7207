package token

import (
	"strings"
	"testing"
)

func TestCredential(t *testing.T) {
	personas := []struct {
		persona string
		parts   []string // some user names must hold one of these
	}{
		{"", nil},
		{"Jane Smith", []string{"smith"}},
		{"Smith, Jane", []string{"smith"}},
		{"jane.smith@corp.example", []string{"smith"}},
		{"José Müller-Lüdenscheidt", []string{"lu"}},
		{"Seán O'Brien", []string{"obrien"}},
		{"Cher", []string{"cher"}},
		{"Maximiliana Wolfeschlegelsteinhausen", []string{"wolfe"}},
		{"山田太郎", nil},
	}
	for _, p := range personas {
		t.Run(p.persona, func(t *testing.T) {
			users, passwords := map[string]bool{}, map[string]bool{}
			personal := 0
			for i := range 300 {
				u, pw := Credential(seeded(uint64(i)), p.persona)
				checkUser(t, u)
				checkPassword(t, pw)
				u2, pw2 := Credential(seeded(uint64(i)), p.persona)
				if u != u2 || pw != pw2 {
					t.Fatalf("same seed, different credentials: %s/%s, %s/%s", u, pw, u2, pw2)
				}
				users[u], passwords[pw] = true, true
				for _, part := range p.parts {
					if strings.Contains(u, part) {
						personal++
						break
					}
				}
			}
			if len(users) < 30 || len(passwords) < 295 {
				t.Errorf("%d user names, %d passwords over 300 seeds", len(users), len(passwords))
			}
			if p.parts != nil && (personal < 60 || personal > 240) {
				t.Errorf("%d of 300 user names derived from the persona, want about half", personal)
			}
		})
	}
}

func checkUser(t *testing.T, u string) {
	t.Helper()
	if u == "" || len(u) > 20 {
		t.Fatalf("user %q: length %d", u, len(u))
	}
	for _, c := range []byte(u) {
		if !('a' <= c && c <= 'z' || '0' <= c && c <= '9' || c == '.' || c == '-' || c == '_') {
			t.Fatalf("user %q has %q", u, c)
		}
	}
	if strings.ContainsAny(u[:1], ".-_") || strings.ContainsAny(u[len(u)-1:], ".-_") {
		t.Fatalf("user %q begins or ends with punctuation", u)
	}
}

func checkPassword(t *testing.T, pw string) {
	t.Helper()
	if len(pw) < 14 || len(pw) > 20 {
		t.Fatalf("password %q: length %d", pw, len(pw))
	}
	var lower, upper, digit, symbol bool
	for _, c := range []byte(pw) {
		switch {
		case 'a' <= c && c <= 'z':
			lower = true
		case 'A' <= c && c <= 'Z':
			upper = true
		case '0' <= c && c <= '9':
			digit = true
		case strings.IndexByte("!#$%*+-=?@^_.", c) >= 0:
			symbol = true
		default:
			t.Fatalf("password %q has %q", pw, c)
		}
	}
	if !lower || !upper || !digit || !symbol {
		t.Fatalf("password %q lacks a class (lower %v, upper %v, digit %v, symbol %v)", pw, lower, upper, digit, symbol)
	}
}

func TestPersonaName(t *testing.T) {
	tests := []struct{ in, first, last string }{
		{"Jane Smith", "jane", "smith"},
		{"Smith, Jane", "jane", "smith"},
		{"jane.smith@corp.example", "jane", "smith"},
		{"Jane Q. Smith", "jane", "smith"},
		{"Zoë Ñúñez", "zoe", "nunez"},
		{"Cher", "", "cher"},
		{"", "", ""},
		{"山田太郎", "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			f, l := personaName(tt.in)
			if f != tt.first || l != tt.last {
				t.Errorf("personaName(%q) = %q, %q; want %q, %q", tt.in, f, l, tt.first, tt.last)
			}
		})
	}
}
