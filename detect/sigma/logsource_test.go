package sigma

import (
	"context"
	"slices"
	"strings"
	"testing"

	"github.com/mailtrip/mailtrip/alert"
	"github.com/mailtrip/mailtrip/event"
)

// windowsRules are rules of several Windows log sources.
const windowsRules = `title: proc
id: proc
logsource: {category: process_creation, product: windows}
detection:
  sel: {Image|endswith: '\whoami.exe'}
  condition: sel
---
title: sysmon any
id: sysmon-any
logsource: {product: windows, service: sysmon}
detection:
  sel: {Image|endswith: '\whoami.exe'}
  condition: sel
---
title: security logon
id: logon
logsource: {product: windows, service: security}
detection:
  sel: {EventID: 4624, LogonType: 10}
  condition: sel
---
title: provider
id: provider
logsource: {product: windows, service: system}
detection:
  sel: {Provider_Name: Service Control Manager, EventID: 7045}
  condition: sel
---
title: m365 inbox rule
id: m365
logsource: {product: m365, service: audit}
detection:
  sel: {Operation: New-InboxRule, Parameters|contains: ForwardTo}
  condition: sel
---
title: zeek
id: zeek
logsource: {product: zeek, service: http}
detection:
  sel: {method: POST}
  condition: sel
`

func TestLogsources(t *testing.T) {
	rs := compileYAML(t, windowsRules, Config{})
	cases := []struct {
		name  string
		event string
		want  []string
	}{
		{"sysmon flat", `{"Channel":"Microsoft-Windows-Sysmon/Operational","EventID":1,"Image":"C:\\Windows\\System32\\whoami.exe"}`, []string{"proc", "sysmon-any"}},
		{"sysmon evtx_dump", `{"Event":{"System":{"Channel":"Microsoft-Windows-Sysmon/Operational","EventID":1},"EventData":{"Image":"C:\\Windows\\System32\\whoami.exe"}}}`, []string{"proc", "sysmon-any"}},
		{"sysmon evtx Data list", `{"Event":{"System":{"Channel":"Microsoft-Windows-Sysmon/Operational","EventID":{"#text":"1"}},"EventData":{"Data":[{"#attributes":{"Name":"Image"},"#text":"C:\\Windows\\whoami.exe"}]}}}`, []string{"proc", "sysmon-any"}},
		{"winlogbeat", `{"winlog":{"channel":"Microsoft-Windows-Sysmon/Operational","event_id":1,"event_data":{"Image":"C:\\x\\whoami.exe"}}}`, []string{"proc", "sysmon-any"}},
		{"sysmon other event id", `{"Channel":"Microsoft-Windows-Sysmon/Operational","EventID":11,"Image":"C:\\Windows\\System32\\whoami.exe"}`, []string{"sysmon-any"}},
		{"security 4688 maps Image", `{"Channel":"Security","EventID":4688,"NewProcessName":"C:\\Windows\\System32\\whoami.exe"}`, []string{"proc"}},
		{"security 4688 without mapping field", `{"Channel":"Security","EventID":4688,"Image":"C:\\Windows\\System32\\whoami.exe"}`, nil},
		{"security logon", `{"Channel":"security","EventID":4624,"LogonType":10}`, []string{"logon"}},
		{"provider attribute", `{"Event":{"System":{"Provider":{"#attributes":{"Name":"Service Control Manager"}},"Channel":"System","EventID":7045}}}`, []string{"provider"}},
		{"wrong channel", `{"Channel":"Application","EventID":1,"Image":"C:\\whoami.exe"}`, nil},
		{"m365", `{"Workload":"Exchange","Operation":"New-InboxRule","Parameters":[{"Name":"ForwardTo","Value":"x@evil.test"}]}`, []string{"m365"}},
		{"purview AuditData", `{"Operations":"New-InboxRule","AuditData":{"Workload":"Exchange","Operation":"New-InboxRule","Parameters":[{"Name":"ForwardTo","Value":"x@evil.test"}]}}`, []string{"m365"}},
		{"unknown source meets unmapped rules", `{"method":"POST"}`, []string{"zeek"}},
		{"known source does not meet unmapped rules", `{"Channel":"Security","EventID":1,"method":"POST"}`, nil},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got := matchedIDs(rs, jsonEvent(t, tc.event))
			slices.Sort(got)
			if !slices.Equal(got, tc.want) {
				t.Errorf("matched %v, want %v", got, tc.want)
			}
		})
	}
}

func TestUserMapping(t *testing.T) {
	m, err := ParseMapping(strings.NewReader(`sources:
  - product: zeek
    service: http
    formats: [zeek-http]
`), "map.yml")
	if err != nil {
		t.Fatal(err)
	}
	rs := compileYAML(t, windowsRules, Config{Mappings: []*Mapping{m}})
	e := jsonEvent(t, `{"method":"POST"}`)
	e.Origin.Format = "zeek-http"
	if got := matchedIDs(rs, e); !slices.Equal(got, []string{"zeek"}) {
		t.Errorf("matched %v", got)
	}
	for _, bad := range []string{"sources: [{product: x}]", "sources: [{formats: [x]}]", "nope: 1", "sources: ["} {
		if _, err := ParseMapping(strings.NewReader(bad), "bad.yml"); err == nil {
			t.Errorf("%q: no error", bad)
		}
	}
}

