package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/spf13/cobra"

	"github.com/mailtrip/mailtrip/alert"
	"github.com/mailtrip/mailtrip/detect"
	"github.com/mailtrip/mailtrip/detect/header"
	"github.com/mailtrip/mailtrip/detect/planted"
	"github.com/mailtrip/mailtrip/ingest"
	"github.com/mailtrip/mailtrip/internal/gcpolicy"
	"github.com/mailtrip/mailtrip/mailfmt"
	"github.com/mailtrip/mailtrip/pipeline"
	"github.com/mailtrip/mailtrip/store"
)

type scanFlags struct {
	format          string
	inputFormat     string
	out             string
	failOn          string
	internalDomains []string
	workers         int
	minAuto         int
	maxRatio        float64
	progress        string
	db              string
	rules           []string
	ruleMappings    []string
	state           bool
	noBuiltinRules  bool
	follow          bool
	flushEvery      time.Duration
	geoip           []string
}

func (a *app) scanCmd() *cobra.Command {
	var f scanFlags
	env := a.env
	var where strings.Builder
	for _, c := range env.Candidates() {
		fmt.Fprintf(&where, "  %-28s %s\n", c.What, c.Path)
	}
	cmd := &cobra.Command{
		Use:   "scan [PATH...]",
		Short: "Detect email collection in mail stores, logs and Windows event logs",
		Long: `scan reads mail stores and logs and reports email collection (MITRE ATT&CK
T1114): messages that left a mailbox through automatic forwarding or
redirection (Exchange, Gmail, Sieve, Resent-*, SRS, Delivered-To chains),
mailboxes with many auto-forwarded messages but few that look forwarded by
a person; inbox and forwarding rules, mailbox permissions and transport
rules in audit logs; mailbox-access and sign-in anomalies; and whatever the
built-in Sigma pack and --rules find in event logs.

PATH may be an .eml file, a folder of them (read recursively), an mbox file
(also gzip-compressed), a Maildir/Maildir++ root, a log (Microsoft 365 /
Entra / Exchange, Google Workspace, Sieve, .forward, procmail, Dovecot,
Postfix, Roundcube, IIS, any JSON, JSON Lines or CSV), a Windows .evtx file,
or - for standard input; the format is recognised from the content
(--input-format forces it). Standard input is read as it arrives, so
"tail -F mail.log | mailtrip scan -" reports as lines come; an EVTX file
on it is copied to a temporary file first. A Maildir root, an mbox file,
a folder of .eml files and a log file are each one mailbox. Files inside
a folder that are neither mail nor logs are skipped and counted.

With no PATH, scan looks in the standard local mail-store locations and
says what it scanned (Outlook .pst/.ost files are listed but must be
converted first, e.g. readpst -M):
` + where.String() + `
Decoys that mailtrip planted (recorded in the store, read-only here) are
recognised: where they were planted they are left out of the forwarding
heuristics; found anywhere else — by Message-ID, or by a breadcrumb inside
another message — they raise a high alert naming the decoy.

Output goes to stdout: a table on a terminal, JSON Lines otherwise. scan
never writes to the store.`,
		Example: `  mailtrip scan                          # the standard local mail stores
  mailtrip scan ~/Maildir export.mbox.gz  # named stores
  mailtrip scan --format jsonl --out alerts.jsonl --internal-domain example.com /srv/journal`,
		RunE: func(cmd *cobra.Command, args []string) error {
			return a.scan(cmd, args, &f, env)
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&f.format, "format", "", "output format: table, jsonl or json (default table on a terminal, jsonl otherwise)")
	fl.StringVar(&f.inputFormat, "input-format", "auto", "force the input format: auto, eml, mbox, maildir, log or evtx")
	fl.StringVarP(&f.out, "out", "o", "", "write results to FILE instead of stdout")
	fl.StringVar(&f.failOn, "fail-on", "", "exit 1 when an alert has this level or higher: informational, low, medium, high, critical or none (default medium)")
	fl.StringSliceVar(&f.internalDomains, "internal-domain", nil, "the organisation's mail domain (repeatable); forwarding elsewhere is external")
	fl.IntVar(&f.workers, "workers", 0, "parallel readers (default one per CPU)")
	fl.IntVar(&f.minAuto, "min-auto-forwarded", 0, "auto-forwarded messages a mailbox needs before the volume heuristic judges it")
	fl.Float64Var(&f.maxRatio, "max-looks-forwarded-ratio", 0, "flag a mailbox when forwarded-looking messages are fewer than this fraction of its auto-forwarded ones")
	fl.StringVar(&f.progress, "progress", "auto", "progress bar on stderr: auto (on a terminal), always or never")
	fl.StringSliceVar(&f.rules, "rules", nil, "also run the Sigma rules in DIR on log records (repeatable)")
	fl.StringSliceVar(&f.ruleMappings, "rules-mapping", nil, "Sigma logsource and field mapping file (YAML, docs/sigma.md) for logs the built-in mappings do not know (repeatable)")
	fl.BoolVar(&f.follow, "follow", false, "keep reading log files as they grow (tail -F: across rotation, and a log not there yet once it appears), and standard input (-) to its end, until interrupted; alerts stream as JSON Lines")
	fl.DurationVar(&f.flushEvery, "flush-every", time.Minute, "with --follow: how often the baseline detections judge the records that later input can no longer change (those an hour older than the newest)")
	fl.BoolVar(&f.noBuiltinRules, "no-builtin-rules", false, "do not run the built-in Sigma rule pack (mailtrip rules list shows it)")
	fl.BoolVar(&f.state, "state", false, "use the store: keep sign-in and access baselines across scans, and report only alerts not reported before")
	fl.StringSliceVar(&f.geoip, "geoip", nil, "MaxMind .mmdb file (City or Country, and ASN; repeatable) for new-country and impossible-travel checks")
	fl.StringVar(&f.db, "db", "", "store whose decoys scan recognises, read-only (default $MAILTRIP_DB, store: in the config, or $XDG_STATE_HOME/mailtrip/mailtrip.db when it exists)")
	_ = cmd.RegisterFlagCompletionFunc("format", completeValues("table", "jsonl", "json"))
	_ = cmd.RegisterFlagCompletionFunc("input-format", completeValues("auto", "eml", "mbox", "maildir", "log", "evtx"))
	_ = cmd.RegisterFlagCompletionFunc("fail-on", completeValues("informational", "low", "medium", "high", "critical", "none"))
	_ = cmd.RegisterFlagCompletionFunc("progress", completeValues("auto", "always", "never"))
	return cmd
}

func (a *app) scan(cmd *cobra.Command, args []string, f *scanFlags, env ingest.Env) error {
	ctx := cmd.Context()
	inFormat, err := ingest.ParseFormat(f.inputFormat)
	if err != nil {
		return usageError("--input-format: %v", err)
	}
	failOn := a.cfg.Scan.FailOn
	if f.failOn != "" {
		failOn = f.failOn
	}
	threshold, never, err := parseFailOn(failOn)
	if err != nil {
		return usageError("--fail-on: %v", err)
	}
	if f.workers < 0 {
		return usageError("--workers: %d is negative", f.workers)
	}
	if f.maxRatio < 0 || f.maxRatio > 1 {
		return usageError("--max-looks-forwarded-ratio: %v is outside 0..1", f.maxRatio)
	}
	progress, err := wantProgress(f.progress, a.stderr, a.quiet)
	if err != nil {
		return err
	}

	out, closeOut, err := a.openOut(f.out)
	if err != nil {
		return err
	}
	if f.follow {
		if len(args) == 0 {
			return usageError("--follow needs the log files or folders to follow")
		}
		if f.format != "" && f.format != "jsonl" {
			return usageError("--follow streams alerts as JSON Lines; --format %s collects them until the end", f.format)
		}
		if f.flushEvery <= 0 {
			return usageError("--flush-every: %v is not positive", f.flushEvery)
		}
	}
	format := f.format
	if format == "" {
		format = "jsonl"
		if f.out == "" && isTerminal(a.stdout) && !f.follow {
			format = "table"
		}
	}
	w, err := newAlertWriter(format, out)
	if jw, ok := w.(*jsonlWriter); ok && (f.follow || slices.Contains(args, "-")) {
		jw.flush = true // alerts stream as the input does
	}
	if err != nil {
		closeOut()
		return err
	}

	// With no PATH, scan the standard locations that exist.
	paths := args
	var outlook []string
	if len(paths) == 0 {
		locs := env.DefaultLocations()
		if !a.quiet {
			if len(locs) == 0 {
				fmt.Fprintln(a.stderr, "mailtrip: no local mail stores found; looked in:")
				for _, c := range env.Candidates() {
					fmt.Fprintf(a.stderr, "  %-28s %s\n", c.What, c.Path)
				}
				fmt.Fprintln(a.stderr, "Name a mail store to scan: mailtrip scan PATH...")
			} else {
				fmt.Fprintln(a.stderr, "mailtrip: scanning the standard local mail stores:")
			}
		}
		for _, l := range locs {
			if l.Outlook {
				outlook = append(outlook, l.Path)
				continue
			}
			paths = append(paths, l.Path)
			if !a.quiet {
				fmt.Fprintf(a.stderr, "  %-28s %s\n", l.What, l.Path)
			}
		}
		if len(outlook) > 0 && !a.quiet {
			fmt.Fprintln(a.stderr, "mailtrip: Outlook data files found (not read; convert with readpst -M from pst-utils, then scan the output):")
			for _, p := range outlook {
				fmt.Fprintf(a.stderr, "  %s\n", p)
			}
		}
	}

	hopt := header.DefaultOptions
	hopt.InternalDomains = append(append([]string(nil), a.cfg.InternalDomains...), f.internalDomains...)
	if a.cfg.Header.MinAutoForwarded > 0 {
		hopt.MinAutoForwarded = a.cfg.Header.MinAutoForwarded
	}
	if a.cfg.Header.MaxLooksForwardedRatio > 0 {
		hopt.MaxLooksForwardedRatio = a.cfg.Header.MaxLooksForwardedRatio
	}
	if f.minAuto > 0 {
		hopt.MinAutoForwarded = f.minAuto
	}
	if f.maxRatio > 0 {
		hopt.MaxLooksForwardedRatio = f.maxRatio
	}
	hdet := header.New(hopt)
	var st *store.Store
	var reg *planted.Registry
	if f.state {
		a.dbFlag = f.db
		var err error
		if st, _, err = a.openStore(ctx); err != nil {
			closeOut()
			return err
		}
		defer st.Close()
		if reg, err = registryOf(ctx, st); err != nil {
			closeOut()
			return err
		}
	} else {
		var err error
		reg, err = a.loadDecoys(ctx, f.db)
		if err != nil {
			if f.db != "" {
				closeOut()
				return usageError("--db: %v", err)
			}
			fmt.Fprintf(a.stderr, "mailtrip: warning: decoys are not recognised in this scan: %v\n", err)
		}
	}
	decoys := newDecoyIndex(reg)
	logDets, err := a.logDetectors(!f.noBuiltinRules, append(append([]string(nil), a.cfg.Scan.Rules...), f.rules...), f.ruleMappings, hopt.InternalDomains, decoys)
	if err != nil {
		closeOut()
		return err
	}
	bdet, closeGeo, err := a.baselineDetector(st, decoys, append(append([]string(nil), a.cfg.Scan.GeoIP...), f.geoip...))
	if err != nil {
		closeOut()
		return err
	}
	defer closeGeo()
	defer gcpolicy.Scan()()
	detectors := append([]detect.Detector{hdet}, logDets...)
	detectors = append(detectors, bdet)
	if reg != nil && reg.Len() > 0 {
		// First: it marks planted decoys, which the header detector
		// then leaves out of the mailbox's counts.
		detectors = append([]detect.Detector{planted.New(reg)}, detectors...)
	}

	run := &inputRun{
		stdin:    a.stdin,
		paths:    paths,
		format:   inFormat,
		workers:  firstPositive(f.workers, a.cfg.Scan.Workers),
		limits:   a.limits(),
		progress: progress,
		errorOut: a.stderr,
	}
	var (
		mu       sync.Mutex
		worst    = alert.Level(-1)
		writeErr error
	)
	emit := func(al alert.Alert) {
		if al.Rule.Level > worst {
			worst = al.Rule.Level
		}
		if err := w.Alert(al); err != nil && writeErr == nil {
			writeErr = err
		}
	}
	var known *int64
	if st != nil {
		emit, known = newAlertsOnly(ctx, st, emit)
	}
	p := &pipeline.Pipeline{
		Detectors: detectors,
		OnAlert: func(al alert.Alert) {
			mu.Lock()
			defer mu.Unlock()
			emit(al)
		},
	}
	runCtx := ctx
	if f.follow {
		// Interrupting ends the following, not the scan: what was read is
		// judged and flushed, and the exit is normal.
		stop := make(chan struct{})
		go func() { <-ctx.Done(); close(stop) }()
		run.follow = stop
		runCtx = context.WithoutCancel(ctx)
		p.FlushEvery = f.flushEvery
		if !a.quiet {
			run.notes = a.stderr
			fmt.Fprintln(a.stderr, "mailtrip: following; interrupt (Ctrl-C) to stop")
		}
	}
	runErr := run.run(runCtx, p)
	sum := summary{
		Inputs:    paths,
		Plan:      run.plan,
		Counts:    run.counts,
		Errors:    run.errs,
		NErrors:   run.errors,
		Warnings:  run.warns,
		NWarnings: run.warnings,
		Bytes:     run.bytes,
		Elapsed:   run.elapsed,
		Mailboxes: hdet.Stats(),
		Outlook:   append(outlook, run.plan.Outlook...),
	}
	if err := w.Close(sum); err != nil && writeErr == nil {
		writeErr = err
	}
	if err := closeOut(); err != nil && writeErr == nil {
		writeErr = err
	}
	if !a.quiet && format != "table" && len(paths) > 0 {
		sum.writeLine(a.stderr)
	}
	if known != nil && *known > 0 && !a.quiet {
		fmt.Fprintf(a.stderr, "mailtrip: %s\n", strings.TrimPrefix(describeKnown(*known), "; "))
	}
	switch {
	case runErr != nil:
		return &exitError{code: exitInput, err: runErr}
	case writeErr != nil:
		return &exitError{code: exitInput, err: fmt.Errorf("write results: %w", writeErr)}
	case run.inputErrors() > 0:
		return &exitError{code: exitInput}
	case !never && worst >= threshold:
		return &exitError{code: exitFindings}
	}
	return nil
}

func (a *app) limits() mailfmt.Limits {
	s := a.cfg.Scan
	return mailfmt.Limits{
		MaxLineBytes:   s.MaxLineBytes,
		MaxHeaderBytes: s.MaxHeaderBytes,
		MaxFields:      s.MaxFields,
		MaxBodyBytes:   s.MaxBodyBytes,
	}.WithDefaults()
}

// openOut opens --out (or stdout). The returned close function must be
// called once.
func (a *app) openOut(path string) (io.Writer, func() error, error) {
	if path == "" || path == "-" {
		return a.stdout, func() error { return nil }, nil
	}
	f, err := os.Create(path)
	if err != nil {
		return nil, nil, &exitError{code: exitUsage, err: fmt.Errorf("--out: %w", err)}
	}
	return f, f.Close, nil
}

func parseFailOn(s string) (alert.Level, bool, error) {
	if strings.EqualFold(s, "none") || strings.EqualFold(s, "never") {
		return 0, true, nil
	}
	l, err := alert.ParseLevel(s)
	return l, false, err
}

func wantProgress(mode string, stderr io.Writer, quiet bool) (bool, error) {
	switch mode {
	case "auto", "":
		return !quiet && isTerminal(stderr), nil
	case "always":
		return true, nil
	case "never":
		return false, nil
	}
	return false, usageError("--progress %q: want auto, always or never", mode)
}

func firstPositive(vs ...int) int {
	for _, v := range vs {
		if v > 0 {
			return v
		}
	}
	return 0
}
