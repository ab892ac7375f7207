package mailgen

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"io"
	"io/fs"
	"mime"
	"mime/multipart"
	"mime/quotedprintable"
	"net/mail"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// checkMessage parses raw with net/mail and walks its MIME tree with
// mime/multipart, decoding every leaf, recursing into message/rfc822.
func checkMessage(t *testing.T, raw []byte, where string, depth int) {
	t.Helper()
	msg, err := mail.ReadMessage(bytes.NewReader(raw))
	if err != nil {
		t.Fatalf("%s: net/mail: %v", where, err)
	}
	h := msg.Header
	if depth == 0 {
		for _, name := range []string{"From", "Date", "Message-ID", "MIME-Version", "Content-Type"} {
			if h.Get(name) == "" {
				t.Fatalf("%s: no %s header", where, name)
			}
		}
		if _, err := h.Date(); err != nil {
			t.Fatalf("%s: Date: %v", where, err)
		}
		dec := mail.AddressParser{WordDecoder: &mime.WordDecoder{}}
		if _, err := dec.Parse(h.Get("From")); err != nil {
			t.Fatalf("%s: From %q: %v", where, h.Get("From"), err)
		}
		if _, err := dec.ParseList(h.Get("To")); err != nil {
			t.Fatalf("%s: To %q: %v", where, h.Get("To"), err)
		}
		if _, err := (&mime.WordDecoder{}).DecodeHeader(h.Get("Subject")); err != nil {
			t.Fatalf("%s: Subject %q: %v", where, h.Get("Subject"), err)
		}
	}
	checkEntity(t, textprotoHeader(h), msg.Body, where, depth)
}

type getter interface{ Get(string) string }

type textprotoHeader mail.Header

func (h textprotoHeader) Get(k string) string { return mail.Header(h).Get(k) }

func checkEntity(t *testing.T, h getter, body io.Reader, where string, depth int) {
	t.Helper()
	ct := h.Get("Content-Type")
	if ct == "" {
		ct = "text/plain"
	}
	mt, params, err := mime.ParseMediaType(ct)
	if err != nil {
		t.Fatalf("%s: Content-Type %q: %v", where, ct, err)
	}
	if strings.HasPrefix(mt, "multipart/") {
		if params["boundary"] == "" {
			t.Fatalf("%s: %s without boundary", where, mt)
		}
		mr := multipart.NewReader(body, params["boundary"])
		n := 0
		for {
			p, err := mr.NextRawPart()
			if err == io.EOF {
				break
			}
			if err != nil {
				t.Fatalf("%s: part %d: %v", where, n, err)
			}
			checkEntity(t, p.Header, p, fmt.Sprintf("%s/%d", where, n), depth+1)
			n++
		}
		if n == 0 {
			t.Fatalf("%s: empty %s", where, mt)
		}
		return
	}
	var r io.Reader = body
	switch strings.ToLower(h.Get("Content-Transfer-Encoding")) {
	case "base64":
		r = base64.NewDecoder(base64.StdEncoding, body)
	case "quoted-printable":
		r = quotedprintable.NewReader(body)
	}
	data, err := io.ReadAll(r)
	if err != nil {
		t.Fatalf("%s: decode %s body: %v", where, mt, err)
	}
	if mt == "message/rfc822" {
		checkMessage(t, data, where+"/rfc822", depth+1)
	}
}

func TestMessagesParse(t *testing.T) {
	n := 2000
	if testing.Short() || RaceEnabled {
		n = 400
	}
	cfgs := map[string]Config{"default": {Seed: 7, Messages: n, NoLarge: true}}
	for _, s := range Scenarios {
		c := ScenarioConfig(s, 11, n/4)
		c.NoLarge = true
		cfgs[string(s)] = c
	}
	for name, cfg := range cfgs {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			g := New(cfg)
			seen := map[string]bool{}
			for i := 0; !g.Done(); i++ {
				raw, l := g.Next()
				where := fmt.Sprintf("message %d (%s/%s)", i, l.Class, l.Platform)
				checkMessage(t, raw, where, 0)
				if l.MessageID == "" || seen[l.MessageID] {
					t.Fatalf("%s: Message-ID %q empty or repeated", where, l.MessageID)
				}
				seen[l.MessageID] = true
				if bytes.IndexByte(raw, '\r') >= 0 {
					t.Fatalf("%s: CR in a generated message (writers add CRLF)", where)
				}
				for ln := range bytes.SplitSeq(raw, []byte("\n")) {
					if len(ln) > 998 {
						t.Fatalf("%s: line of %d bytes", where, len(ln))
					}
				}
			}
		})
	}
}

