//go:build !unix

package auditparse

import "time"

// cpuTime is unknown here; records/cpu-s is then not reported.
func cpuTime() time.Duration { return 0 }
