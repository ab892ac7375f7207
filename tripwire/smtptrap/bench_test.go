package smtptrap

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"github.com/emersion/go-smtp"

	"github.com/mailtrip/mailtrip/tripwire"
)

var nopRecorder = tripwire.RecorderFunc(func(context.Context, tripwire.Hit) (tripwire.Result, error) {
	return tripwire.Result{HitID: 1}, nil
})

// benchMessage is a forwarded decoy of about 4 KiB.
func benchMessage() string {
	var b strings.Builder
	b.WriteString("From: Mallory <m@attacker.example>\r\nTo: drop@" + canary + "\r\nSubject: Fwd: Q3 payroll\r\n")
	b.WriteString("Message-ID: <fwd1@attacker.example>\r\nReferences: <20250611093012." + subA + "@corp.example>\r\n")
	b.WriteString("Received: from a.example by b.example; Mon, 1 Jan 2024 00:00:00 +0000\r\n\r\n")
	for b.Len() < 4000 {
		b.WriteString("Please review the attached payroll file before Friday, thanks. https://f.example/s/" + subB + "/Q3.pdf\r\n")
	}
	return b.String()
}

// BenchmarkSMTPMessages sends messages one after another on one loopback
// connection, each recorded (by a recorder that does nothing) before its
// 250; the metric is messages/s.
func BenchmarkSMTPMessages(b *testing.B) {
	_, addr := start(b, Config{}, nopRecorder)
	c, err := smtp.Dial(addr)
	if err != nil {
		b.Fatal(err)
	}
	defer c.Close()
	msg := benchMessage()
	b.SetBytes(int64(len(msg)))
	b.ResetTimer()
	for b.Loop() {
		if err := c.SendMail("m@attacker.example", []string{"drop@" + canary}, strings.NewReader(msg)); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "msgs/s")
}

// BenchmarkSMTPMessagesParallel is the same over several connections.
func BenchmarkSMTPMessagesParallel(b *testing.B) {
	_, addr := start(b, Config{}, nopRecorder)
	msg := benchMessage()
	b.SetBytes(int64(len(msg)))
	b.SetParallelism(4)
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		c, err := smtp.Dial(addr)
		if err != nil {
			b.Error(err)
			return
		}
		defer c.Close()
		for pb.Next() {
			if err := c.SendMail("m@attacker.example", []string{"drop@" + canary}, strings.NewReader(msg)); err != nil {
				b.Error(err)
				return
			}
		}
	})
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "msgs/s")
}

// BenchmarkScanMessage is the candidate extraction alone, in bytes/s.
func BenchmarkScanMessage(b *testing.B) {
	msg := []byte(strings.Repeat(benchMessage(), 256)) // ~1 MiB
	b.SetBytes(int64(len(msg)))
	for b.Loop() {
		var m message
		if err := scanMessage(bytes.NewReader(msg), &m); err != nil {
			b.Fatal(err)
		}
	}
}
