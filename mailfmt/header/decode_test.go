package header

import (
	"reflect"
	"testing"
)

func TestDecodeWord(t *testing.T) {
	tests := []struct{ in, want string }{
		{"plain", "plain"},
		{"=?utf-8?Q?caf=C3=A9?=", "café"},
		{"=?UTF-8?B?w6l0w6k=?=", "été"},
		{"=?iso-8859-1?q?caf=E9?=", "café"},
		{"=?us-ascii?Q?a_b?=", "a b"},
		{"=?windows-1252?Q?=93quoted=94_=80?=", "“quoted” €"},
		{"=?iso-8859-15?Q?=A4?=", "€"},
		{"=?iso-8859-9?Q?=DDLT:_=FEirket?=", "İLT: şirket"},
		{"=?windows-1254?Q?=DDLT:_=F0=FD?=", "İLT: ğı"},
		{"=?ISO-8859-9?B?3UxUOg==?=", "İLT:"},
		{"=?iso-8859-2?Q?=A3=F3d=BC?=", "Łódź"},
		{"=?windows-1250?Q?=8Ako=9Ea?=", "Škoža"},
		{"=?utf-8*en?Q?hi?=", "hi"},
		{"=?utf-8?Q?a?= =?utf-8?Q?b?=", "ab"},
		{"=?utf-8?Q?a?=\r\n =?utf-8?Q?b?=", "ab"},
		{"x =?utf-8?Q?a?= y", "x a y"},
		{"=?utf-8?Q?a?= and =?utf-8?Q?b?=", "a and b"},
		{"=?koi8-r?Q?=F0?=", "=?koi8-r?Q?=F0?="},
		{"=?utf-8?Q?caf=E?=", "=?utf-8?Q?caf=E?="},
		{"=?utf-8?B?!!!?=", "=?utf-8?B?!!!?="},
		{"=?utf-8?X?abc?=", "=?utf-8?X?abc?="},
		{"=?utf-8?Q?no end", "=?utf-8?Q?no end"},
		{"=?", "=?"},
		{"=?=?utf-8?Q?x?=", "=?x"},
		{"=?utf-8?Q?a b?=", "=?utf-8?Q?a b?="},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			if got := DecodeWord(tt.in); got != tt.want {
				t.Errorf("DecodeWord(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}

func TestAddresses(t *testing.T) {
	tests := []struct {
		in   string
		want []string
	}{
		{"a@b.c", []string{"a@b.c"}},
		{`"Alice" <Alice@Example.ORG>`, []string{"alice@example.org"}},
		{`"alice@evil.example" <bob@good.example>`, []string{"bob@good.example"}},
		{"Alice <a@x>, Bob <b@y>", []string{"a@x", "b@y"}},
		{"a@x b@y", []string{"a@x", "b@y"}},
		{"a@x (comment b@z), c@y", []string{"a@x", "c@y"}},
		{"Team: a@x, b@y;, c@z", []string{"a@x", "b@y", "c@z"}},
		{"undisclosed-recipients:;", nil},
		{"<@relay.example:a@x>", []string{"a@x"}},
		{"<mailto:a@x>", []string{"a@x"}},
		{"not an address", nil},
		{"@x, a@, @", nil},
		{`"unterminated <a@x>`, nil},
		{"<a@x", []string{"a@x"}},
		{"=?utf-8?Q?A?= <a@x>", []string{"a@x"}},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			if got := Addresses(tt.in); !reflect.DeepEqual(got, tt.want) {
				t.Errorf("Addresses(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}

func TestToUTF8(t *testing.T) {
	for _, tc := range []struct {
		in, charset, want string
		known             bool
	}{
		{"plain", "x-unknown", "plain", true},
		{"caf\xe9", "ISO-8859-1", "café", true},
		{"\x93quoted\x94 \x80", "iso-8859-1", "“quoted” €", true}, // WHATWG: Latin-1 read as windows-1252
		{"\xa4", "ISO-8859-15", "€", true},
		{"\xddLT", `"iso-8859-9"`, "İLT", true},
		{"\xb3\xf3d\xbc", "iso-8859-2", "łódź", true},
		{"caf\xc3\xa9", "utf-8", "café", true},
		{"\xff\xfe", "x-klingon", "\xff\xfe", false},
	} {
		got, known := ToUTF8([]byte(tc.in), tc.charset)
		if string(got) != tc.want || known != tc.known {
			t.Errorf("ToUTF8(%q, %q) = %q, %v; want %q, %v", tc.in, tc.charset, got, known, tc.want, tc.known)
		}
	}
}
