// Package auditparse holds the end-to-end benchmark of Microsoft 365
// audit records: the logfmt/m365 reader, the events ingest builds from
// its records, and the detect/baseline and detect/mailrules detectors on
// every event (bench_test.go). It has no code of its own; the benchmark
// lives outside logfmt because logfmt may not import detect.
package auditparse
