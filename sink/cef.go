package sink

import (
	"net/netip"
	"strconv"
	"strings"

	"github.com/mailtrip/mailtrip/alert"
)

// ArcSight Common Event Format (CEF:0), as in "Implementing ArcSight CEF"
// (Micro Focus, revision 25):
//
//	CEF:Version|Device Vendor|Device Product|Device Version|Device Event Class ID|Name|Severity|Extension
//
// In the seven header fields a pipe is escaped "\|" and a backslash "\\";
// they hold no line breaks (mailtrip turns them into spaces). The extension
// is space-separated key=value pairs: in values a backslash is "\\", an
// equals sign "\=", and a line break "\n" or "\r"; pipes need no escape.
// Keys are from the CEF dictionary (rt, start, externalId, msg, src, suser,
// requestClientApplication, filePath, cat) and the custom-string pairs
// cs1..cs6 with their csNLabel.

var (
	cefHeaderEscaper = strings.NewReplacer(`\`, `\\`, `|`, `\|`, "\r\n", " ", "\n", " ", "\r", " ")
	cefValueEscaper  = strings.NewReplacer(`\`, `\\`, `=`, `\=`, "\r\n", `\n`, "\n", `\n`, "\r", `\r`)
)

// cefSeverity maps a Sigma level onto CEF's 0–10.
func cefSeverity(l alert.Level) int {
	switch l {
	case alert.Informational:
		return 1
	case alert.Low:
		return 3
	case alert.Medium:
		return 5
	case alert.High:
		return 8
	}
	return 10
}

// CEF renders an alert as one CEF:0 record. vendor, product and version
// fill the device fields (mailtrip, mailtrip, the release).
func CEF(a *alert.Alert, vendor, product, version string) string {
	var b strings.Builder
	h := cefHeaderEscaper.Replace
	name := a.Rule.Title
	if name == "" {
		name = a.Rule.ID
	}
	b.WriteString("CEF:0|")
	for _, f := range []string{vendor, product, version, a.Rule.ID, name} {
		b.WriteString(h(f))
		b.WriteByte('|')
	}
	b.WriteString(strconv.Itoa(cefSeverity(a.Rule.Level)))
	b.WriteByte('|')

	first := true
	kv := func(k, v string) {
		if v == "" {
			return
		}
		if !first {
			b.WriteByte(' ')
		}
		first = false
		b.WriteString(k)
		b.WriteByte('=')
		b.WriteString(cefValueEscaper.Replace(v))
	}
	if !a.DetectedAt.IsZero() {
		kv("rt", strconv.FormatInt(a.DetectedAt.UnixMilli(), 10))
	}
	if !a.Time.IsZero() {
		kv("start", strconv.FormatInt(a.Time.UnixMilli(), 10))
	}
	kv("externalId", a.ID)
	kv("cat", a.Detector)
	kv("msg", a.Summary)
	if a.Actor != nil {
		if ip, err := netip.ParseAddr(a.Actor.IP); err == nil {
			kv("src", ip.String()) // CEF types src as an address: nothing else goes in
		}
		kv("suser", a.Actor.User)
		kv("requestClientApplication", a.Actor.UserAgent)
	}
	kv("filePath", a.Origin.File)
	custom := []struct{ label, value string }{
		{"mailbox", a.Mailbox},
		{"folder", a.Folder},
		{"messageId", a.MessageID},
		{"tags", strings.Join(a.Rule.Tags, ",")},
	}
	if a.Decoy != nil {
		custom = append(custom,
			struct{ label, value string }{"decoyId", a.Decoy.ID},
			struct{ label, value string }{"trigger", a.Decoy.Trigger})
	}
	n := 0
	for _, c := range custom {
		if c.value == "" || n == 6 {
			continue
		}
		n++
		k := "cs" + strconv.Itoa(n)
		kv(k+"Label", c.label)
		kv(k, c.value)
	}
	return b.String()
}
