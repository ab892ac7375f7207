package main

import (
	"bufio"
	"context"
	crand "crypto/rand"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/mailtrip/mailtrip/config"
	"github.com/mailtrip/mailtrip/decoy"
	"github.com/mailtrip/mailtrip/store"
	"github.com/mailtrip/mailtrip/token"
)

func (a *app) decoyCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "decoy",
		Short: "Generate and manage decoy emails carrying honeytokens",
		Long: `decoy makes realistic, enticing decoy emails (payments, credentials, payroll,
M&A, ...) for the organisation in the configuration (org:), each carrying
unique breadcrumbs: links and an image under canary.base_url, a host name in
canary.dns_zone, a canary address in canary.mail_domain, and decoy
credentials. Every decoy and its tokens are recorded in the store, so a
touched breadcrumb can be traced back to the decoy.

The built-in canary settings point at loopback (` + config.DefaultCanaryBaseURL + `,
zone ` + config.DefaultCanaryZone + `): fine for trying things on one machine, useless
in a real mailbox. mailtrip warns when decoys carry them.`,
	}
	a.imap.register(cmd.PersistentFlags())
	cmd.PersistentFlags().StringVar(&a.dbFlag, "db", "", "store file (default $MAILTRIP_DB, store: in the config, or $XDG_STATE_HOME/mailtrip/mailtrip.db)")
	cmd.AddCommand(a.decoyGenerateCmd(), a.decoyPlantCmd(), a.decoyListCmd(), a.decoyShowCmd(), a.decoyVerifyCmd(), a.decoyTestCmd(), a.decoyRemoveCmd())
	return cmd
}

type generateFlags struct {
	count  int
	seed   int64
	theme  string
	outDir string
}

func (a *app) decoyGenerateCmd() *cobra.Command {
	var f generateFlags
	cmd := &cobra.Command{
		Use:   "generate",
		Short: "Generate decoys and record them in the store",
		Long: `generate writes decoy emails: one message to stdout, several as an mbox to
stdout, or one .eml file per decoy with --out DIR. Each decoy is recorded in
the store with its tokens. --seed makes the content reproducible (decoy i
of a run uses seed+i); without it a random seed is chosen and printed.
Themes: ` + strings.Join(decoy.Themes(), ", ") + `.`,
		Example: `  mailtrip decoy generate --theme payments
  mailtrip decoy generate --count 20 --seed 7 --out ./decoys`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error { return a.decoyGenerate(cmd.Context(), &f) },
	}
	cmd.Flags().IntVarP(&f.count, "count", "n", 1, "number of decoys")
	cmd.Flags().Int64Var(&f.seed, "seed", 0, "content seed (default random, printed)")
	cmd.Flags().StringVar(&f.theme, "theme", "", "theme (default chosen by seed): "+strings.Join(decoy.Themes(), ", "))
	cmd.Flags().StringVarP(&f.outDir, "out", "o", "", "write one .eml file per decoy into DIR instead of stdout")
	_ = cmd.RegisterFlagCompletionFunc("theme", completeValues(decoy.Themes()...))
	return cmd
}

// orgFromConfig builds the decoy organisation: the built-in fictional one,
// overridden by what the configuration sets.
func orgFromConfig(c config.Org, now time.Time) decoy.Org {
	org := decoy.DefaultOrg()
	if c.Name != "" {
		org.Name = c.Name
	}
	if c.Domain != "" {
		org.Domain = c.Domain
		if len(c.MailServers) == 0 {
			org.MailServers = []string{"mx1." + c.Domain, "mail." + c.Domain}
		}
	}
	if len(c.MailServers) > 0 {
		org.MailServers = c.MailServers
	}
	if len(c.Departments) > 0 {
		org.Departments = c.Departments
	}
	if c.TimeZone != "" {
		org.TimeZone = c.TimeZone
	}
	if c.HistoryDays > 0 || c.Domain != "" {
		days := c.HistoryDays
		if days == 0 {
			days = 730
		}
		org.History = decoy.History{From: now.AddDate(0, 0, -days), To: now}
	}
	for _, p := range c.People {
		org.People = append(org.People, decoy.Person{Name: p.Name, Title: p.Title, Department: p.Department, Email: p.Email, Phone: p.Phone})
	}
	return org
}

