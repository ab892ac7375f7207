package tripwire

import (
	"context"
	"log/slog"
	"net"
	"sync"
	"time"
)

// Listeners is the part of a trap's life cycle that the traps accepting
// their own connections (smtptrap, credtrap) share: the listeners their
// Serve calls run on, and whether Shutdown has begun.
type Listeners struct {
	mu     sync.Mutex
	closed bool
	set    map[net.Listener]struct{}
}

// Add registers l for Serve. After Close it closes l and returns false:
// Serve then returns at once.
func (ls *Listeners) Add(l net.Listener) bool {
	ls.mu.Lock()
	defer ls.mu.Unlock()
	if ls.closed {
		l.Close()
		return false
	}
	if ls.set == nil {
		ls.set = make(map[net.Listener]struct{})
	}
	ls.set[l] = struct{}{}
	return true
}

// Remove forgets l when its Serve returns and reports whether Close was
// called (an error from serving a listener Close shut is no error).
func (ls *Listeners) Remove(l net.Listener) (closed bool) {
	ls.mu.Lock()
	defer ls.mu.Unlock()
	delete(ls.set, l)
	return ls.closed
}

// Close stops accepting on every listener, now and for later Adds. It
// reports whether this was the first Close.
func (ls *Listeners) Close() (first bool) {
	ls.mu.Lock()
	defer ls.mu.Unlock()
	first = !ls.closed
	ls.closed = true
	for l := range ls.set {
		l.Close()
	}
	return first
}

// Closed reports whether Close was called.
func (ls *Listeners) Closed() bool {
	ls.mu.Lock()
	defer ls.mu.Unlock()
	return ls.closed
}

// ShutdownGrace is how long a trap's Serve lets the work in flight finish
// when its context ends.
const ShutdownGrace = 5 * time.Second

// ShutdownWhenDone calls shutdown, with ShutdownGrace to finish, once ctx
// is done, and logs what it returns; the function it returns cancels that
// (Serve defers it).
func ShutdownWhenDone(ctx context.Context, shutdown func(context.Context) error, log *slog.Logger, what string) (stop func() bool) {
	return context.AfterFunc(ctx, func() {
		sctx, cancel := context.WithTimeout(context.Background(), ShutdownGrace)
		defer cancel()
		if err := shutdown(sctx); err != nil {
			log.Warn(what+": shutdown", "err", err)
		}
	})
}
