//go:build race

package mailgen_test

// race is set under the race detector, which slows generation about tenfold;
// tests then use fewer messages.
const race = true
