package mailgen_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/mailtrip/mailtrip/alert"
	"github.com/mailtrip/mailtrip/detect/header"
	"github.com/mailtrip/mailtrip/event"
	"github.com/mailtrip/mailtrip/internal/mailgen"
	"github.com/mailtrip/mailtrip/mailfmt"
	mailheader "github.com/mailtrip/mailtrip/mailfmt/header"
	"github.com/mailtrip/mailtrip/mailfmt/maildir"
	"github.com/mailtrip/mailtrip/mailfmt/mbox"
)

// store is one generated mailbox of the ground-truth test.
type store struct {
	name     string
	format   string // mbox, maildir, eml
	cfg      mailgen.Config
	flagged  bool // the per-mailbox heuristic must flag it
	path     string
	labels   []mailgen.Label
	byID     map[string]mailgen.Label
	messages []*mailfmt.Message
	origins  []event.Origin
}

func (s *store) write(t *testing.T, dir string) {
	t.Helper()
	s.path = filepath.Join(dir, s.name)
	var err error
	switch s.format {
	case "mbox":
		f, ferr := os.Create(s.path)
		if ferr != nil {
			t.Fatal(ferr)
		}
		s.labels, err = mailgen.WriteMbox(f, s.cfg)
		if cerr := f.Close(); err == nil {
			err = cerr
		}
	case "maildir":
		s.labels, err = mailgen.WriteMaildir(s.path, s.cfg)
	case "eml":
		s.labels, err = mailgen.WriteEMLDir(s.path, s.cfg)
	}
	if err != nil {
		t.Fatalf("%s: %v", s.name, err)
	}
	s.byID = map[string]mailgen.Label{}
	for _, l := range s.labels {
		s.byID[l.MessageID] = l
	}
}

// read parses the store with the mailfmt readers: mbox.Reader, maildir.Walk
// with header.ReadMessage, header.ReadMessage for .eml files.
func (s *store) read(t *testing.T) {
	t.Helper()
	switch s.format {
	case "mbox":
		f, err := os.Open(s.path)
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		r := mbox.NewReader(f, mbox.Options{})
		for {
			m, err := r.Next()
			if errors.Is(err, io.EOF) {
				break
			}
			if err != nil {
				t.Fatalf("%s: mbox: %v", s.name, err)
			}
			s.messages = append(s.messages, m)
			s.origins = append(s.origins, event.Origin{File: s.path, Offset: m.Offset, Format: "mbox"})
		}
	case "maildir":
		// Through mailfmt/maildir.Walk, checking folder names, flags and
		// the S= size against what the writer recorded.
		byFile := map[string]mailgen.Label{}
		for _, l := range s.labels {
			byFile[filepath.Join(s.path, l.File)] = l
		}
		for e := range maildir.Walk(s.path) {
			if e.Err != nil {
				t.Fatalf("%s: maildir: %v", s.name, e.Err)
			}
			l, ok := byFile[e.Path]
			if !ok {
				t.Fatalf("%s: Walk found %s, which the writer did not write", s.name, e.Path)
			}
			wantFolder := "INBOX"
			if l.Folder != "" {
				wantFolder = strings.ReplaceAll(strings.TrimPrefix(l.Folder, "."), ".", "/")
			}
			if e.Folder != wantFolder || e.Info.Size != l.Size {
				t.Fatalf("%s: folder %q size %d, want %q %d", e.Path, e.Folder, e.Info.Size, wantFolder, l.Size)
			}
			f, err := os.Open(e.Path)
			if err != nil {
				t.Fatal(err)
			}
			m, err := mailheader.ReadMessage(f, mailfmt.Limits{})
			f.Close()
			if err != nil {
				t.Fatalf("%s: %v", e.Path, err)
			}
			m.Flags = e.Info.Flags
			s.messages = append(s.messages, m)
			s.origins = append(s.origins, event.Origin{File: e.Path, Format: "maildir"})
		}
	default:
		for _, l := range s.labels {
			p := filepath.Join(s.path, l.File)
			f, err := os.Open(p)
			if err != nil {
				t.Fatal(err)
			}
			m, err := mailheader.ReadMessage(f, mailfmt.Limits{})
			f.Close()
			if err != nil {
				t.Fatalf("%s: %v", p, err)
			}
			s.messages = append(s.messages, m)
			s.origins = append(s.origins, event.Origin{File: p, Format: s.format})
		}
	}
	if len(s.messages) != len(s.labels) {
		t.Fatalf("%s: read %d messages, wrote %d", s.name, len(s.messages), len(s.labels))
	}
}