// TestEveryClassAndPlatform generates each class and platform at least once.
func TestEveryClassAndPlatform(t *testing.T) {
	cfg := Config{Seed: 3, Messages: 600, NoLarge: true, Mix: Mix{Normal: 1, Thread: 1, ManualForward: 1,
		AutoForward: 1, Redirect: 1, List: 1, Bounce: 1, AutoReply: 1, Calendar: 1, FwdSubject: 1}}
	g := New(cfg)
	classes, platforms, langsSeen := map[string]int{}, map[string]int{}, map[string]int{}
	for !g.Done() {
		_, l := g.Next()
		classes[l.Class]++
		if l.Platform != "" {
			platforms[l.Platform]++
		}
		if l.Class == ClassManualForward {
			langsSeen[l.Lang]++
		}
	}
	for _, c := range Classes {
		if classes[c] == 0 {
			t.Errorf("class %s never generated", c)
		}
	}
	for _, ps := range [][]string{ManualClients, AutoPlatforms, RedirectPlatforms} {
		for _, p := range ps {
			if platforms[p] == 0 {
				t.Errorf("platform %s never generated", p)
			}
		}
	}
	for _, l := range langs {
		if langsSeen[l.code] == 0 {
			t.Errorf("manual forwards in %s never generated", l.code)
		}
	}
}

func TestLabelCounts(t *testing.T) {
	for _, cfg := range []Config{
		{Seed: 1, Messages: 1000, NoLarge: true},
		ScenarioConfig(ScenarioHiddenRule, 2, 200),
		ScenarioConfig(ScenarioManualForwarder, 3, 200),
		ScenarioConfig(ScenarioNoForwards, 4, 200),
	} {
		cfg.NoLarge = true
		var buf bytes.Buffer
		labels, err := WriteMbox(&buf, cfg)
		if err != nil {
			t.Fatal(err)
		}
		if len(labels) != cfg.Messages {
			t.Fatalf("seed %d: %d labels, want %d", cfg.Seed, len(labels), cfg.Messages)
		}
		got := map[string]int{}
		for _, l := range labels {
			got[l.Class]++
		}
		want := Counts(cfg)
		// Expected from the mix: within one of weight × n (largest remainder).
		m := cfg.withDefaults().Mix
		w := m.weights()
		var sum float64
		for _, x := range w {
			sum += x
		}
		exp := map[string]float64{}
		for k, x := range w {
			exp[kind(k).class()] += x / sum * float64(cfg.Messages)
		}
		for _, c := range Classes {
			if got[c] != want[c] {
				t.Errorf("seed %d: %s: %d labels, Counts says %d", cfg.Seed, c, got[c], want[c])
			}
			if d := float64(got[c]) - exp[c]; d > 2 || d < -2 {
				t.Errorf("seed %d: %s: %d labels, mix gives %.1f", cfg.Seed, c, got[c], exp[c])
			}
		}
	}
}

func hashMbox(t *testing.T, cfg Config) string {
	t.Helper()
	h := sha256.New()
	if _, err := WriteMbox(h, cfg); err != nil {
		t.Fatal(err)
	}
	return hex.EncodeToString(h.Sum(nil))
}

