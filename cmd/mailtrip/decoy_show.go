package main

import (
	"encoding/json"
	"fmt"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/mailtrip/mailtrip/store"
	"github.com/mailtrip/mailtrip/token"
)

func (a *app) decoyShowCmd() *cobra.Command {
	var format string
	cmd := &cobra.Command{
		Use:   "show DECOY-ID",
		Short: "Show a decoy's breadcrumbs, where it is planted, and its incidents",
		Long: `show prints what the store knows of one decoy: its breadcrumbs (kind, sub-id
and value as planted; credentials by user name only — the password is in the
decoy's message), its plantings, and the incidents its breadcrumbs raised.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			if _, err := token.ParseID(args[0]); err != nil {
				return usageError("%q is not a decoy id: %v", args[0], err)
			}
			return a.withStore(ctx, func(st *store.Store) error {
				a.running = true
				d, err := st.Decoy(ctx, args[0])
				if err != nil {
					return err
				}
				toks, err := st.Tokens(ctx, d.ID)
				if err != nil {
					return err
				}
				ps, err := st.Plantings(ctx, store.PlantingFilter{DecoyID: d.ID})
				if err != nil {
					return err
				}
				incs, err := st.Incidents(ctx, d.ID, 100)
				if err != nil {
					return err
				}
				switch format {
				case "json":
					out := map[string]any{"id": d.ID, "created_at": d.CreatedAt, "seed": d.Seed, "theme": d.Theme,
						"subject": d.Subject, "from": d.From, "message_id": d.MessageID, "sha256": d.SHA256}
					var ts []map[string]string
					for _, t := range toks {
						ts = append(ts, map[string]string{"kind": t.Kind, "sub_id": t.Sub, "value": t.Value})
					}
					out["tokens"] = ts
					var pl []map[string]any
					for _, p := range ps {
						pl = append(pl, map[string]any{"id": p.ID, "kind": p.TargetKind, "target": p.Target, "mailbox": p.Mailbox,
							"folder": p.Folder, "path": p.Path, "uid": p.UID, "uidvalidity": p.UIDValidity,
							"planted_at": p.PlantedAt, "removed_at": nullTime(p.RemovedAt), "state": p.State})
					}
					out["plantings"] = pl
					var in []map[string]any
					for _, i := range incs {
						in = append(in, map[string]any{"id": i.ID, "source": i.Source, "kind": i.Kind, "first_at": i.FirstAt,
							"last_at": i.LastAt, "hits": i.Hits, "traps": i.Traps})
					}
					out["incidents"] = in
					enc := json.NewEncoder(a.stdout)
					enc.SetIndent("", "  ")
					return enc.Encode(out)
				case "table", "":
					fmt.Fprintf(a.stdout, "Decoy %s (%s, seed %d): %q from %s, %s\n\n", d.ID, d.Theme, d.Seed, d.Subject, d.From, d.MessageID)
					tw := tabwriter.NewWriter(a.stdout, 0, 0, 2, ' ', 0)
					fmt.Fprintln(tw, "BREADCRUMB\tSUB-ID\tVALUE")
					for _, t := range toks {
						fmt.Fprintf(tw, "%s\t%s\t%s\n", t.Kind, t.Sub, t.Value)
					}
					fmt.Fprintln(tw, "\nPLANTED\tWHERE\tSTATE")
					for _, p := range ps {
						where := p.Target
						if p.Path != "" {
							where = p.Path
						} else if p.Folder != "" {
							where += " " + p.Folder
						}
						fmt.Fprintf(tw, "%s\t%s\t%s\n", p.PlantedAt.UTC().Format(time.DateTime), where, p.State)
					}
					fmt.Fprintln(tw, "\nINCIDENT\tKIND\tSOURCE\tHITS\tTRAPS\tLAST")
					for _, i := range incs {
						fmt.Fprintf(tw, "%s\t%s\t%s\t%d\t%v\t%s\n", i.ID, i.Kind, i.Source, i.Hits, i.Traps, i.LastAt.UTC().Format(time.DateTime))
					}
					return tw.Flush()
				}
				return usageError("--format %q: want table or json", format)
			})
		},
	}
	cmd.Flags().StringVar(&format, "format", "table", "output format: table or json")
	_ = cmd.RegisterFlagCompletionFunc("format", completeValues("table", "json"))
	return cmd
}

func nullTime(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return t
}
