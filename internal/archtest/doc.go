// Package archtest holds no code: its tests check the architecture of the
// whole module (every package documented, the import rules of
// docs/ARCHITECTURE.md respected), in the manner of tailscale's deptest.
package archtest
