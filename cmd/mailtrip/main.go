// Command mailtrip detects email collection (MITRE ATT&CK T1114) in mail
// stores and logs, and catches it with decoy content. See README.md.
//
// Run is the whole program behind a testable signature; main only wires
// the process's arguments, streams and signals to it and exits with the
// code Run decides (0 nothing found, 1 findings at or above --fail-on,
// 2 usage or configuration error, 3 some input could not be read).
package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := Run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}
