// Package gcpolicy sets the Go collector for mailtrip's two busy commands,
// so that the benchmarks measure with the settings the commands run with.
// GOGC or GOMEMLIMIT in the environment take precedence over both.
package gcpolicy

import (
	"os"
	"runtime/debug"
)

// ScanMemoryLimit is the heap size at which a scan collects garbage.
const ScanMemoryLimit = 48 << 20

// Scan lets the collector run by memory use rather than by allocation
// rate. A scan's live heap is small and steady (read buffers, per-message
// headers, per-mailbox counters, baselines) while it allocates per message
// and per record, so the default GOGC=100 collects every few megabytes.
// Here the collector runs when the heap nears ScanMemoryLimit, which keeps
// the whole process inside the 64 MiB anonymous-memory budget
// (bench/README.md) and saves about a fifth of the CPU of a 1 GiB mbox
// scan and a tenth of parse + detect of audit logs. Should the live heap
// outgrow the limit (say, --format table over millions of alerts), the
// runtime caps collection at half the CPU and lets the heap grow. The
// returned function restores the previous settings.
func Scan() (restore func()) {
	if os.Getenv("GOGC") != "" || os.Getenv("GOMEMLIMIT") != "" {
		return func() {}
	}
	pct := debug.SetGCPercent(-1)
	limit := debug.SetMemoryLimit(ScanMemoryLimit)
	return func() {
		debug.SetMemoryLimit(limit)
		debug.SetGCPercent(pct)
	}
}

// ServeGCPercent is serve's GOGC. The daemon keeps a few MiB live beside
// what every touch allocates and drops, so at the default of 100 the
// collector runs many times a second under a flood; at 400 it runs a
// quarter as often (bench/README.md: about a sixth more touches/s).
const ServeGCPercent = 400

// Serve sets GOGC=ServeGCPercent and a soft memory limit of half the
// machine's memory, so that caches grown large collect sooner rather than
// at five times their size. The returned function restores the previous
// settings.
func Serve() (restore func()) {
	restore = func() {}
	if os.Getenv("GOGC") == "" {
		prev := debug.SetGCPercent(ServeGCPercent)
		restore = func() { debug.SetGCPercent(prev) }
	}
	if os.Getenv("GOMEMLIMIT") == "" {
		if total := physicalMemory(); total > 0 {
			prevLimit := debug.SetMemoryLimit(int64(total / 2))
			r := restore
			restore = func() { debug.SetMemoryLimit(prevLimit); r() }
		}
	}
	return restore
}
