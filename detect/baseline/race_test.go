//go:build race

package baseline_test

// raceEnabled: the race detector slows the tenant tests several times;
// they run fewer seeds under it.
const raceEnabled = true
