package mailrules

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/mailtrip/mailtrip/alert"
	"github.com/mailtrip/mailtrip/event"
)

// benchEvents returns m365 events as ingest makes them, for 200 users:
// mostly the real MailItemsAccessed and sign-in samples, and per 50
// records one each of an inbox rule, a Set-Mailbox forwarding, a folder
// permission and the three real admin samples (Add-MailboxPermission,
// ModifyFolderPermissions, Set-Mailbox clearing forwarding): 12% of the
// records are judged in full, far more than in a real tenant's log.
func benchEvents(b *testing.B) []*event.Event {
	files, _ := filepath.Glob(filepath.Join(shared(b, "platform", "m365"), "*.json"))
	var raw, admin [][]byte // activity samples; admin-operation samples
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			b.Fatal(err)
		}
		switch base := filepath.Base(f); {
		case strings.Contains(base, "permission"), strings.Contains(base, "set-mailbox"):
			admin = append(admin, data)
		default:
			raw = append(raw, data)
		}
	}
	var evs []*event.Event
	for i := 0; len(evs) < 5000; i++ {
		user := fmt.Sprintf("user%d@corp.example", i%200)
		ip := fmt.Sprintf("198.51.%d.%d", i%7, i%250)
		switch i % 50 {
		case 7:
			evs = append(evs, m365Event(ual("New-InboxRule", user, ip, "Mailbox", user, "Name", "Rule", "ForwardTo", "eve@evil.example", "SubjectContainsWords", "invoice"), "b", i))
		case 19:
			evs = append(evs, m365Event(ual("Set-Mailbox", "admin@corp.example", ip, "Identity", user, "ForwardingSmtpAddress", "smtp:bob@corp.example"), "b", i))
		case 31:
			evs = append(evs, m365Event(ual("Add-MailboxFolderPermission", user, ip, "Identity", user+`:\Inbox`, "User", "Default", "AccessRights", "Reviewer"), "b", i))
		case 11, 23, 37:
			m := decode(b, admin[i%len(admin)])
			m["UserId"] = user
			evs = append(evs, m365Event(m, "b", i))
		default:
			m := decode(b, raw[i%len(raw)])
			m["UserId"] = user
			evs = append(evs, m365Event(m, "b", i))
		}
	}
	return evs
}

// BenchmarkDetectM365 measures detection alone (records already parsed
// and normalized) in records per second on one goroutine.
func BenchmarkDetectM365(b *testing.B) {
	evs := benchEvents(b)
	d := New(Options{InternalDomains: []string{"corp.example"}})
	ctx := context.Background()
	alerts := 0
	emit := func(alert.Alert) { alerts++ }
	b.ReportAllocs()
	b.ResetTimer()
	n := 0
	for b.Loop() {
		_ = d.Detect(ctx, evs[n%len(evs)], emit)
		n++
	}
	b.ReportMetric(float64(n)/b.Elapsed().Seconds(), "records/s")
}
