// Package sigma is mailtrip's Sigma rule engine: it parses Sigma rules,
// correlation rules and meta filters (Sigma specification 2.1, as kept in
// the shared testdata under spec/), compiles them once into matchers,
// indexes them by log source and by literals, and runs them on
// event.Event records.
//
//	rs, rep, err := sigma.LoadDir("rules/", sigma.Config{})  // or LoadFS, Parse+Compile
//	d := sigma.NewDetector(rs, sigma.Options{})             // detect.Detector + detect.Flusher
//	rs.Match(e, func(r *sigma.CompiledRule, rec *sigma.Record) { ... })
//
// Supported: detection maps and lists, keyword searches, null, wildcards
// with escaping, case-insensitive matching; every modifier of the modifiers
// appendix (contains, startswith, endswith, all, base64, base64offset,
// utf16le/utf16be/utf16/wide, windash, re with i/m/s, cidr, exists,
// fieldref, cased, neq, gt/gte/lt/lte, expand, minute/hour/day/week/month/
// year); conditions with and/or/not, parentheses, "1/any/all/N of" with
// wildcards and "them"; meta filters; correlations event_count,
// value_count, value_sum, value_avg, temporal and temporal_ordered with
// group-by, timespan, condition, aliases, generate and chaining. State of
// correlations is behind [CorrelationState].
//
// Log sources: an event's sources are recognised from its Windows Channel,
// EventID and Provider_Name, from fields of M365, Google Workspace and
// auditd records, or from the ingest format hint (event.Origin.Format);
// see [BuiltinMapping] and [Source] for user mapping files. Field names
// are read the same way from flat JSON, evtx_dump JSON and Winlogbeat
// ([Record]).
//
// Notable divergences from pySigma and the specification (docs/sigma.md
// has the full list):
//   - Regular expressions are Go's RE2: lookaround and backreferences are
//     reported as unsupported.
//   - Case-insensitive comparison folds ASCII byte by byte, and lower-cases
//     the value first only for patterns holding non-ASCII letters.
//   - Keywords match anywhere inside any value of the event (as contains).
//   - A meta filter's condition says what to suppress: the rule matches
//     when its own condition holds and the filter's does not.
//   - An expand placeholder without configured values matches nothing (a
//     warning in the report), rather than rejecting the rule.
//   - value_percentile correlations are reported as unsupported.
//   - A rule without a level is medium.
package sigma
