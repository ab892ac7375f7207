package main

import (
	"fmt"
	"io"
	"sync"
	"sync/atomic"
	"time"
)

// progressBar draws one status line on a terminal: bytes read of the total,
// messages per second and the time left. It never draws in pipes (the
// caller only starts it on a terminal) and erases itself when stopped.
type progressBar struct {
	w        io.Writer
	bytes    *atomic.Int64
	total    func() (int64, bool) // total bytes, and whether it is final
	messages atomic.Int64
	start    time.Time
	done     chan struct{}
	drawn    bool
	wg       sync.WaitGroup
}

const progressEvery = 200 * time.Millisecond

func startProgress(w io.Writer, bytes *atomic.Int64, total func() (int64, bool)) *progressBar {
	b := &progressBar{w: w, bytes: bytes, total: total, start: time.Now(), done: make(chan struct{})}
	b.wg.Go(func() {
		t := time.NewTicker(progressEvery)
		defer t.Stop()
		for {
			select {
			case <-b.done:
				if b.drawn {
					fmt.Fprint(b.w, "\r\033[K")
				}
				return
			case <-t.C:
				b.draw()
			}
		}
	})
	return b
}

func (b *progressBar) draw() {
	elapsed := time.Since(b.start).Seconds()
	read := b.bytes.Load()
	total, final := b.total()
	msgs := b.messages.Load()
	line := fmt.Sprintf("scanning %s", humanBytes(read))
	switch {
	case total > 0 && final:
		pct := min(100*float64(read)/float64(total), 100)
		line += fmt.Sprintf(" / %s %3.0f%%", humanBytes(total), pct)
	case total > 0:
		// Folders are still being listed: the total only grows.
		line += fmt.Sprintf(" of %s listed so far", humanBytes(total))
	}
	if elapsed > 0 {
		rate := float64(read) / elapsed
		line += fmt.Sprintf("  %s/s  %s msgs  %.0f msgs/s", humanBytes(int64(rate)), humanCount(msgs), float64(msgs)/elapsed)
		if final && rate > 0 && total > read {
			line += fmt.Sprintf("  ETA %s", time.Duration(float64(total-read)/rate*float64(time.Second)).Round(time.Second))
		}
	}
	fmt.Fprintf(b.w, "\r\033[K%s", line)
	b.drawn = true
}

// stop erases the bar; safe on a nil bar.
func (b *progressBar) stop() {
	if b == nil {
		return
	}
	close(b.done)
	b.wg.Wait()
}

func humanBytes(n int64) string {
	const unit = 1024
	if n < unit {
		return fmt.Sprintf("%d B", n)
	}
	div, exp := int64(unit), 0
	for m := n / unit; m >= unit; m /= unit {
		div *= unit
		exp++
	}
	return fmt.Sprintf("%.1f %ciB", float64(n)/float64(div), "KMGTPE"[exp])
}

// humanCount renders 1234567 as 1,234,567.
func humanCount(n int64) string {
	s := fmt.Sprint(n)
	if n < 0 {
		return s
	}
	var out []byte
	for i, c := range []byte(s) {
		if i > 0 && (len(s)-i)%3 == 0 {
			out = append(out, ',')
		}
		out = append(out, c)
	}
	return string(out)
}