func TestFieldsFromEvtxJSON(t *testing.T) {
	e := jsonEvent(t, `{"Event":{"System":{"Provider":{"#attributes":{"Name":"Microsoft-Windows-Sysmon","Guid":"{5770}"}},"EventID":1,"Channel":"Microsoft-Windows-Sysmon/Operational","Execution":{"#attributes":{"ProcessID":4}}},"EventData":{"Image":"C:\\a.exe","CommandLine":"a -x"}}}`)
	flat := FieldsFromEvtxJSON(e.Fields)
	for k, want := range map[string]any{"Provider_Name": "Microsoft-Windows-Sysmon", "EventID": float64(1), "Channel": "Microsoft-Windows-Sysmon/Operational",
		"Execution_ProcessID": float64(4), "Image": "C:\\a.exe", "CommandLine": "a -x"} {
		if flat[k] != want {
			t.Errorf("%s = %v, want %v", k, flat[k], want)
		}
	}
	r := NewRecord(e)
	for _, k := range []string{"Provider_Name", "EventID", "Channel", "Image", "CommandLine", "Execution_ProcessID"} {
		if v, ok := r.Get(k); !ok || v != flat[k] {
			t.Errorf("Record.Get(%s) = %v, %v; flattened %v", k, v, ok, flat[k])
		}
	}
}

const filterRules = `title: Data Compressed - rar.exe
id: 6f3e2987-db24-4c78-a860-b4f4095a7095
logsource: {category: process_creation, product: windows}
detection:
  sel: {Image|endswith: '\rar.exe'}
  condition: sel
---
title: other
id: other
logsource: {category: process_creation, product: windows}
detection:
  sel: {Image|endswith: '\rar.exe'}
  condition: sel
`

func TestMetaFilter(t *testing.T) {
	data, err := readShared(t, "spec", "tests", "schema", "filter", "filter_1.yml")
	if err != nil {
		t.Fatal(err)
	}
	rs := compileYAML(t, filterRules+"---\n"+data, Config{})
	admin := jsonEvent(t, `{"Channel":"Microsoft-Windows-Sysmon/Operational","EventID":1,"Image":"C:\\rar.exe","User":"adm_bob"}`)
	user := jsonEvent(t, `{"Channel":"Microsoft-Windows-Sysmon/Operational","EventID":1,"Image":"C:\\rar.exe","User":"bob"}`)
	if got := matchedIDs(rs, admin); !slices.Equal(got, []string{"other"}) {
		t.Errorf("admin event matched %v; the filter should suppress the rar rule only", got)
	}
	got := matchedIDs(rs, user)
	slices.Sort(got)
	if !slices.Equal(got, []string{"6f3e2987-db24-4c78-a860-b4f4095a7095", "other"}) {
		t.Errorf("user event matched %v", got)
	}
}

func TestDetectorAlert(t *testing.T) {
	src := `title: Outlook data file read by script host
id: pst-read
level: high
tags: [attack.collection, attack.t1114.001]
logsource: {category: process_creation, product: windows}
detection:
  sel:
    Image|endswith: ['\wscript.exe', '\powershell.exe']
    CommandLine|contains: ['.pst', '.ost']
  filter: {User: SYSTEM}
  condition: sel and not filter
`
	rs := compileYAML(t, src, Config{})
	d := NewDetector(rs, Options{})
	e := jsonEvent(t, `{"Event":{"System":{"Channel":"Microsoft-Windows-Sysmon/Operational","EventID":1,"EventRecordID":77},"EventData":{"Image":"C:\\powershell.exe","CommandLine":"copy a.pst \\\\x\\y","User":"bob"}}}`)
	e.Origin = event.Origin{File: "sysmon.json", Offset: 120, RecordID: "77"}
	var as []alert.Alert
	if err := d.Detect(context.Background(), e, func(a alert.Alert) { as = append(as, a) }); err != nil {
		t.Fatal(err)
	}
	if len(as) != 1 {
		t.Fatalf("%d alerts", len(as))
	}
	a := as[0]
	if a.Rule.ID != "pst-read" || a.Rule.Level != alert.High || !slices.Equal(a.Rule.Tags, []string{"attack.collection", "attack.t1114.001"}) ||
		a.Detector != Name || a.Origin != e.Origin || a.ID != alert.ID(Name, "pst-read", e.Origin) {
		t.Errorf("alert = %+v", a)
	}
	if a.Evidence["Image"] != "C:\\powershell.exe" || a.Evidence["CommandLine"] != "copy a.pst \\\\x\\y" || a.Evidence["User"] != nil {
		t.Errorf("evidence = %v", a.Evidence)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := d.Detect(ctx, e, func(alert.Alert) {}); err == nil {
		t.Error("Detect ignored a cancelled context")
	}
}