func hashTree(t *testing.T, root string) string {
	t.Helper()
	h := sha256.New()
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(root, p)
		fmt.Fprintf(h, "%s\x00", rel)
		if d.Type().IsRegular() {
			b, err := os.ReadFile(p)
			if err != nil {
				return err
			}
			h.Write(b)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return hex.EncodeToString(h.Sum(nil))
}

func TestDeterminism(t *testing.T) {
	cfg := Config{Seed: 42, Messages: 300, LargeRate: 0.02}
	a, b := hashMbox(t, cfg), hashMbox(t, cfg)
	if a != b {
		t.Fatalf("same seed, different mbox: %s vs %s", a, b)
	}
	cfg.Seed = 43
	if c := hashMbox(t, cfg); c == a {
		t.Fatalf("different seeds, same mbox %s", c)
	}
	cfg.Seed = 42
	cfg.Messages = 150
	dirs := []string{t.TempDir(), t.TempDir()}
	for _, d := range dirs {
		if _, err := WriteMaildir(filepath.Join(d, "md"), cfg); err != nil {
			t.Fatal(err)
		}
		if _, err := WriteEMLDir(filepath.Join(d, "eml"), cfg); err != nil {
			t.Fatal(err)
		}
	}
	for _, sub := range []string{"md", "eml"} {
		if x, y := hashTree(t, filepath.Join(dirs[0], sub)), hashTree(t, filepath.Join(dirs[1], sub)); x != y {
			t.Errorf("%s: same seed, different trees: %s vs %s", sub, x, y)
		}
	}
}

// readMboxrd splits an mboxrd file into envelope lines and un-quoted
// messages.
func readMboxrd(t *testing.T, data []byte) (envs []string, msgs [][]byte) {
	t.Helper()
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	var cur []byte
	prevBlank := true
	for sc.Scan() {
		line := strings.TrimSuffix(sc.Text(), "\r")
		if strings.HasPrefix(line, "From ") {
			if !prevBlank {
				t.Fatalf("unquoted From line inside a message: %q", line)
			}
			if envs != nil {
				msgs = append(msgs, bytes.TrimSuffix(cur, []byte("\n")))
			}
			envs = append(envs, line)
			cur = nil
			prevBlank = false
			continue
		}
		if j := strings.IndexFunc(line, func(r rune) bool { return r != '>' }); j > 0 && strings.HasPrefix(line[j:], "From ") {
			line = line[1:]
		}
		cur = append(cur, line...)
		cur = append(cur, '\n')
		prevBlank = line == ""
	}
	if envs != nil {
		msgs = append(msgs, bytes.TrimSuffix(cur, []byte("\n")))
	}
	return envs, msgs
}

func TestMboxrdRoundTrip(t *testing.T) {
	for _, crlf := range []bool{false, true} {
		cfg := Config{Seed: 5, Messages: 400, NoLarge: true, CRLF: crlf}
		var buf bytes.Buffer
		labels, err := WriteMbox(&buf, cfg)
		if err != nil {
			t.Fatal(err)
		}
		data := buf.Bytes()
		if crlf && bytes.Count(data, []byte("\n")) != bytes.Count(data, []byte("\r\n")) {
			t.Fatal("CRLF mbox has bare LF")
		}
		envs, msgs := readMboxrd(t, data)
		if len(envs) != len(labels) {
			t.Fatalf("crlf=%v: %d envelope lines, %d labels", crlf, len(envs), len(labels))
		}
		g := New(cfg)
		quoted := 0
		for i := 0; !g.Done(); i++ {
			raw, l := g.Next()
			if !bytes.Equal(msgs[i], raw) {
				t.Fatalf("crlf=%v: message %d (%s) differs after un-quoting", crlf, i, l.Class)
			}
			if !bytes.HasPrefix(data[labels[i].Offset:], []byte("From ")) {
				t.Fatalf("label %d offset %d is not at a From line", i, labels[i].Offset)
			}
			quoted += bytes.Count(raw, []byte("\nFrom "))
		}
		if quoted == 0 {
			t.Error("no body line needed From-quoting; the test does not exercise mboxrd")
		}
	}
}

func TestMaildirLayout(t *testing.T) {
	root := filepath.Join(t.TempDir(), "Maildir")
	cfg := Config{Seed: 9, Messages: 200, NoLarge: true}
	labels, err := WriteMaildir(root, cfg)
	if err != nil {
		t.Fatal(err)
	}
	folders := map[string]bool{}
	var inNew, inCur int
	for _, l := range labels {
		folders[l.Folder] = true
		b, err := os.ReadFile(filepath.Join(root, l.File))
		if err != nil {
			t.Fatal(err)
		}
		if int64(len(b)) != l.Size || !strings.Contains(l.File, fmt.Sprintf(",S=%d", len(b))) {
			t.Fatalf("%s: size %d not in name", l.File, len(b))
		}
		switch filepath.Base(filepath.Dir(l.File)) {
		case "new":
			inNew++
			if strings.Contains(l.File, ":2,") {
				t.Fatalf("%s: info in new/", l.File)
			}
		case "cur":
			inCur++
			if !strings.Contains(l.File, ":2,") {
				t.Fatalf("%s: no info in cur/", l.File)
			}
		}
		checkMessage(t, b, l.File, 0)
	}
	if inNew == 0 || inCur == 0 || len(folders) < 3 {
		t.Fatalf("new=%d cur=%d folders=%v", inNew, inCur, folders)
	}
	for _, f := range cfg.withDefaults().Folders {
		if _, err := os.Stat(filepath.Join(root, f, "maildirfolder")); err != nil {
			t.Fatal(err)
		}
	}
}

func TestMaxBytes(t *testing.T) {
	var buf bytes.Buffer
	labels, err := WriteMbox(&buf, Config{Seed: 1, MaxBytes: 2 << 20, NoLarge: true})
	if err != nil {
		t.Fatal(err)
	}
	if buf.Len() < 2<<20 || buf.Len() > 2<<20+(1<<20) {
		t.Fatalf("MaxBytes 2 MiB wrote %d bytes", buf.Len())
	}
	if len(labels) < 10 {
		t.Fatalf("only %d messages", len(labels))
	}
}

func BenchmarkWriteMbox(b *testing.B) {
	var n int64
	for i := 0; b.Loop(); i++ {
		cw := &countWriter{}
		if _, err := WriteMbox(cw, Config{Seed: int64(i), MaxBytes: 64 << 20}); err != nil {
			b.Fatal(err)
		}
		n += cw.n
	}
	b.SetBytes(n / int64(max(b.N, 1)))
}

type countWriter struct{ n int64 }

func (c *countWriter) Write(p []byte) (int, error) { c.n += int64(len(p)); return len(p), nil }

func TestMessageByClass(t *testing.T) {
	g := New(Config{Seed: 12, NoLarge: true})
	for _, c := range Classes {
		for range 3 {
			raw, l := g.Message(c)
			if l.Class != c {
				t.Fatalf("Message(%q) labelled %q", c, l.Class)
			}
			checkMessage(t, raw, c, 0)
		}
	}
}
