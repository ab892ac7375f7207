package main

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/mailtrip/mailtrip/alert"
	"github.com/mailtrip/mailtrip/decoy"
	"github.com/mailtrip/mailtrip/event"
	"github.com/mailtrip/mailtrip/plant"
	"github.com/mailtrip/mailtrip/plant/imap"
	"github.com/mailtrip/mailtrip/store"
	"github.com/mailtrip/mailtrip/tripwire"
)

// imapFlags are the target access settings plant, verify and remove share:
// IMAP connection settings and the mbox lock wait.
type imapFlags struct {
	passwordFile  string
	insecure      bool
	tlsSkipVerify bool
	lockTimeout   time.Duration
}

// EnvIMAPPassword holds the IMAP password for imap:// and imaps:// targets.
const EnvIMAPPassword = "MAILTRIP_IMAP_PASSWORD"

func (f *imapFlags) register(fl *pflag.FlagSet) {
	fl.StringVar(&f.passwordFile, "password-file", "", "file holding the IMAP password (default $"+EnvIMAPPassword+")")
	fl.BoolVar(&f.insecure, "insecure", false, "allow imap:// without STARTTLS (the password crosses the network in clear)")
	fl.BoolVar(&f.tlsSkipVerify, "tls-skip-verify", false, "accept any IMAP server certificate (self-signed test servers)")
	fl.DurationVar(&f.lockTimeout, "lock-timeout", 20*time.Second, "how long to wait for an mbox another process holds locked")
}

// password finds the IMAP password: --password-file, then the
// environment, then the URL (accepted with a warning: it lands in shell
// history). It is never logged or stored.
func (a *app) imapPassword(u *url.URL, f *imapFlags) (string, error) {
	if f.passwordFile != "" {
		b, err := os.ReadFile(f.passwordFile)
		if err != nil {
			return "", usageError("--password-file: %v", err)
		}
		return strings.TrimRight(string(b), "\r\n"), nil
	}
	if p := os.Getenv(EnvIMAPPassword); p != "" {
		return p, nil
	}
	if p, ok := u.User.Password(); ok {
		fmt.Fprintf(a.stderr, "mailtrip: warning: the IMAP password is in the URL, so it is in your shell history; use $%s or --password-file\n", EnvIMAPPassword)
		return p, nil
	}
	return "", usageError("no IMAP password: set $%s or give --password-file", EnvIMAPPassword)
}

// openIMAP opens an imap:// or imaps:// target.
func (a *app) openIMAP(spec, folder string, create bool, f *imapFlags) (plant.Target, error) {
	u, err := url.Parse(spec)
	if err != nil || u.Host == "" || u.User == nil || u.User.Username() == "" {
		return nil, usageError("IMAP target must look like imaps://user@host[:port]/Folder")
	}
	if folder != "" {
		u.Path = "/" + folder
	}
	pw, err := a.imapPassword(u, f)
	if err != nil {
		return nil, err
	}
	t, err := imap.New(u, imap.Options{Password: pw, Insecure: f.insecure, TLSSkipVerify: f.tlsSkipVerify, Create: create})
	if err != nil {
		return nil, usageError("--to: %v", err)
	}
	return t, nil
}

// normalizeTarget turns a --to/--target spec into the form plantings
// record: an absolute path without the kind for file targets, the URL
// without password and with its port for IMAP.
func normalizeTarget(spec string) (string, error) {
	if isIMAP(spec) {
		u, err := url.Parse(spec)
		if err != nil {
			return "", err
		}
		// New only normalises here (it connects on first use), but it
		// wants a password: give it one that is never sent.
		t, err := imap.New(u, imap.Options{Password: "-"})
		if err != nil {
			return "", err
		}
		return t.String(), nil
	}
	_, path, ok := strings.Cut(spec, ":")
	if !ok {
		return "", fmt.Errorf("%q: want %s", spec, targetHelp)
	}
	return filepath.Abs(path)
}

