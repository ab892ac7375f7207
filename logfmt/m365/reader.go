package m365

import (
	"bytes"
	"io"
	"path/filepath"
	"strings"

	"github.com/mailtrip/mailtrip/logfmt"
	"github.com/mailtrip/mailtrip/logfmt/jsonlog"
)

// Options configure a Reader.
type Options struct {
	// Kind forces the container (JSON, JSON Lines, array, CSV); zero
	// sniffs it.
	Kind   jsonlog.Kind
	Limits logfmt.Limits
	// BaseOffset is added to every offset reported.
	BaseOffset int64
}

// Reader reads Microsoft 365, Exchange and Entra records from any
// container jsonlog reads.
type Reader struct {
	jr *jsonlog.Reader
}

// NewReader returns a Reader of r.
func NewReader(r io.Reader, opt Options) *Reader {
	return &Reader{jr: jsonlog.NewReader(r, jsonlog.Options{
		Kind:       opt.Kind,
		Limits:     opt.Limits,
		BaseOffset: opt.BaseOffset,
		// AuditData is Purview's JSON column; other JSON-looking cells
		// (an inbox rule's Description) stay text.
		JSONColumns: []string{"AuditData"},
	})}
}

// Container returns the container kind being read (after the first Next).
func (r *Reader) Container() jsonlog.Kind { return r.jr.Kind() }

// Next returns the next record, io.EOF at the end, or a
// [*logfmt.ParseError] for a record that could not be read (the next call
// goes on). Records of a kind this package does not know are returned
// with Kind KindUnknown, unchanged but for the derived keys.
func (r *Reader) Next() (*Record, error) {
	rec, err := r.jr.Next()
	if err != nil {
		return nil, err
	}
	out := normalize(rec.Fields, rec.Origin, r.jr.Keys(rec))
	out.Defects = append(rec.Defects, out.Defects...)
	if out.Kind == KindUnknown && strings.Contains(r.jr.CSVType(), "InboxRule") {
		out.Kind = KindInboxRule
	}
	return out, nil
}

// Sniff says whether head (the first bytes of a stream) and name look
// like records of this package. Formats: "m365.ual", "m365.signin",
// "m365.inboxrule", "m365.mailbox", "m365.cmdletlog". It reads the first
// record with jsonlog and classifies it; a Purview or Export-Csv header
// is recognised by its column names.
func Sniff(head []byte, name string) logfmt.Guess {
	k := jsonlog.SniffKind(head)
	if k == jsonlog.KindUnknown {
		return logfmt.Guess{}
	}
	jr := jsonlog.NewReader(bytes.NewReader(head), jsonlog.Options{Kind: k, JSONColumns: []string{"AuditData"}})
	var rec *jsonlog.Record
	for i := 0; i < 3; i++ {
		r, err := jr.Next()
		if err == nil {
			rec = r
			break
		}
		if err == io.EOF {
			break
		}
	}
	g := logfmt.Guess{}
	if k == jsonlog.KindCSV {
		hdr := strings.ToLower(strings.Join(jr.Header(), ","))
		switch {
		case strings.Contains(hdr, "auditdata") && (strings.Contains(hdr, "creationdate") || strings.Contains(hdr, "recordtype")):
			g = logfmt.Guess{Format: "m365.ual", Confidence: 95, Why: "Purview audit export header (AuditData column)"}
		case strings.Contains(jr.CSVType(), "InboxRule") || strings.Contains(hdr, "ruleidentity") || strings.Contains(hdr, "mailboxownerid"):
			g = logfmt.Guess{Format: "m365.inboxrule", Confidence: 90, Why: "Get-InboxRule export columns"}
		case strings.Contains(hdr, "delivertomailboxandforward") || strings.Contains(hdr, "forwardingsmtpaddress"):
			g = logfmt.Guess{Format: "m365.mailbox", Confidence: 85, Why: "Get-Mailbox forwarding columns"}
		}
		return g
	}
	if rec == nil {
		return g
	}
	n := Normalize(rec.Fields, rec.Origin)
	switch n.Kind {
	case KindUAL:
		g = logfmt.Guess{Format: "m365.ual", Confidence: 90, Why: "record has Operation and CreationTime/RecordType/Workload"}
		if n.Str("Workload") != "" && n.Str("RecordType") != "" {
			g.Confidence = 95
		}
	case KindSignIn:
		g = logfmt.Guess{Format: "m365.signin", Confidence: 90, Why: "Entra sign-in fields"}
	case KindCmdletLog:
		g = logfmt.Guess{Format: "m365.cmdletlog", Confidence: 90, Why: "MSExchange Management cmdlet log"}
	case KindInboxRule:
		g = logfmt.Guess{Format: "m365.inboxrule", Confidence: 80, Why: "inbox rule properties"}
	case KindMailbox:
		g = logfmt.Guess{Format: "m365.mailbox", Confidence: 75, Why: "mailbox forwarding properties"}
	}
	if g.Confidence > 0 && strings.EqualFold(filepath.Ext(name), ".csv") && k != jsonlog.KindCSV {
		g.Confidence -= 10
	}
	return g
}
