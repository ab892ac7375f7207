package header

import "github.com/mailtrip/mailtrip/mailfmt"

// manualForward reports the signs that a person forwarded m by hand.
// (Placeholder until the manual-forward classifier lands.)
func manualForward(m *mailfmt.Message) []Finding { return nil }
