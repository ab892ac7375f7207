package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"runtime/pprof"
	"strings"

	"github.com/spf13/cobra"
	"golang.org/x/term"

	"github.com/mailtrip/mailtrip/config"
	"github.com/mailtrip/mailtrip/ingest"
)

// Exit codes, the contract of ARCHITECTURE.md.
const (
	exitOK       = 0 // nothing found
	exitFindings = 1 // findings at or above --fail-on
	exitUsage    = 2 // usage or configuration error
	exitInput    = 3 // some input could not be read (wins over 1)
)

// exitError carries an exit code decided deep in a command.
type exitError struct {
	code int
	err  error // printed unless nil
}

func (e *exitError) Error() string {
	if e.err == nil {
		return fmt.Sprintf("exit %d", e.code)
	}
	return e.err.Error()
}
func (e *exitError) Unwrap() error { return e.err }

func usageError(format string, args ...any) error {
	return &exitError{code: exitUsage, err: fmt.Errorf(format, args...)}
}

// app is what every command shares.
type app struct {
	stdin          io.Reader // for "-" among scan and dump inputs
	stdout, stderr io.Writer
	configFlag     string
	quiet          bool
	logLevel       string
	cfg            config.Config
	cfgPath        string
	log            *slog.Logger
	env            ingest.Env // where scan looks with no PATH
	dbFlag         string     // --db of the commands that use the store
	running        bool       // past argument and configuration checks
	imap           imapFlags  // IMAP connection settings of the decoy commands
	cpuProfile     string
	stopProfile    func()
}

// Run executes mailtrip with args (without the program name) and returns
// the process exit code.
func Run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	return run(ctx, &app{stdin: os.Stdin, stdout: stdout, stderr: stderr, env: ingest.CurrentEnv()}, args)
}

func run(ctx context.Context, a *app, args []string) int {
	stdout, stderr := a.stdout, a.stderr
	root := a.rootCmd()
	root.SetArgs(args)
	root.SetOut(stdout)
	root.SetErr(stderr)
	err := root.ExecuteContext(ctx)
	a.endProfile() // PersistentPostRun does not run when a command fails
	if err == nil {
		return exitOK
	}
	var ee *exitError
	if errors.As(err, &ee) {
		if ee.err != nil {
			fmt.Fprintf(stderr, "mailtrip: %v\n", ee.err)
		}
		return ee.code
	}
	if ctxErr := context.Cause(ctx); ctxErr != nil {
		fmt.Fprintf(stderr, "mailtrip: %v\n", ctxErr)
		return exitInput
	}
	if a.running {
		// The command ran and failed (a store, a target, a write): not a
		// usage problem.
		fmt.Fprintf(stderr, "mailtrip: %v\n", err)
		return exitInput
	}
	// Anything cobra itself rejects (unknown command or flag, bad arity)
	// is a usage error.
	fmt.Fprintf(stderr, "mailtrip: %v\nRun 'mailtrip --help' for usage.\n", err)
	return exitUsage
}

func (a *app) rootCmd() *cobra.Command {
	root := &cobra.Command{
		Use:   "mailtrip",
		Short: "Detect email collection (MITRE ATT&CK T1114) and catch it with decoys",
		Long: `mailtrip finds the traces of email collection (MITRE ATT&CK T1114) in the
data defenders have, starting with mail stores: .eml files and folders, mbox
(also gzip-compressed), Maildir and Maildir++. It reports messages that left
a mailbox through automatic forwarding or redirection, and mailboxes whose
auto-forwarded volume is not matched by messages that look forwarded by hand
(T1114.003).

Exit codes: 0 nothing found, 1 findings at or above --fail-on (or a decoy
tampered with), 2 usage or configuration error, 3 some input could not be
read or an operation failed (findings are still written; 3 wins over 1).

Configuration: --config, else $MAILTRIP_CONFIG, else
$XDG_CONFIG_HOME/mailtrip/config.yaml if present, else built-in defaults.
Flags override the file.`,
		SilenceUsage:  true,
		SilenceErrors: true,
		PersistentPreRunE: func(cmd *cobra.Command, _ []string) error {
			if err := a.setup(); err != nil {
				return err
			}
			a.running = true // arguments and configuration are fine
			return nil
		},
	}
	root.PersistentFlags().StringVar(&a.configFlag, "config", "", "configuration file (default $MAILTRIP_CONFIG or $XDG_CONFIG_HOME/mailtrip/config.yaml)")
	root.PersistentFlags().BoolVarP(&a.quiet, "quiet", "q", false, "no progress bar and no summary on stderr")
	root.PersistentFlags().StringVar(&a.logLevel, "log-level", "warn", "log level: debug, info, warn, error")
	root.PersistentFlags().StringVar(&a.cpuProfile, "cpuprofile", "", "write a CPU profile to FILE (for benchmarks)")
	_ = root.PersistentFlags().MarkHidden("cpuprofile")
	root.PersistentPostRun = func(*cobra.Command, []string) { a.endProfile() }
	root.SetFlagErrorFunc(func(_ *cobra.Command, err error) error {
		return &exitError{code: exitUsage, err: fmt.Errorf("%w\nRun 'mailtrip --help' for usage", err)}
	})
	root.AddCommand(a.scanCmd(), a.dumpCmd(), a.decoyCmd(), a.alertsCmd(), a.serveCmd(), a.rulesCmd(), a.versionCmd())
	return root
}

func (a *app) setup() error {
	var level slog.Level
	if err := level.UnmarshalText([]byte(a.logLevel)); err != nil {
		return usageError("--log-level: %v", err)
	}
	opts := &slog.HandlerOptions{Level: level}
	if isTerminal(a.stderr) {
		a.log = slog.New(slog.NewTextHandler(a.stderr, opts))
	} else {
		a.log = slog.New(slog.NewJSONHandler(a.stderr, opts))
	}
	if a.cpuProfile != "" {
		f, err := os.Create(a.cpuProfile)
		if err != nil {
			return usageError("--cpuprofile: %v", err)
		}
		if err := pprof.StartCPUProfile(f); err != nil {
			f.Close()
			return usageError("--cpuprofile: %v", err)
		}
		a.stopProfile = func() { pprof.StopCPUProfile(); f.Close() }
	}
	cfg, path, err := config.Load(a.configFlag)
	if err != nil {
		return &exitError{code: exitUsage, err: err}
	}
	a.cfg, a.cfgPath = cfg, path
	if path != "" {
		a.log.Debug("configuration", "file", path)
	}
	return nil
}

// endProfile stops a CPU profile if one runs; safe to call twice.
func (a *app) endProfile() {
	if a.stopProfile != nil {
		a.stopProfile()
		a.stopProfile = nil
	}
}

// isTerminal reports whether w is a terminal.
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	return ok && term.IsTerminal(int(f.Fd()))
}

// completeFormats offers values for --format.
func completeValues(vals ...string) func(*cobra.Command, []string, string) ([]string, cobra.ShellCompDirective) {
	return func(_ *cobra.Command, _ []string, prefix string) ([]string, cobra.ShellCompDirective) {
		var out []string
		for _, v := range vals {
			if strings.HasPrefix(v, prefix) {
				out = append(out, v)
			}
		}
		return out, cobra.ShellCompDirectiveNoFileComp
	}
}
