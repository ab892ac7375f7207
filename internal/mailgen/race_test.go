//go:build race

package mailgen

// RaceEnabled is set under the race detector, which slows generation about
// tenfold; tests then use fewer messages. (Exported for the external
// ground-truth test; test builds only.)
const RaceEnabled = true
