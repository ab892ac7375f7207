package plant

import (
	"errors"
	"strings"
	"testing"
)

func TestOpen(t *testing.T) {
	for _, tc := range []struct {
		spec string
		opt  Options
		kind string // want the target's kind, or "" for an error
		err  string // part of the error
	}{
		{spec: "maildir:/tmp/x", kind: KindMaildir},
		{spec: "Maildir:rel/dir", opt: Options{Folder: "Archive/2024"}, kind: KindMaildir},
		{spec: "mbox:/var/mail/u", kind: KindMbox},
		{spec: "eml:/tmp/e", kind: KindEML},
		{spec: "files:/tmp/f", opt: Options{Folder: "Mail Archive 2024/Finance"}, kind: KindFiles},
		{spec: "imap://user@host/INBOX", err: "IMAP planting is not built yet"},
		{spec: "imaps://user:secret@host/INBOX", err: "IMAP planting is not built yet"},
		{spec: "pop3://host", err: "maildir:PATH, mbox:PATH, eml:DIR or files:DIR"},
		{spec: "/just/a/path", err: "want maildir:PATH"},
		{spec: "maildir:", err: "empty path"},
		{spec: ":x", err: "want maildir:PATH"},
		{spec: "mbox://host/x", err: "local path"},
		{spec: "maildir:/tmp/x", opt: Options{Folder: "Q3.2024"}, err: "hierarchy separator"},
		{spec: "maildir:/tmp/x", opt: Options{Folder: "a//b"}, err: "bad maildir folder"},
		{spec: "maildir:/tmp/x", opt: Options{Folder: "../x"}, err: "bad maildir folder"},
		{spec: "mbox:/tmp/x", opt: Options{Folder: "A"}, err: "no folders"},
		{spec: "files:/tmp/x", opt: Options{Folder: "/abs"}, err: "relative"},
		{spec: "files:/tmp/x", opt: Options{Folder: "a/../../b"}, err: "bad folder"},
	} {
		t.Run(tc.spec+"/"+tc.opt.Folder, func(t *testing.T) {
			tg, err := Open(tc.spec, tc.opt)
			if tc.kind == "" {
				if err == nil || !errors.Is(err, ErrSpec) || !strings.Contains(err.Error(), tc.err) {
					t.Fatalf("Open(%q) = %v, want ErrSpec error containing %q", tc.spec, err, tc.err)
				}
				if strings.Contains(err.Error(), "secret") {
					t.Errorf("error shows the password: %v", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			var kind string
			switch x := tg.(type) {
			case *maildirTarget:
				kind = KindMaildir
			case *mboxTarget:
				kind = KindMbox
			case *fileTarget:
				kind = x.kind
			}
			if kind != tc.kind {
				t.Errorf("kind %s, want %s", kind, tc.kind)
			}
		})
	}
}

func TestSanitizeName(t *testing.T) {
	for in, want := range map[string]string{
		"Re: Wire instructions":    "Re_ Wire instructions",
		"  a/b\\c  \t d?.":         "a_b_c d_",
		"...":                      "",
		strings.Repeat("é", 100):   strings.Repeat("é", 60),
		"Q3 <draft> \"final\"|x*y": "Q3 _draft_ _final__x_y",
	} {
		if got := sanitizeName(in); got != want {
			t.Errorf("sanitizeName(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestEncodeFolder(t *testing.T) {
	for in, want := range map[string]string{
		"Archive/2024": "Archive.2024",
		"Entwürfe":     "Entw&APw-rfe",
		"R&D":          "R&-D",
	} {
		if got := encodeFolder(in); got != want {
			t.Errorf("encodeFolder(%q) = %q, want %q", in, got, want)
		}
	}
}
