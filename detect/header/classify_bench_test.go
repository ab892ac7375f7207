package header

import (
	"bytes"
	"testing"

	"github.com/mailtrip/mailtrip/internal/mailgen"
	"github.com/mailtrip/mailtrip/mailfmt"
	"github.com/mailtrip/mailtrip/mailfmt/mbox"
)

// BenchmarkClassify classifies the messages of a generated mailbox with
// the default mix (the benchmark store's), as a scan does: per message,
// the artifact rules, the manual-forward signs and the near-miss tests.
func BenchmarkClassify(b *testing.B) {
	var buf bytes.Buffer
	if _, err := mailgen.WriteMbox(&buf, mailgen.Config{Seed: 1, Messages: 2000}); err != nil {
		b.Fatal(err)
	}
	r := mbox.NewBytesReader(buf.Bytes(), mbox.Options{})
	var msgs []*mailfmt.Message
	for {
		m, err := r.Next()
		if err != nil {
			break
		}
		msgs = append(msgs, m)
	}
	internal := internalMatcher(nil)
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		classify(msgs[i%len(msgs)], internal, manualForwardView)
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N), "ns/msg")
}
