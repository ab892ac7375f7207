package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/mailtrip/mailtrip/alert"
	"github.com/mailtrip/mailtrip/detect/header"
	"github.com/mailtrip/mailtrip/ingest"
	"github.com/mailtrip/mailtrip/pipeline"
)

// summary is what a scan did, for the table, the JSON document and the
// line on stderr.
type summary struct {
	Inputs    []string
	Plan      *ingest.Plan
	Counts    pipeline.Counts
	Errors    []error // capped list
	NErrors   int64   // input errors: the results are incomplete
	Warnings  []error // capped list
	NWarnings int64   // defects in messages that were still read
	Bytes     int64
	Elapsed   time.Duration
	Mailboxes []header.MailboxStats
	Outlook   []string
}

func (s summary) writeLine(w io.Writer) {
	rate := ""
	if secs := s.Elapsed.Seconds(); secs > 0 {
		rate = fmt.Sprintf(" (%s/s)", humanBytes(int64(float64(s.Bytes)/secs)))
	}
	what := plural(s.Counts.Events-s.Counts.Records, "message")
	if s.Counts.Records > 0 {
		what += " and " + plural(s.Counts.Records, "log record")
	}
	fmt.Fprintf(w, "mailtrip: scanned %s in %s, %s in %s%s; %s",
		what, plural(int64(len(s.Plan.Mailboxes)), "mailbox"), humanBytes(s.Bytes),
		s.Elapsed.Round(time.Millisecond), rate, plural(s.Counts.Alerts, "alert"))
	if n := s.NErrors; n > 0 {
		fmt.Fprintf(w, "; %s (results incomplete)", plural(n, "input error"))
	}
	if n := s.NWarnings; n > 0 {
		fmt.Fprintf(w, "; %s about malformed messages that were still read", plural(n, "warning"))
	}
	empty := 0
	for _, sk := range s.Plan.Skipped {
		if sk.Reason == ingest.SkipEmpty {
			empty++
		}
	}
	if n := len(s.Plan.Skipped) - empty; n > 0 {
		fmt.Fprintf(w, "; %s not recognised as mail or logs and skipped (--format json lists them)", plural(int64(n), "file"))
	}
	if empty > 0 {
		fmt.Fprintf(w, "; %s empty", plural(int64(empty), "file"))
	}
	fmt.Fprintln(w)
}

// alertWriter writes alerts in one output format.
type alertWriter interface {
	Alert(alert.Alert) error
	Close(summary) error
}

func newAlertWriter(format string, w io.Writer) (alertWriter, error) {
	switch format {
	case "jsonl":
		bw := bufio.NewWriter(w)
		enc := json.NewEncoder(bw)
		enc.SetEscapeHTML(false) // Message-IDs keep their <angle brackets>
		return &jsonlWriter{w: bw, enc: enc}, nil
	case "json":
		return &jsonWriter{w: w}, nil
	case "table":
		return &tableWriter{w: w}, nil
	}
	return nil, usageError("--format %q: want table, jsonl or json", format)
}

// jsonlWriter streams one alert per line as found (order follows the
// parallel readers; aggregate alerts come last).
type jsonlWriter struct {
	w   *bufio.Writer
	enc *json.Encoder
	// flush writes each alert out at once (scan --follow, scan -: a
	// reader of the stream must not wait for a buffer to fill).
	flush bool
}

func (j *jsonlWriter) Alert(a alert.Alert) error {
	if err := j.enc.Encode(a); err != nil {
		return err
	}
	if j.flush {
		return j.w.Flush()
	}
	return nil
}
func (j *jsonlWriter) Close(summary) error { return j.w.Flush() }

// jsonWriter writes one document: alerts sorted, per-mailbox statistics
// and the scan summary.
type jsonWriter struct {
	w      io.Writer
	alerts []alert.Alert
}

func (j *jsonWriter) Alert(a alert.Alert) error { j.alerts = append(j.alerts, a); return nil }

type jsonSkipped struct {
	Path   string `json:"path"`
	Reason string `json:"reason"`
}

type jsonSummary struct {
	Inputs         []string      `json:"inputs"`
	Mailboxes      int           `json:"mailboxes"`
	Messages       int64         `json:"messages"`
	Records        int64         `json:"log_records"`
	Bytes          int64         `json:"bytes"`
	ElapsedSeconds float64       `json:"elapsed_seconds"`
	Alerts         int64         `json:"alerts"`
	InputErrors    int64         `json:"input_errors"`
	Errors         []string      `json:"errors,omitempty"`
	WarningCount   int64         `json:"warning_count"`
	Warnings       []string      `json:"warnings,omitempty"`
	Skipped        []jsonSkipped `json:"skipped,omitempty"`
	Outlook        []string      `json:"outlook_files,omitempty"`
}

type jsonDoc struct {
	Schema    string                `json:"schema"`
	Alerts    []alert.Alert         `json:"alerts"`
	Mailboxes []header.MailboxStats `json:"mailboxes"`
	Summary   jsonSummary           `json:"summary"`
}