func isIMAP(spec string) bool {
	return strings.HasPrefix(spec, "imap://") || strings.HasPrefix(spec, "imaps://")
}

type plantFlags struct {
	to     string
	folder string
	count  int
	seed   int64
	theme  string
	flags  string
	create bool
	dryRun bool
}

const targetHelp = "maildir:PATH, mbox:PATH, eml:DIR, files:DIR, imaps://user@host[:port]/Folder or imap://… (STARTTLS)"

func (a *app) decoyPlantCmd() *cobra.Command {
	var f plantFlags
	cmd := &cobra.Command{
		Use:   "plant --to TARGET",
		Short: "Generate decoys and plant them into a mailbox or as decoy files",
		Long: `plant generates new decoys (as generate does), puts each into the target and
records the planting in the store: enough to verify it later and to remove
exactly what was planted. Targets: ` + targetHelp + `.
Maildir delivery is atomic (tmp, then new/ or cur/ with --flags), mbox
appends under fcntl and dot locks with mboxrd quoting, eml and files write
whole files, IMAP appends with the decoy's date as internal date (STARTTLS
required on imap:// unless --insecure). Planting only ever adds; real
messages are never touched. The IMAP password comes from $` + EnvIMAPPassword + `,
--password-file or the URL (warned about); it is never logged or stored.`,
		Example: `  mailtrip decoy plant --to maildir:/home/alice/Maildir --folder Archive/2024 --count 3
  mailtrip decoy plant --to mbox:/var/mail/alice --flags S
  mailtrip decoy plant --to files:/srv/share/finance --dry-run
  MAILTRIP_IMAP_PASSWORD=... mailtrip decoy plant --to imaps://alice@mail.example.com/Archive --create`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error { return a.decoyPlant(cmd.Context(), &f) },
	}
	fl := cmd.Flags()
	fl.StringVar(&f.to, "to", "", "target: "+targetHelp)
	fl.StringVar(&f.folder, "folder", "", "Maildir folder (\"Archive/2024\") or sub-folder of files: (default INBOX / the root)")
	fl.IntVarP(&f.count, "count", "n", 1, "number of decoys")
	fl.Int64Var(&f.seed, "seed", 0, "content seed (default random, printed)")
	fl.StringVar(&f.theme, "theme", "", "theme (default chosen by seed)")
	fl.StringVar(&f.flags, "flags", "", "Maildir flags of the planted messages, e.g. S for seen (default: new, unseen)")
	fl.BoolVar(&f.create, "create", false, "create the folder, mbox file or directory when missing")
	fl.BoolVar(&f.dryRun, "dry-run", false, "generate and show what would be planted, without writing anything")
	_ = cmd.MarkFlagRequired("to")
	_ = cmd.RegisterFlagCompletionFunc("theme", completeValues(decoy.Themes()...))
	return cmd
}

