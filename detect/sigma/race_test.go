//go:build race

package sigma

// raceEnabled: the race detector slows matching ~10×; the slowest tests
// check a subset under it.
const raceEnabled = true
