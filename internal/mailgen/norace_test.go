//go:build !race

package mailgen

// RaceEnabled: see race_test.go.
const RaceEnabled = false