func (a *app) decoyPlant(ctx context.Context, f *plantFlags) error {
	if err := checkCountTheme(f.count, f.theme); err != nil {
		return err
	}
	var target plant.Target
	var err error
	if isIMAP(f.to) {
		target, err = a.openIMAP(f.to, f.folder, f.create, &a.imap)
		if err != nil {
			return err
		}
	} else if target, err = plant.Open(f.to, plant.Options{Folder: f.folder, Create: f.create, LockTimeout: a.imap.lockTimeout}); err != nil {
		return usageError("--to: %v", err)
	}
	where := f.to
	if s, ok := target.(fmt.Stringer); ok {
		where = s.String() // never with a password
	}
	ds, err := a.startDecoys(ctx, f.seed)
	if err != nil {
		return err
	}
	defer ds.st.Close()
	seed, now, org, st, path, secret := ds.seed, ds.now, ds.org, ds.st, ds.path, ds.secret
	tw := tabwriter.NewWriter(a.stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "DECOY\tTHEME\tWHERE\tSUBJECT")
	// Mint and record every decoy first: a planted message whose tokens
	// the store does not know could never be traced back.
	var ms []*minted
	var msgs []plant.Message
	for i := range f.count {
		m, err := mintDecoy(secret, seed+int64(i), f.theme, org, a.cfg.Canary, now)
		if err != nil {
			return err
		}
		if f.dryRun {
			fmt.Fprintf(tw, "%s\t%s\t%s (dry run)\t%s\n", m.id, m.decoy.Theme, where, oneLine(m.decoy.Subject, 60))
			continue
		}
		if err := a.recordDecoy(ctx, st, m, org, now); err != nil {
			return err
		}
		ms = append(ms, m)
		msgs = append(msgs, plant.Message{DecoyID: m.id.String(), MessageID: m.decoy.MessageID,
			Subject: m.decoy.Subject, Raw: m.decoy.Raw, Date: m.decoy.Date, Flags: f.flags})
	}
	receipts, plantErr := plantAll(ctx, target, msgs)
	// Record what was planted, also when planting stopped part way.
	for i, r := range receipts {
		m := ms[i]
		if _, err := st.AddPlanting(ctx, plantingOf(m.id.String(), r, now)); err != nil {
			// The message is in the mailbox but not recorded: take it
			// out again so that nothing unrecorded stays behind.
			if rerr := target.Remove(ctx, r); rerr != nil {
				err = errors.Join(err, fmt.Errorf("and removing it again failed: %w; remove %s by hand", rerr, placeOf(r)))
			}
			tw.Flush()
			return fmt.Errorf("record planting of decoy %s: %w", m.id, err)
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", m.id, m.decoy.Theme, placeOf(r), oneLine(m.decoy.Subject, 60))
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	if plantErr != nil {
		return &exitError{code: exitInput, err: fmt.Errorf("plant into %s: %w (%d of %d planted)", where, plantErr, len(receipts), len(msgs))}
	}
	if !a.quiet && !f.dryRun {
		fmt.Fprintf(a.stderr, "mailtrip: planted %d decoy(s) into %s; recorded in %s\n", len(receipts), where, path)
	}
	return nil
}

// batchPlanter is a target that plants many messages over one connection
// (IMAP: one login for the lot instead of one per decoy).
type batchPlanter interface {
	PlantBatch(ctx context.Context, ms []plant.Message) ([]plant.Receipt, error)
}

// plantAll plants msgs in order and returns the receipts of those planted
// before any error.
func plantAll(ctx context.Context, t plant.Target, msgs []plant.Message) ([]plant.Receipt, error) {
	if b, ok := t.(batchPlanter); ok && len(msgs) > 1 {
		return b.PlantBatch(ctx, msgs)
	}
	var rs []plant.Receipt
	for _, m := range msgs {
		r, err := t.Plant(ctx, m)
		if err != nil {
			return rs, fmt.Errorf("decoy %s: %w", m.DecoyID, err)
		}
		rs = append(rs, r)
	}
	return rs, nil
}

// plantingOf turns a receipt into the store's record. An IMAP receipt
// carries the UID in Offset and UIDVALIDITY in Size (plant/imap); they go
// to the store's IMAP columns as well.
func plantingOf(decoyID string, r plant.Receipt, at time.Time) store.Planting {
	p := store.Planting{DecoyID: decoyID, TargetKind: r.Kind, Target: r.Target, Mailbox: r.Target, Folder: r.Folder,
		Path: r.Path, Offset: r.Offset, Size: r.Size, MessageID: r.MessageID, SHA256: r.SHA256, PlantedAt: at}
	if r.Kind == store.TargetIMAP {
		p.UID, p.UIDValidity = int64(imap.UID(r)), int64(imap.UIDValidity(r))
	}
	return p
}

// placeOf says where a receipt's message is, for people.
func placeOf(r plant.Receipt) string {
	switch r.Kind {
	case store.TargetIMAP:
		return fmt.Sprintf("%s/%s UID %d", r.Target, r.Folder, imap.UID(r))
	case store.TargetMbox:
		return fmt.Sprintf("%s@%d", r.Path, r.Offset)
	}
	return r.Path
}

// receiptOf turns the store's record back into a receipt.
func receiptOf(p store.Planting) plant.Receipt {
	return plant.Receipt{Kind: p.TargetKind, Target: p.Target, Folder: p.Folder, Path: p.Path, Offset: p.Offset,
		Size: p.Size, SHA256: p.SHA256, MessageID: p.MessageID}
}

// targetOf reopens the target a planting went into.
func (a *app) targetOf(p store.Planting) (plant.Target, error) {
	if p.TargetKind == store.TargetIMAP {
		return a.openIMAP(p.Target, "", false, &a.imap)
	}
	folder := p.Folder
	if p.TargetKind == store.TargetMaildir && folder == "INBOX" {
		folder = ""
	}
	return plant.Open(p.TargetKind+":"+p.Target, plant.Options{Folder: folder, LockTimeout: a.imap.lockTimeout})
}

// selectPlantings returns the active plantings of the decoys named (all
// when none are).
func selectPlantings(ctx context.Context, st *store.Store, ids []string, target string) ([]store.Planting, error) {
	if len(ids) == 0 {
		return st.Plantings(ctx, store.PlantingFilter{Active: true, Target: target})
	}
	var out []store.Planting
	for _, id := range ids {
		ps, err := st.Plantings(ctx, store.PlantingFilter{DecoyID: id, Active: true, Target: target})
		if err != nil {
			return nil, err
		}
		out = append(out, ps...)
	}
	return out, nil
}

func (a *app) decoyVerifyCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "verify [DECOY-ID...]",
		Short: "Check that planted decoys are still there and unchanged",
		Long: `verify looks at every active planting (or those of the decoys named) and
reports whether the decoy is still where it was planted, unmodified. A decoy
that was deleted, moved, edited or whose flags changed is a finding: it is
printed, stored as a high alert (rule mailtrip-decoy-tampered), and the exit
code is 1.`,
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			return a.withStore(ctx, func(st *store.Store) error {
				ps, err := selectPlantings(ctx, st, args, "")
				if err != nil {
					return err
				}
				tw := tabwriter.NewWriter(a.stdout, 0, 0, 2, ' ', 0)
				fmt.Fprintln(tw, "DECOY\tWHERE\tSTATE\tDETAIL")
				tampered, failed := 0, 0
				// Reading a planted file trips a running file trap: say in
				// the store that these reads are mailtrip's own.
				var windows []string
				for _, p := range ps {
					if p.File() != "" {
						for _, src := range []string{tripwire.TestSourceLocal, tripwire.TestSourcePID(os.Getpid())} {
							if err := st.StartDecoyTest(ctx, p.DecoyID, src, store.PurposeVerify, time.Now().Add(10*time.Minute)); err != nil {
								return err
							}
						}
						windows = append(windows, p.DecoyID)
					}
				}
				defer func() {
					for _, id := range windows {
						_ = st.EndDecoyTests(context.WithoutCancel(ctx), id, store.PurposeVerify)
					}
				}()
				for _, p := range ps {
					state, detail := "ok", ""
					t, err := a.targetOf(p)
					var s plant.Status
					if err == nil {
						s, err = t.Verify(ctx, receiptOf(p))
					}
					switch {
					case err != nil:
						state, detail = "error", err.Error()
						failed++
					case !s.Present || s.Modified || s.Moved != "" || s.FlagsChanged != "":
						state, detail = tamperState(s), s.Detail
						tampered++
						al := tamperAlert(p, s, state)
						if _, err := st.PutAlert(ctx, al); err != nil {
							return err
						}
					}
					fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", p.DecoyID, placeOf(receiptOf(p)), state, detail)
				}
				if err := tw.Flush(); err != nil {
					return err
				}
				switch {
				case failed > 0:
					return &exitError{code: exitInput, err: fmt.Errorf("%d planting(s) could not be checked", failed)}
				case tampered > 0:
					return &exitError{code: exitFindings, err: fmt.Errorf("%d of %d planted decoy(s) were tampered with", tampered, len(ps))}
				}
				if !a.quiet {
					fmt.Fprintf(a.stderr, "mailtrip: %d planted decoy(s) in place and unchanged\n", len(ps))
				}
				return nil
			})
		},
	}
	return cmd
}