// confusion counts per-message classification against the labels.
type confusion struct {
	tp, fp, fn, tn int
	fpByClass      map[string]int
	fnByPlatform   map[string]int
	kindMismatch   map[string]int // label redirect/auto-forward vs detector kind, by platform
	looks          map[string]int // LooksForwarded by class
	byClass        map[string]int
}

func TestGroundTruth(t *testing.T) {
	n := 500
	if testing.Short() || mailgen.RaceEnabled {
		n = 200
	}
	noLarge := func(c mailgen.Config) mailgen.Config { c.NoLarge = true; return c }
	crlf := noLarge(mailgen.Config{Seed: 104, Messages: n})
	crlf.CRLF = true
	stores := []*store{
		{name: "hidden-rule.mbox", format: "mbox", cfg: noLarge(mailgen.ScenarioConfig(mailgen.ScenarioHiddenRule, 101, n)), flagged: true},
		{name: "hidden-rule.maildir", format: "maildir", cfg: noLarge(mailgen.ScenarioConfig(mailgen.ScenarioHiddenRule, 105, n/2)), flagged: true},
		{name: "manual-forwarder.maildir", format: "maildir", cfg: noLarge(mailgen.ScenarioConfig(mailgen.ScenarioManualForwarder, 102, n))},
		{name: "manual-forwarder.mbox", format: "mbox", cfg: noLarge(mailgen.ScenarioConfig(mailgen.ScenarioManualForwarder, 106, n/2))},
		{name: "no-forwards.eml", format: "eml", cfg: noLarge(mailgen.ScenarioConfig(mailgen.ScenarioNoForwards, 103, n))},
		{name: "default-crlf.mbox", format: "mbox", cfg: crlf},
	}
	for _, p := range append(slices.Clone(mailgen.AutoPlatforms), mailgen.RedirectPlatforms...) {
		if len(wantRules[p]) == 0 {
			t.Fatalf("platform %s has no expected rules in wantRules", p)
		}
	}
	dir := t.TempDir()
	det := header.New(header.DefaultOptions)
	ctx := context.Background()
	total := confusion{fpByClass: map[string]int{}, fnByPlatform: map[string]int{}, kindMismatch: map[string]int{},
		looks: map[string]int{}, byClass: map[string]int{}}
	for _, s := range stores {
		s.write(t, dir)
		s.read(t)
		for i, m := range s.messages {
			id := strings.TrimSpace(m.Header.Get("Message-ID"))
			l, ok := s.byID[id]
			if !ok {
				t.Fatalf("%s: message %d: Message-ID %q not among the labels", s.name, i, id)
			}
			r := header.Classify(m, header.DefaultOptions)
			got, want := len(r.Auto) > 0, mailgen.IsForwarded(l.Class)
			total.byClass[l.Class]++
			if r.LooksForwarded() {
				total.looks[l.Class]++
			}
			switch {
			case got && want:
				total.tp++
				for _, rule := range wantRules[l.Platform] {
					if !slices.ContainsFunc(r.Auto, func(f header.Finding) bool { return f.Rule == rule }) {
						t.Errorf("%s: %s %s (%s): rule %s did not fire (fired: %s)", s.name, l.Class, l.Platform, id, rule, rules(r))
					}
				}
				if (l.Class == mailgen.ClassRedirect) != r.Redirected() {
					total.kindMismatch[l.Platform]++
				}
			case got && !want:
				total.fp++
				total.fpByClass[l.Class]++
				t.Errorf("%s: false positive: %s %s (%s) rules %v", s.name, l.Class, l.Platform, id, rules(r))
			case !got && want:
				total.fn++
				total.fnByPlatform[l.Platform]++
				t.Errorf("%s: missed %s %s (%s)", s.name, l.Class, l.Platform, id)
			default:
				total.tn++
			}
			e := &event.Event{Kind: event.KindMessage, Mailbox: s.path, Origin: s.origins[i], Message: m}
			if err := det.Detect(ctx, e, func(alert.Alert) {}); err != nil {
				t.Fatal(err)
			}
		}
	}
	var mailboxAlerts []string
	if err := det.Flush(ctx, func(a alert.Alert) {
		if a.Rule.ID == header.RuleIDUnmatchedForwarding {
			mailboxAlerts = append(mailboxAlerts, a.Mailbox)
		}
	}); err != nil {
		t.Fatal(err)
	}

	t.Logf("per message: TP %d  FP %d  FN %d  TN %d (auto-forward+redirect vs everything else)", total.tp, total.fp, total.fn, total.tn)
	if len(total.kindMismatch) > 0 {
		t.Logf("flagged, but auto-forward/redirect kind differs from the label (by platform): %v", total.kindMismatch)
	}
	for _, c := range mailgen.Classes {
		if total.byClass[c] > 0 {
			t.Logf("  %-22s %5d messages, %5d look forwarded by hand", c, total.byClass[c], total.looks[c])
		}
	}

	stats := det.Stats()
	var flagged, want []string
	for _, st := range stats {
		t.Logf("mailbox %-26s messages %4d auto %4d redirected %4d looks-forwarded %4d both %4d flagged %v",
			filepath.Base(st.Mailbox), st.Messages, st.AutoForwarded, st.Redirected, st.LooksForwarded, st.Both, st.Flagged)
		if st.Flagged {
			flagged = append(flagged, st.Mailbox)
		}
	}
	for _, s := range stores {
		if s.flagged {
			want = append(want, s.path)
		}
	}
	sort.Strings(want)
	if !slices.Equal(flagged, want) {
		t.Errorf("flagged mailboxes %v, want %v", flagged, want)
	}
	sort.Strings(mailboxAlerts)
	if !slices.Equal(mailboxAlerts, want) {
		t.Errorf("unmatched-forwarding alerts for %v, want %v", mailboxAlerts, want)
	}
}

