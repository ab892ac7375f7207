package dnstrap

import (
	"sync"
	"time"
)

// maxDedupNames bounds the names remembered for repeat detection. Past it
// (after forgetting expired ones) a new name is not remembered, so its
// next lookup counts as a new touch: too many touches, never too few.
const maxDedupNames = 100_000

// dedup tells a lookup of a name within window after that name's first
// lookup (a touch) from the first: resolver farms, A then AAAA, retries,
// QNAME minimisation all ask again.
type dedup struct {
	window time.Duration
	max    int

	mu    sync.Mutex
	names map[string]*touch
	swept time.Time
}

type touch struct {
	first time.Time
	n     int // repeats seen so far
}

func newDedup(window time.Duration, max int) *dedup {
	return &dedup{window: window, max: max, names: map[string]*touch{}}
}

// see records a lookup of name at now and reports whether it repeats a
// touch, and which repeat it is (1 for the first repeat).
func (d *dedup) see(name string, now time.Time) (repeat bool, n int) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if t := d.names[name]; t != nil && now.Sub(t.first) < d.window {
		t.n++
		return true, t.n
	}
	if len(d.names) >= d.max || now.Sub(d.swept) > d.window {
		for k, t := range d.names {
			if now.Sub(t.first) >= d.window {
				delete(d.names, k)
			}
		}
		d.swept = now
	}
	if len(d.names) < d.max {
		d.names[name] = &touch{first: now}
	} else {
		delete(d.names, name)
	}
	return false, 0
}
