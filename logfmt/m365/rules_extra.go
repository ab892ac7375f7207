package m365

// View returns a Record over fields that [Normalize] already processed —
// an event's Fields as ingest passed them on — classifying the record
// again but adding nothing, so detectors can use the typed accessors
// ([Record.Operation], [Record.InboxRule], [Record.ForwardAddresses], ...)
// without copying or re-deriving the record. fields is not modified.
func View(fields map[string]any) *Record {
	r := &Record{Fields: fields}
	r.Kind = r.classify()
	return r
}