func tamperState(s plant.Status) string {
	switch {
	case !s.Present && s.Moved == "" && !s.Modified:
		return "deleted"
	case s.Moved != "":
		return "moved"
	case s.Modified:
		return "modified"
	}
	return "flags-changed"
}

// tamperAlert is the finding for a decoy that is no longer as planted:
// someone opened the mailbox and handled the decoy.
func tamperAlert(p store.Planting, s plant.Status, state string) alert.Alert {
	rule := alert.Rule{ID: "mailtrip-decoy-tampered", Title: "Planted decoy tampered with", Level: alert.High,
		Tags: []string{alert.TagCollection, alert.TagT1114}}
	o := event.Origin{File: p.Path, Offset: p.Offset, RecordID: p.MessageID, Format: p.TargetKind}
	al := alert.New("decoy", rule, o, state, s.Moved, s.FlagsChanged)
	al.Time = time.Now().UTC()
	al.Summary = fmt.Sprintf("decoy %s planted in %s was %s", p.DecoyID, p.Target, state)
	al.Reasons = []string{s.Detail}
	al.Mailbox, al.Folder, al.MessageID = p.Mailbox, p.Folder, p.MessageID
	al.Decoy = &alert.Decoy{ID: p.DecoyID, Mailbox: p.Mailbox, Folder: p.Folder, Trigger: "verify:" + state}
	al.Evidence = map[string]any{"state": state, "moved_to": s.Moved, "flags": s.FlagsChanged, "planted_at": p.PlantedAt}
	return al
}