// wantRules are the artifact rules of docs/forwarding-artifacts.md that
// each generated platform's copies must trigger (others may fire too, such
// as delivered-to-chain when the source system records Delivered-To).
var wantRules = map[string][]string{
	"exchange-forward":   {header.RuleExchangeAutoForwarded, header.RuleExchangeInboxRulesLoop},
	"exchange-mailbox":   {header.RuleExchangeAutoForwarded, header.RuleExchangeForwardingLoop},
	"exchange-transport": {header.RuleExchangeTransportRuleLoop},
	"gmail":              {header.RuleGmailForwardedTo, header.RuleGmailCAFEnvelope, header.RuleDeliveredToChain},
	"mailfwdby":          {header.RuleMailFwdBy},
	"srs":                {header.RuleSRSReturnPath},
	"delivery":           {header.RuleDeliveredToChain},
	"exchange-redirect":  {header.RuleExchangeAutoForwarded, header.RuleExchangeInboxRulesLoop},
	"sieve":              {header.RuleSieveRedirectedFrom},
	"zimbra":             {header.RuleZimbraForwarded},
	"rfc5322":            {header.RuleResentBlock},
}

func rules(r header.Result) string {
	var s []string
	for _, f := range r.Auto {
		s = append(s, fmt.Sprintf("%s(%s)", f.Rule, f.Kind))
	}
	return strings.Join(s, ",")
}
