package main

import (
	"os"
	"runtime/debug"
)

// serveGCPercent is serve's GOGC when the environment sets none. The
// daemon keeps a live heap of a few MiB beside what every touch allocates
// and drops, so at Go's default of 100 the collector runs many times a
// second under a flood; at 400 it runs a quarter as often (bench/README.md:
// about a sixth more touches/s). scan has its own setting (tuneGC).
const serveGCPercent = 400

// tuneServeGC sets the collector for serve: GOGC=serveGCPercent unless
// GOGC is set, and, unless GOMEMLIMIT is set, a soft memory limit of half
// the machine's memory, so that caches grown large collect sooner rather
// than at five times their size. The returned function restores the
// previous settings.
func tuneServeGC() (restore func()) {
	restore = func() {}
	if os.Getenv("GOGC") == "" {
		prev := debug.SetGCPercent(serveGCPercent)
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
