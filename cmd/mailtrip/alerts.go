package main

import (
	"encoding/json"
	"fmt"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/mailtrip/mailtrip/alert"
	"github.com/mailtrip/mailtrip/store"
)

func (a *app) alertsCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "alerts",
		Short: "Triage the alerts the store holds",
		Long: `alerts lists, shows and acknowledges the alerts kept in the store: decoys
touched at a tripwire (mailtrip serve), decoys found tampered with by decoy
verify, and findings of scans run with --state. Alerts are stored once per
id, so re-running a check never duplicates them.`,
	}
	cmd.PersistentFlags().StringVar(&a.dbFlag, "db", "", "store file (default $MAILTRIP_DB, store: in the config, or $XDG_STATE_HOME/mailtrip/mailtrip.db)")
	cmd.AddCommand(a.alertsListCmd(), a.alertsShowCmd(), a.alertsAckCmd())
	return cmd
}

func (a *app) alertsListCmd() *cobra.Command {
	var format, level, since string
	var all bool
	var limit int
	cmd := &cobra.Command{
		Use:   "list",
		Short: "List alerts, newest first (unacknowledged only unless --all)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			f := store.AlertFilter{Unacked: !all, Limit: limit}
			if level != "" {
				l, err := alert.ParseLevel(level)
				if err != nil {
					return usageError("--level: %v", err)
				}
				f.MinLevel = l
			}
			if since != "" {
				d, err := time.ParseDuration(since)
				if err != nil {
					return usageError("--since %q: want a duration such as 24h", since)
				}
				f.Since = time.Now().Add(-d)
			}
			ctx := cmd.Context()
			return a.withStore(ctx, func(st *store.Store) error {
				as, err := st.Alerts(ctx, f)
				if err != nil {
					return err
				}
				switch format {
				case "jsonl":
					enc := json.NewEncoder(a.stdout)
					enc.SetEscapeHTML(false)
					for _, al := range as {
						if err := enc.Encode(al); err != nil {
							return err
						}
					}
					return nil
				case "table", "":
					tw := tabwriter.NewWriter(a.stdout, 0, 0, 2, ' ', 0)
					fmt.Fprintln(tw, "ID\tTIME\tLEVEL\tRULE\tSUMMARY")
					for _, al := range as {
						fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", al.ID, al.Time.UTC().Format(time.RFC3339), al.Rule.Level, al.Rule.ID, oneLine(al.Summary, 90))
					}
					return tw.Flush()
				}
				return usageError("--format %q: want table or jsonl", format)
			})
		},
	}
	cmd.Flags().StringVar(&format, "format", "table", "output format: table or jsonl")
	cmd.Flags().StringVar(&level, "level", "", "only alerts at or above this level")
	cmd.Flags().StringVar(&since, "since", "", "only alerts of the last DURATION (e.g. 24h)")
	cmd.Flags().BoolVar(&all, "all", false, "include acknowledged alerts")
	cmd.Flags().IntVar(&limit, "limit", 0, "at most N alerts (0 = all)")
	_ = cmd.RegisterFlagCompletionFunc("format", completeValues("table", "jsonl"))
	_ = cmd.RegisterFlagCompletionFunc("level", completeValues("informational", "low", "medium", "high", "critical"))
	return cmd
}

func (a *app) alertsShowCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "show ID",
		Short: "Print one alert as JSON, with its deliveries to each sink",
		Long: `show prints the alert as JSON (the schema of docs/alerts.md) and, on stderr,
where mailtrip serve has delivered it: per sink, the state (pending, sent,
dead), attempts, the last error and when it was sent.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			return a.withStore(ctx, func(st *store.Store) error {
				al, err := st.Alert(ctx, args[0])
				if err != nil {
					return err
				}
				enc := json.NewEncoder(a.stdout)
				enc.SetEscapeHTML(false)
				enc.SetIndent("", "  ")
				if err := enc.Encode(al); err != nil {
					return err
				}
				ds, err := st.Deliveries(ctx, al.ID)
				if err != nil {
					return err
				}
				for _, d := range ds {
					line := fmt.Sprintf("delivery to %s: %s after %d attempt(s)", d.Sink, d.State, d.Attempts)
					if !d.SentAt.IsZero() {
						line += ", sent " + d.SentAt.UTC().Format(time.RFC3339)
					}
					if d.LastError != "" {
						line += ", last error: " + d.LastError
					}
					fmt.Fprintln(a.stderr, "mailtrip: "+line)
				}
				return nil
			})
		},
	}
}

func (a *app) alertsAckCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "ack ID...",
		Short: "Acknowledge alerts (they leave the default list)",
		Args:  cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			return a.withStore(ctx, func(st *store.Store) error {
				for _, id := range args {
					if err := st.AckAlert(ctx, id, time.Time{}); err != nil {
						return err
					}
				}
				return nil
			})
		},
	}
}
