package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"time"

	"github.com/spf13/cobra"

	"github.com/mailtrip/mailtrip/event"
	"github.com/mailtrip/mailtrip/ingest"
	"github.com/mailtrip/mailtrip/pipeline"
)

// dumpHeader is one header field in dump output.
type dumpHeader struct {
	Name  string `json:"name"`
	Value string `json:"value"`
}

// dumpRecord is what dump prints for one mail message: exactly what the
// detectors receive.
type dumpRecord struct {
	Kind          event.Kind   `json:"kind"`
	Mailbox       string       `json:"mailbox"`
	Folder        string       `json:"folder,omitempty"`
	Origin        event.Origin `json:"origin"`
	Time          *time.Time   `json:"time,omitempty"`
	Size          int64        `json:"size"`
	Envelope      string       `json:"envelope,omitempty"`
	Flags         string       `json:"flags,omitempty"`
	HeaderBytes   int          `json:"header_bytes"`
	BodySize      int64        `json:"body_size"`
	BodyTruncated bool         `json:"body_truncated,omitempty"`
	Headers       []dumpHeader `json:"headers"`
}

// dumpLog is what dump prints for one log or audit record.
type dumpLog struct {
	Kind    event.Kind     `json:"kind"`
	Mailbox string         `json:"mailbox,omitempty"`
	Origin  event.Origin   `json:"origin"`
	Time    *time.Time     `json:"time,omitempty"`
	Fields  map[string]any `json:"fields"`
}

func toDumpLog(e *event.Event) dumpLog {
	r := dumpLog{Kind: e.Kind, Mailbox: e.Mailbox, Origin: e.Origin, Fields: e.Fields}
	if !e.Time.IsZero() {
		t := e.Time
		r.Time = &t
	}
	return r
}

func toDump(e *event.Event) dumpRecord {
	m := e.Message
	r := dumpRecord{Kind: e.Kind, Mailbox: e.Mailbox, Folder: e.Folder, Origin: e.Origin,
		Size: m.Size, Envelope: m.Envelope, Flags: m.Flags, HeaderBytes: m.HeaderBytes,
		BodySize: m.BodySize, BodyTruncated: m.BodyTruncated, Headers: make([]dumpHeader, len(m.Header))}
	if !e.Time.IsZero() {
		t := e.Time
		r.Time = &t
	}
	for i, f := range m.Header {
		r.Headers[i] = dumpHeader(f)
	}
	return r
}

func (a *app) dumpCmd() *cobra.Command {
	var format, inputFormat, out string
	cmd := &cobra.Command{
		Use:   "dump PATH...",
		Short: "Print what mailtrip parsed, one JSON record per line",
		Long: `dump reads inputs exactly as scan does and prints every record it parsed:
for mail, the mailbox, folder, origin (file, byte offset, Message-ID), sizes
and all header fields in wire order (unfolded, not decoded). Use it to see
what detection sees. Records come in file order; errors go to stderr with
their file and offset, and the exit code is 3 when any input was unreadable.`,
		Example: `  mailtrip dump message.eml
  mailtrip dump --format json ~/Maildir | jq '.[].headers'`,
		Args: cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			inFormat, err := ingest.ParseFormat(inputFormat)
			if err != nil {
				return usageError("--input-format: %v", err)
			}
			switch format {
			case "jsonl", "json":
			case "xml":
				return a.dumpXML(cmd.Context(), args, out)
			default:
				return usageError("--format %q: want jsonl, json or xml", format)
			}
			w, closeOut, err := a.openOut(out)
			if err != nil {
				return err
			}
			bw := bufio.NewWriter(w)
			enc := json.NewEncoder(bw)
			enc.SetEscapeHTML(false)
			first := true
			var writeErr error
			if format == "json" {
				bw.WriteString("[")
			}
			run := &inputRun{paths: args, format: inFormat, workers: 1, limits: a.limits(), errorOut: a.stderr, stdin: a.stdin}
			p := &pipeline.Pipeline{OnEvent: func(e *event.Event) {
				if writeErr != nil || (e.Message == nil && e.Fields == nil) {
					return
				}
				if format == "json" {
					if !first {
						bw.WriteString(",")
					}
					bw.WriteString("\n")
				}
				first = false
				if e.Message == nil {
					writeErr = enc.Encode(toDumpLog(e))
				} else {
					writeErr = enc.Encode(toDump(e))
				}
			}}
			runErr := run.run(cmd.Context(), p)
			if format == "json" {
				bw.WriteString("]\n")
			}
			if err := bw.Flush(); err != nil && writeErr == nil {
				writeErr = err
			}
			if err := closeOut(); err != nil && writeErr == nil {
				writeErr = err
			}
			switch {
			case runErr != nil:
				return &exitError{code: exitInput, err: runErr}
			case writeErr != nil:
				return &exitError{code: exitInput, err: fmt.Errorf("write: %w", writeErr)}
			case run.inputErrors() > 0:
				return &exitError{code: exitInput}
			}
			return nil
		},
	}
	cmd.Flags().StringVar(&format, "format", "jsonl", "output format: jsonl, json, or xml (EVTX records as XML, as evtx_dump.py prints them)")
	cmd.Flags().StringVar(&inputFormat, "input-format", "auto", "force the input format: auto, eml, mbox, maildir, log or evtx")
	cmd.Flags().StringVarP(&out, "out", "o", "", "write to FILE instead of stdout")
	_ = cmd.RegisterFlagCompletionFunc("format", completeValues("jsonl", "json", "xml"))
	_ = cmd.RegisterFlagCompletionFunc("input-format", completeValues("auto", "eml", "mbox", "maildir", "log", "evtx"))
	return cmd
}