// loopbackCanary reports why breadcrumbs would point nowhere useful.
func loopbackCanary(c config.Canary) []string {
	var why []string
	if u, err := url.Parse(c.BaseURL); err == nil {
		host := u.Hostname()
		if host == "localhost" || strings.HasSuffix(host, ".localhost") {
			why = append(why, "canary.base_url "+c.BaseURL+" is loopback")
		} else if ip := net.ParseIP(host); ip != nil && ip.IsLoopback() {
			why = append(why, "canary.base_url "+c.BaseURL+" is loopback")
		}
	}
	for _, z := range []struct{ name, v string }{{"canary.dns_zone", c.DNSZone}, {"canary.mail_domain", c.MailDomain}} {
		if z.v == "" || z.v == "localhost" || strings.HasSuffix(z.v, ".localhost") {
			why = append(why, z.name+" "+z.v+" does not resolve outside this machine")
		}
	}
	return why
}

// minted is one decoy with the tokens it carries.
type minted struct {
	id     token.ID
	seed   int64
	decoy  *decoy.Decoy
	tokens []store.TokenRecord
}

// mintDecoy derives the breadcrumbs of a new decoy from the store's
// secret and generates its message.
func mintDecoy(secret []byte, seed int64, theme string, org decoy.Org, canary config.Canary, now time.Time) (*minted, error) {
	id, err := token.New()
	if err != nil {
		return nil, err
	}
	base, err := url.Parse(canary.BaseURL)
	if err != nil {
		return nil, fmt.Errorf("canary.base_url: %w", err)
	}
	// The encoders draw from their own stream of the seed and the decoy
	// id (both recorded), so a decoy can be regenerated exactly.
	// The stream depends on the decoy id too: two decoys made from one
	// seed must not share a credential or a breadcrumb shape.
	r := rand.New(rand.NewPCG(uint64(seed), binary.LittleEndian.Uint64(id[:8])))
	var toks []store.TokenRecord
	sub := func(k token.Kind, n int) token.SubID { return token.Derive(secret, id, k, n) }
	add := func(k token.Kind, s token.SubID, value, password string) {
		toks = append(toks, store.TokenRecord{Sub: string(s), DecoyID: id.String(), Kind: string(k), Value: value, Password: password})
	}
	// The theme is settled first so that links name documents that fit it.
	if theme == "" {
		theme = decoy.ThemeFor(seed)
	}
	docs := decoy.DocNames(theme)
	var crumbs decoy.Breadcrumbs
	for n := range 2 {
		s := sub(token.KindURL, n)
		name := ""
		if len(docs) > 0 {
			name = docs[r.IntN(len(docs))]
		}
		link := token.URLNamed(base, s, token.KindURL, name, r)
		crumbs.Links = append(crumbs.Links, link)
		add(token.KindURL, s, link, "")
	}
	if s := sub(token.KindImage, 0); true {
		crumbs.ImageURL = token.URL(base, s, token.KindImage, r)
		add(token.KindImage, s, crumbs.ImageURL, "")
	}
	sDNS := sub(token.KindDNS, 0)
	if crumbs.Host, err = token.DNSName(sDNS, canary.DNSZone, r); err != nil {
		return nil, fmt.Errorf("canary.dns_zone: %w", err)
	}
	add(token.KindDNS, sDNS, crumbs.Host, "")
	sMail := sub(token.KindEmail, 0)
	if crumbs.CanaryAddress, err = token.Address(sMail, canary.MailDomain, r); err != nil {
		return nil, fmt.Errorf("canary.mail_domain: %w", err)
	}
	add(token.KindEmail, sMail, crumbs.CanaryAddress, "")
	crumbs.CredUser, crumbs.CredPassword = token.Credential(r, "")
	crumbs.CredService = crumbs.Host
	sMsg := sub(token.KindMessageID, 0)
	crumbs.MessageIDKey = string(sMsg)
	add(token.KindCredential, sub(token.KindCredential, 0), crumbs.CredUser, crumbs.CredPassword)

	d, err := decoy.Generate(decoy.Options{Seed: seed, Theme: theme, Org: org, Crumbs: crumbs, Now: now})
	if err != nil {
		return nil, err
	}
	add(token.KindMessageID, sMsg, d.MessageID, "")
	return &minted{id: id, seed: seed, decoy: d, tokens: toks}, nil
}

