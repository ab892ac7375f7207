package imap

import (
	"context"
	"testing"
	"time"

	"github.com/emersion/go-imap/v2"

	"github.com/mailtrip/mailtrip/plant"

	"github.com/mailtrip/mailtrip/internal/dovecottest"
)

// The goal: planting into the local Dovecot at ≥ 0.8× the rate of
// a plain APPEND loop on one go-imap connection (BenchmarkAppendLoop).
// All three use imaps and the same messages.

func benchMessages(n int) []plant.Message {
	ms := make([]plant.Message, n)
	for i := range ms {
		ms[i] = decoy(i, "S", past.Add(time.Duration(i)*time.Minute))
	}
	return ms
}

func reportRate(b *testing.B, start time.Time) {
	b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "msgs/s")
}

// BenchmarkAppendLoop is the baseline: APPEND after APPEND on one logged-in
// go-imap client, flags and internal date set, nothing else.
func BenchmarkAppendLoop(b *testing.B) {
	d := dovecottest.Start(b, dovecottest.Config{})
	c := client(b, d)
	ms := benchMessages(b.N)
	b.ResetTimer()
	start := time.Now()
	for _, m := range ms {
		cmd := c.Append("INBOX", int64(len(m.Raw)), &imap.AppendOptions{Flags: []imap.Flag{imap.FlagSeen}, Time: m.Date})
		if _, err := cmd.Write(m.Raw); err != nil {
			b.Fatal(err)
		}
		if err := cmd.Close(); err != nil {
			b.Fatal(err)
		}
		if _, err := cmd.Wait(); err != nil {
			b.Fatal(err)
		}
	}
	reportRate(b, start)
}

// BenchmarkPlant plants one message per call: connect, TLS, login,
// APPEND, logout each time.
func BenchmarkPlant(b *testing.B) {
	d := dovecottest.Start(b, dovecottest.Config{})
	tg := target(b, d, "INBOX", false)
	ms := benchMessages(b.N)
	ctx := context.Background()
	b.ResetTimer()
	start := time.Now()
	for _, m := range ms {
		if _, err := tg.Plant(ctx, m); err != nil {
			b.Fatal(err)
		}
	}
	reportRate(b, start)
}

// BenchmarkPlantBatch plants all messages over one connection.
func BenchmarkPlantBatch(b *testing.B) {
	d := dovecottest.Start(b, dovecottest.Config{})
	tg := target(b, d, "INBOX", false)
	ms := benchMessages(b.N)
	ctx := context.Background()
	b.ResetTimer()
	start := time.Now()
	rs, err := tg.PlantBatch(ctx, ms)
	if err != nil {
		b.Fatal(err)
	}
	if len(rs) != b.N {
		b.Fatalf("%d receipts for %d messages", len(rs), b.N)
	}
	reportRate(b, start)
}
