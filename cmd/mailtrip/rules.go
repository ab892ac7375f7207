package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"sort"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/mailtrip/mailtrip/detect/mailrules"
	"github.com/mailtrip/mailtrip/detect/sigma"
	"github.com/mailtrip/mailtrip/rules"
)

func (a *app) rulesCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "rules",
		Short: "List, validate and test detection rules (the built-in pack and your Sigma rules)",
		Long: `rules works on Sigma rules: the built-in T1114 pack embedded in mailtrip
(docs/rules.md) and folders of your own or SigmaHQ's rules, as scan --rules
runs them.

A rule folder can carry tests: tests/<rule-file-stem>/match-*.json are
events (one JSON object each, Sigma field names) the rule must match,
nearmiss-*.json events it must not. rules test runs them.`,
	}
	cmd.AddCommand(a.rulesListCmd(), a.rulesValidateCmd(), a.rulesTestCmd())
	return cmd
}

// loadRuleSets loads the built-in pack (builtin) and each folder.
func loadRuleSets(builtin bool, dirs []string) (names []string, sets []*sigma.Ruleset, reps []*sigma.Report, err error) {
	if builtin {
		rs, rep, err := rules.Load(sigma.Config{})
		if err != nil {
			return nil, nil, nil, fmt.Errorf("built-in rules: %w", err)
		}
		names, sets, reps = append(names, "built-in"), append(sets, rs), append(reps, rep)
	}
	for _, d := range dirs {
		if fi, err := os.Stat(d); err != nil || !fi.IsDir() {
			if err == nil {
				err = errors.New("not a directory")
			}
			return nil, nil, nil, usageError("%s: %v", d, err)
		}
		rs, rep, err := sigma.LoadDir(d, sigma.Config{})
		if err != nil {
			return nil, nil, nil, usageError("%s: %v", d, err)
		}
		names, sets, reps = append(names, d), append(sets, rs), append(reps, rep)
	}
	return names, sets, reps, nil
}

func (a *app) rulesListCmd() *cobra.Command {
	var format string
	var noBuiltin bool
	cmd := &cobra.Command{
		Use:   "list [DIR...]",
		Short: "List the rules: the built-in pack, the built-in detectors' rules, and the Sigma rules in DIRs",
		RunE: func(cmd *cobra.Command, dirs []string) error {
			names, sets, _, err := loadRuleSets(!noBuiltin, dirs)
			if err != nil {
				return err
			}
			type row struct {
				Source string   `json:"source"`
				ID     string   `json:"id"`
				Title  string   `json:"title"`
				Level  string   `json:"level"`
				Tags   []string `json:"tags,omitempty"`
			}
			var rows []row
			if !noBuiltin {
				for _, r := range mailrules.Rules() {
					rows = append(rows, row{"mailrules", r.ID, r.Title, r.Level.String(), r.Tags})
				}
			}
			for i, rs := range sets {
				for _, cr := range append(append([]*sigma.CompiledRule(nil), rs.Rules...), rs.Corrs...) {
					id := cr.ID
					if id == "" {
						id = cr.Name
					}
					rows = append(rows, row{names[i], id, cr.Title, cr.Level.String(), cr.Tags})
				}
			}
			sort.SliceStable(rows, func(i, j int) bool { return rows[i].Source < rows[j].Source })
			switch format {
			case "jsonl":
				enc := json.NewEncoder(a.stdout)
				for _, r := range rows {
					if err := enc.Encode(r); err != nil {
						return err
					}
				}
				return nil
			case "table", "":
				tw := tabwriter.NewWriter(a.stdout, 0, 0, 2, ' ', 0)
				fmt.Fprintln(tw, "SOURCE\tLEVEL\tID\tTITLE\tTAGS")
				for _, r := range rows {
					fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", r.Source, r.Level, r.ID, oneLine(r.Title, 70), strings.Join(r.Tags, ","))
				}
				return tw.Flush()
			}
			return usageError("--format %q: want table or jsonl", format)
		},
	}
	cmd.Flags().StringVar(&format, "format", "table", "output format: table or jsonl")
	cmd.Flags().BoolVar(&noBuiltin, "no-builtin", false, "leave out the built-in rules")
	return cmd
}

func (a *app) rulesValidateCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "validate [DIR...]",
		Short: "Load rules and report every one that cannot be used, by file, line and reason",
		Long: `validate loads the built-in pack and each DIR as scan would and prints the
summary: files, rules loaded, correlations, filters, deprecated rules
skipped, and each unsupported or invalid rule with its file, YAML line and
reason. The exit code is 1 when a rule is unsupported or invalid.`,
		RunE: func(cmd *cobra.Command, dirs []string) error {
			names, _, reps, err := loadRuleSets(len(dirs) == 0, dirs)
			if err != nil {
				return err
			}
			bad := 0
			for i, rep := range reps {
				fmt.Fprintf(a.stdout, "%s: %s\n", names[i], rep.Summary())
				bad += len(rep.Unsupported) + len(rep.Invalid)
			}
			if bad > 0 {
				return &exitError{code: exitFindings, err: fmt.Errorf("%d rule(s) cannot be used", bad)}
			}
			return nil
		},
	}
}

func (a *app) rulesTestCmd() *cobra.Command {
	var verbose bool
	cmd := &cobra.Command{
		Use:   "test [DIR...]",
		Short: "Run the rules' test events (match-*.json must match, nearmiss-*.json must not)",
		Long: `test runs the test events of the built-in pack (no DIR) or of each DIR
(tests/<rule-file-stem>/match-*.json and nearmiss-*.json beside the rules)
and prints every case that fails, then a summary. The exit code is 1 when a
case fails, 3 when a test file cannot be used.`,
		RunE: func(cmd *cobra.Command, dirs []string) error {
			a.running = true
			type suite struct {
				name    string
				results []rules.Result
				err     error
			}
			var suites []suite
			if len(dirs) == 0 {
				rs, _, err := rules.Load(sigma.Config{})
				if err != nil {
					return err
				}
				res, err := rules.RunTests(rs, rules.FS(), ".")
				suites = append(suites, suite{"built-in", res, err})
			}
			for _, d := range dirs {
				rs, _, err := sigma.LoadDir(d, sigma.Config{})
				if err != nil {
					return usageError("%s: %v", d, err)
				}
				res, err := rules.RunTests(rs, os.DirFS(d), ".")
				suites = append(suites, suite{d, res, err})
			}
			failed, total, broken := 0, 0, 0
			for _, s := range suites {
				for _, r := range s.results {
					total++
					want := "match"
					if !r.WantMatch {
						want = "not match"
					}
					if !r.OK() {
						failed++
						fmt.Fprintf(a.stdout, "FAIL %s: %s should %s rule %s (%s); fired: %s\n", s.name, r.File, want, r.Rule, r.Title, strings.Join(r.Fired, ", "))
					} else if verbose {
						fmt.Fprintf(a.stdout, "ok   %s: %s does %s %s\n", s.name, r.File, want, r.Rule)
					}
				}
				if s.err != nil {
					broken++
					fmt.Fprintf(a.stderr, "mailtrip: %s: %v\n", s.name, s.err)
				}
			}
			fmt.Fprintf(a.stdout, "%d cases, %d failed\n", total, failed)
			switch {
			case failed > 0:
				return &exitError{code: exitFindings, err: fmt.Errorf("%d of %d rule test cases failed", failed, total)}
			case broken > 0:
				return &exitError{code: exitInput}
			}
			return nil
		},
	}
	cmd.Flags().BoolVarP(&verbose, "verbose", "v", false, "print passing cases too")
	return cmd
}