func (a *app) decoyGenerate(ctx context.Context, f *generateFlags) error {
	if err := checkCountTheme(f.count, f.theme); err != nil {
		return err
	}
	ds, err := a.startDecoys(ctx, f.seed)
	if err != nil {
		return err
	}
	defer ds.st.Close()
	seed, now, org, st, path, secret := ds.seed, ds.now, ds.org, ds.st, ds.path, ds.secret
	if f.outDir != "" {
		if err := os.MkdirAll(f.outDir, 0o755); err != nil {
			return usageError("--out: %v", err)
		}
	}
	w := bufio.NewWriter(a.stdout)
	for i := range f.count {
		m, err := mintDecoy(secret, seed+int64(i), f.theme, org, a.cfg.Canary, now)
		if err != nil {
			return err
		}
		if err := a.recordDecoy(ctx, st, m, org, now); err != nil {
			return err
		}
		switch {
		case f.outDir != "":
			p := filepath.Join(f.outDir, m.id.String()+".eml")
			if err := os.WriteFile(p, m.decoy.Raw, 0o644); err != nil {
				return err
			}
			fmt.Fprintf(w, "%s\t%s\t%s\n", m.id, p, m.decoy.Subject)
		case f.count == 1:
			w.Write(m.decoy.Raw)
		default:
			writeMboxMessage(w, m.decoy.From, m.decoy.Date, m.decoy.Raw)
		}
	}
	if err := w.Flush(); err != nil {
		return err
	}
	if !a.quiet {
		fmt.Fprintf(a.stderr, "mailtrip: %d decoy(s) recorded in %s\n", f.count, path)
	}
	return nil
}

// checkCountTheme validates --count and --theme.
func checkCountTheme(count int, theme string) error {
	if count < 1 {
		return usageError("--count must be at least 1")
	}
	if theme != "" && !slices.Contains(decoy.Themes(), theme) {
		return usageError("--theme %q: want one of %s", theme, strings.Join(decoy.Themes(), ", "))
	}
	return nil
}

// decoyRun is what making decoys needs: the content seed, the time, the
// organisation, and the open store with its secret.
type decoyRun struct {
	seed   int64
	now    time.Time
	org    decoy.Org
	st     *store.Store
	path   string
	secret []byte
}

// startDecoys prepares a run of decoy generation: picks the seed, builds
// and checks the organisation, warns about loopback breadcrumbs and opens
// the store. The caller closes ds.st.
func (a *app) startDecoys(ctx context.Context, seed int64) (*decoyRun, error) {
	if seed == 0 {
		seed = a.randomSeed()
	}
	ds := &decoyRun{seed: seed, now: time.Now().UTC()}
	ds.org = orgFromConfig(a.cfg.Org, ds.now)
	if err := ds.org.Validate(); err != nil {
		return nil, usageError("org: %v", err)
	}
	a.warnLoopback()
	st, path, err := a.openStore(ctx)
	if err != nil {
		return nil, err
	}
	if ds.secret, err = st.Secret(ctx); err != nil {
		st.Close()
		return nil, fmt.Errorf("store %s: %w", path, err)
	}
	ds.st, ds.path = st, path
	return ds, nil
}

