// Package event defines [Event], the normalized record every mailtrip input
// produces: a mail message read from a store or a log record, together with
// the [Origin] that lets an alert point back at the exact bytes it came from.
//
// Contracts: an Event never owns more than one record; Origin is always set
// (File and either Offset, Line or RecordID); Fields keeps the source's own
// field names and nesting so rules written against the source format match.
package event

import (
	"fmt"
	"strings"
	"time"

	"github.com/mailtrip/mailtrip/mailfmt"
)

// Kind says what an Event holds.
type Kind string

// Kinds of events.
const (
	KindMessage Kind = "mail.message" // a mail message from a store; Message is set
	KindLog     Kind = "log"          // a log or audit record; Fields is set
)

// Origin locates a record in its source. Offset is -1 when the source has
// no byte offsets (stdin after decompression, an API).
type Origin struct {
	File     string `json:"file,omitempty"`
	Offset   int64  `json:"offset"`
	Line     int64  `json:"line,omitempty"`
	RecordID string `json:"record_id,omitempty"`
	Format   string `json:"format,omitempty"`
}

// String renders the origin as file:offset or file:line for messages.
func (o Origin) String() string {
	var b strings.Builder
	b.WriteString(o.File)
	switch {
	case o.Line > 0:
		fmt.Fprintf(&b, ":%d", o.Line)
	case o.Offset > 0:
		fmt.Fprintf(&b, "@%d", o.Offset)
	}
	return b.String()
}

// Event is one normalized record.
type Event struct {
	Kind   Kind
	Time   time.Time // when the record says it happened; zero if unknown
	Origin Origin
	// Mailbox names the mail store the record belongs to (a Maildir root,
	// an mbox file, a folder of .eml files), or the user a log record is
	// about.
	Mailbox string
	// Folder is the folder inside Mailbox ("INBOX", "Archive/2024").
	Folder string
	// Message is the parsed message for KindMessage.
	Message *mailfmt.Message
	// Fields holds a log record's own fields, nested as in the source.
	Fields map[string]any
	// Decoy is set (to the decoy id) when the record is, or carries, a
	// decoy mailtrip planted; detectors that judge a mailbox's own mail
	// leave such records out.
	Decoy string
}

// Get looks up a dotted path ("AuditData.Operation") in Fields; for
// messages "header.<Name>" returns the first header field of that name.
func (e *Event) Get(path string) (any, bool) {
	if e.Message != nil {
		if name, ok := strings.CutPrefix(path, "header."); ok {
			if !e.Message.Header.Has(name) {
				return nil, false
			}
			return e.Message.Header.Get(name), true
		}
	}
	var cur any = e.Fields
	for part := range strings.SplitSeq(path, ".") {
		m, ok := cur.(map[string]any)
		if !ok {
			return nil, false
		}
		if cur, ok = m[part]; !ok {
			return nil, false
		}
	}
	return cur, true
}