func (j *jsonWriter) Close(s summary) error {
	alert.SortAlerts(j.alerts)
	doc := jsonDoc{Schema: "mailtrip.scan/v1", Alerts: j.alerts, Mailboxes: s.Mailboxes, Summary: jsonSummary{
		Inputs:         s.Inputs,
		Mailboxes:      len(s.Plan.Mailboxes),
		Messages:       s.Counts.Events - s.Counts.Records,
		Records:        s.Counts.Records,
		Bytes:          s.Bytes,
		ElapsedSeconds: s.Elapsed.Seconds(),
		Alerts:         s.Counts.Alerts,
		InputErrors:    s.NErrors,
		WarningCount:   s.NWarnings,
		Outlook:        s.Outlook,
	}}
	if doc.Alerts == nil {
		doc.Alerts = []alert.Alert{}
	}
	if doc.Mailboxes == nil {
		doc.Mailboxes = []header.MailboxStats{}
	}
	for _, e := range s.Errors {
		doc.Summary.Errors = append(doc.Summary.Errors, e.Error())
	}
	for _, e := range s.Warnings {
		doc.Summary.Warnings = append(doc.Summary.Warnings, e.Error())
	}
	for _, sk := range s.Plan.Skipped {
		doc.Summary.Skipped = append(doc.Summary.Skipped, jsonSkipped(sk))
	}
	enc := json.NewEncoder(j.w)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	return enc.Encode(doc)
}

// tableWriter prints, for a person at a terminal, the summary per mailbox
// and the top findings.
type tableWriter struct {
	w      io.Writer
	alerts []alert.Alert
}

// tableTop is how many findings the table lists; --format jsonl has all.
const tableTop = 25

func (t *tableWriter) Alert(a alert.Alert) error { t.alerts = append(t.alerts, a); return nil }

func (t *tableWriter) Close(s summary) error {
	bw := bufio.NewWriter(t.w)
	tw := tabwriter.NewWriter(bw, 0, 0, 2, ' ', 0)
	if len(s.Mailboxes) > 0 {
		fmt.Fprintln(tw, "MAILBOX\tMESSAGES\tAUTO-FWD\tREDIRECT\tLOOKS-FWD\tTOP DESTINATIONS\tFIRST SEEN\tLAST SEEN\tVERDICT")
		for _, m := range s.Mailboxes {
			verdict := "ok"
			if m.Flagged {
				verdict = "FLAGGED"
			}
			fmt.Fprintf(tw, "%s\t%d\t%d\t%d\t%d\t%s\t%s\t%s\t%s\n", m.Mailbox, m.Messages, m.AutoForwarded, m.Redirected,
				m.LooksForwarded, topDestinations(m, 3), day(m.First), day(m.Last), verdict)
		}
		fmt.Fprintln(tw)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	alert.SortAlerts(t.alerts)
	if len(t.alerts) > 0 {
		shown := min(len(t.alerts), tableTop)
		fmt.Fprintf(bw, "FINDINGS (%d of %d, highest level first; --format jsonl lists all)\n", shown, len(t.alerts))
		tw = tabwriter.NewWriter(bw, 0, 0, 2, ' ', 0)
		fmt.Fprintln(tw, "LEVEL\tRULE\tWHERE\tSUMMARY")
		for _, a := range t.alerts[:shown] {
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", a.Rule.Level, a.Rule.ID, a.Origin.String(), oneLine(a.Summary, 100))
		}
		if err := tw.Flush(); err != nil {
			return err
		}
		fmt.Fprintln(bw)
	} else {
		fmt.Fprintln(bw, "No findings.")
	}
	if len(s.Outlook) > 0 {
		fmt.Fprintln(bw, "Outlook data files found but not read (convert with readpst -M from pst-utils, then scan the output):")
		for _, p := range s.Outlook {
			fmt.Fprintf(bw, "  %s\n", p)
		}
	}
	s.writeLine(bw)
	return bw.Flush()
}

func topDestinations(m header.MailboxStats, n int) string {
	var parts []string
	for i, d := range m.Destinations {
		if i == n {
			parts = append(parts, fmt.Sprintf("+%d more", len(m.Destinations)-n))
			break
		}
		ext := ""
		if d.External {
			ext = " ext"
		}
		parts = append(parts, fmt.Sprintf("%s (%d%s)", d.Address, d.Count, ext))
	}
	if len(parts) == 0 {
		return "-"
	}
	return strings.Join(parts, ", ")
}

// plural renders "1 message", "2 messages", "3 mailboxes".
func plural(n int64, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	if strings.HasSuffix(noun, "x") {
		return humanCount(n) + " " + noun + "es"
	}
	return humanCount(n) + " " + noun + "s"
}

func day(t time.Time) string {
	if t.IsZero() {
		return "-"
	}
	return t.UTC().Format("2006-01-02")
}

func oneLine(s string, n int) string {
	s = strings.Join(strings.Fields(s), " ")
	if len([]rune(s)) > n {
		return string([]rune(s)[:n-1]) + "…"
	}
	return s
}