// recordDecoy stores a minted decoy and its tokens.
func (a *app) recordDecoy(ctx context.Context, st *store.Store, m *minted, org decoy.Org, now time.Time) error {
	profile, _ := json.Marshal(map[string]any{"org": org.Name, "domain": org.Domain, "canary": a.cfg.Canary})
	rec := store.Decoy{ID: m.id.String(), CreatedAt: now, Seed: m.seed, Theme: m.decoy.Theme, Subject: m.decoy.Subject,
		From: m.decoy.From, MessageID: m.decoy.MessageID, Raw: m.decoy.Raw, Profile: profile}
	if err := st.PutDecoy(ctx, rec, m.tokens); err != nil {
		return fmt.Errorf("record decoy: %w", err)
	}
	return nil
}

// randomSeed picks a content seed and says which, so the run can be
// repeated.
func (a *app) randomSeed() int64 {
	var b [8]byte
	_, _ = crand.Read(b[:])
	seed := int64(binary.LittleEndian.Uint64(b[:]) >> 1)
	if !a.quiet {
		fmt.Fprintf(a.stderr, "mailtrip: seed %d (give --seed %d to generate the same content again)\n", seed, seed)
	}
	return seed
}

// warnLoopback warns loudly when breadcrumbs would point at this machine.
func (a *app) warnLoopback() {
	for _, why := range loopbackCanary(a.cfg.Canary) {
		fmt.Fprintf(a.stderr, "mailtrip: WARNING: %s: these decoys are for testing on this machine only; set canary: in the configuration before planting them in a real mailbox\n", why)
	}
}

// writeMboxMessage writes raw as one mboxrd message: a From_ line, the
// message with CRLF turned to LF and "From " lines quoted, a blank line.
func writeMboxMessage(w io.Writer, from string, date time.Time, raw []byte) {
	fmt.Fprintf(w, "From %s %s\n", from, date.UTC().Format("Mon Jan _2 15:04:05 2006"))
	text := strings.ReplaceAll(string(raw), "\r\n", "\n")
	for line := range strings.SplitAfterSeq(text, "\n") {
		if strings.HasPrefix(strings.TrimLeft(line, ">"), "From ") {
			io.WriteString(w, ">")
		}
		io.WriteString(w, line)
	}
	if !strings.HasSuffix(text, "\n") {
		io.WriteString(w, "\n")
	}
	io.WriteString(w, "\n")
}

func (a *app) decoyListCmd() *cobra.Command {
	var format string
	var limit int
	cmd := &cobra.Command{
		Use:   "list",
		Short: "List the decoys in the store",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			ctx := cmd.Context()
			return a.withStore(ctx, func(st *store.Store) error {
				ds, err := st.Decoys(ctx, store.DecoyFilter{Limit: limit})
				if err != nil {
					return err
				}
				switch format {
				case "jsonl":
					enc := json.NewEncoder(a.stdout)
					for _, d := range ds {
						if err := enc.Encode(map[string]any{"id": d.ID, "created_at": d.CreatedAt, "seed": d.Seed, "theme": d.Theme,
							"subject": d.Subject, "from": d.From, "message_id": d.MessageID, "sha256": d.SHA256}); err != nil {
							return err
						}
					}
					return nil
				case "table", "":
					tw := tabwriter.NewWriter(a.stdout, 0, 0, 2, ' ', 0)
					fmt.Fprintln(tw, "ID\tCREATED\tTHEME\tSUBJECT\tMESSAGE-ID")
					for _, d := range ds {
						fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", d.ID, d.CreatedAt.UTC().Format(time.DateOnly), d.Theme, oneLine(d.Subject, 60), d.MessageID)
					}
					return tw.Flush()
				}
				return usageError("--format %q: want table or jsonl", format)
			})
		},
	}
	cmd.Flags().StringVar(&format, "format", "table", "output format: table or jsonl")
	cmd.Flags().IntVar(&limit, "limit", 0, "list at most N decoys, newest first (0 = all)")
	_ = cmd.RegisterFlagCompletionFunc("format", completeValues("table", "jsonl"))
	return cmd
}