func (a *app) decoyRemoveCmd() *cobra.Command {
	var all bool
	var target string
	cmd := &cobra.Command{
		Use:   "remove (DECOY-ID... | --target TARGET | --all)",
		Short: "Remove exactly what was planted",
		Long: `remove takes planted decoys out of their mailboxes again, by decoy id, by
target, or all of them, and marks the plantings removed. Only the planted
bytes are removed (a Maildir file whose content changed is refused, an mbox
is rewritten without exactly the planted message). Removing what is already
gone is not an error.`,
		RunE: func(cmd *cobra.Command, args []string) error {
			if !all && target == "" && len(args) == 0 {
				return usageError("name decoy ids, --target or --all")
			}
			ctx := cmd.Context()
			return a.withStore(ctx, func(st *store.Store) error {
				if target != "" {
					var err error
					if target, err = normalizeTarget(target); err != nil {
						return usageError("--target: %v", err)
					}
				}
				ps, err := selectPlantings(ctx, st, args, target)
				if err != nil {
					return err
				}
				removed, failed := 0, 0
				for _, p := range ps {
					t, err := a.targetOf(p)
					if err == nil {
						err = t.Remove(ctx, receiptOf(p))
					}
					if err != nil {
						fmt.Fprintf(a.stderr, "mailtrip: decoy %s in %s: %v\n", p.DecoyID, placeOf(receiptOf(p)), err)
						failed++
						continue
					}
					if err := st.MarkRemoved(ctx, p.ID, time.Time{}); err != nil {
						return err
					}
					removed++
					fmt.Fprintf(a.stdout, "%s\t%s\tremoved\n", p.DecoyID, placeOf(receiptOf(p)))
				}
				if failed > 0 {
					return &exitError{code: exitInput, err: fmt.Errorf("%d of %d planting(s) could not be removed", failed, len(ps))}
				}
				if !a.quiet {
					fmt.Fprintf(a.stderr, "mailtrip: removed %d planted decoy(s)\n", removed)
				}
				return nil
			})
		},
	}
	cmd.Flags().BoolVar(&all, "all", false, "remove every planted decoy")
	cmd.Flags().StringVar(&target, "target", "", "remove the decoys planted into this target ("+targetHelp+")")
	return cmd
}
