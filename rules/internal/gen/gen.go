// Package gen generates a deterministic stream of realistic Windows
// events (Sysmon, Security, PowerShell) in the flat field shape the EVTX
// reader produces, for benchmarking the built-in rule pack. About 1 % of
// the events are email-collection activity the pack detects; the rest is
// ordinary workstation and server traffic, including the near misses
// (Outlook writing its .ost, Thunderbird on IMAPS, admins listing
// mailboxes) that the pack must pass over.
package gen

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"strings"
)

const (
	chSysmon   = "Microsoft-Windows-Sysmon/Operational"
	chSecurity = "Security"
	chPS       = "Microsoft-Windows-PowerShell/Operational"
)

var (
	users = []string{"jdoe", "asmith", "bwong", "cperez", "dkumar", "svc-backup", "administrator"}
	hosts = []string{"WS-0142", "WS-0177", "WS-0203", "LT-0031", "EX01", "FS02", "DC01"}

	procs = []struct{ image, cmd, parent string }{
		{`C:\Windows\System32\svchost.exe`, `C:\Windows\system32\svchost.exe -k netsvcs -p -s Schedule`, `C:\Windows\System32\services.exe`},
		{`C:\Windows\System32\conhost.exe`, `\??\C:\Windows\system32\conhost.exe 0xffffffff -ForceV1`, `C:\Windows\System32\cmd.exe`},
		{`C:\Program Files\Google\Chrome\Application\chrome.exe`, `"C:\Program Files\Google\Chrome\Application\chrome.exe" --type=renderer --lang=en-US --field-trial-handle=1984`, `C:\Program Files\Google\Chrome\Application\chrome.exe`},
		{`C:\Program Files\Microsoft Office\root\Office16\OUTLOOK.EXE`, `"C:\Program Files\Microsoft Office\root\Office16\OUTLOOK.EXE" /recycle`, `C:\Windows\explorer.exe`},
		{`C:\Program Files\Microsoft Office\root\Office16\WINWORD.EXE`, `"C:\Program Files\Microsoft Office\root\Office16\WINWORD.EXE" /n "C:\Users\%u\Documents\Q3 report.docx"`, `C:\Windows\explorer.exe`},
		{`C:\Windows\System32\WindowsPowerShell\v1.0\powershell.exe`, `powershell.exe -NoProfile -Command Get-Service | Where-Object Status -eq Running`, `C:\Windows\System32\cmd.exe`},
		{`C:\Windows\System32\WindowsPowerShell\v1.0\powershell.exe`, `powershell.exe -ExecutionPolicy Bypass -File C:\ProgramData\Intune\detect.ps1`, `C:\Program Files (x86)\Microsoft Intune Management Extension\AgentExecutor.exe`},
		{`C:\Windows\System32\cmd.exe`, `C:\Windows\system32\cmd.exe /c dir C:\Users\%u\Documents`, `C:\Windows\explorer.exe`},
		{`C:\Windows\System32\Robocopy.exe`, `robocopy C:\Users\%u\Documents \\FS02\home$\%u\Documents /MIR /R:1 /W:1`, `C:\Windows\System32\cmd.exe`},
		{`C:\Windows\System32\taskhostw.exe`, `taskhostw.exe -RegisterDevice -ProtectionStateChanged -FreeNetworkOnly`, `C:\Windows\System32\svchost.exe`},
		{`C:\Program Files\Mozilla Thunderbird\thunderbird.exe`, `"C:\Program Files\Mozilla Thunderbird\thunderbird.exe"`, `C:\Windows\explorer.exe`},
		{`C:\Windows\System32\curl.exe`, `curl.exe -s -o C:\Users\%u\AppData\Local\Temp\logo.png https://ssl.pstatic.net/static/logo.png`, `C:\Windows\System32\cmd.exe`},
		{`C:\Windows\System32\msiexec.exe`, `C:\Windows\system32\msiexec.exe /V`, `C:\Windows\System32\services.exe`},
		{`C:\Windows\System32\SearchProtocolHost.exe`, `"C:\Windows\system32\SearchProtocolHost.exe" Global\UsGthrFltPipeMssGthrPipe5_ Global\UsGthrCtrlFltPipeMssGthrPipe5 1 -2147483646 "Software\Microsoft\Windows Search"`, `C:\Windows\System32\SearchIndexer.exe`},
	}
	conns = []struct {
		image, host string
		port        int
	}{
		{`C:\Program Files\Google\Chrome\Application\chrome.exe`, "www.google.com", 443},
		{`C:\Program Files\Microsoft Office\root\Office16\OUTLOOK.EXE`, "outlook.office365.com", 443},
		{`C:\Program Files\Microsoft Office\root\Office16\OUTLOOK.EXE`, "smtp.office365.com", 587},
		{`C:\Program Files\Mozilla Thunderbird\thunderbird.exe`, "imap.corp.example", 993},
		{`C:\Windows\System32\svchost.exe`, "settings-win.data.microsoft.com", 443},
		{`C:\Windows\System32\WindowsPowerShell\v1.0\powershell.exe`, "www.powershellgallery.com", 443},
		{`C:\Program Files\Microsoft\Exchange Server\V15\Bin\EdgeTransport.exe`, "mx.partner.example", 25},
		{`C:\Windows\System32\lsass.exe`, "DC01.corp.example", 88},
	}
	files = []struct{ image, target string }{
		{`C:\Program Files\Microsoft Office\root\Office16\OUTLOOK.EXE`, `C:\Users\%u\AppData\Local\Microsoft\Outlook\%u@corp.example.ost`},
		{`C:\Program Files\Microsoft Office\root\Office16\OUTLOOK.EXE`, `C:\Users\%u\AppData\Local\Microsoft\Windows\INetCache\Content.Outlook\X1Y2Z3\invoice.pdf`},
		{`C:\Program Files\Mozilla Thunderbird\thunderbird.exe`, `C:\Users\%u\AppData\Roaming\Thunderbird\Profiles\x8k2l1.default-release\ImapMail\imap.corp.example\INBOX.msf`},
		{`C:\Program Files\Google\Chrome\Application\chrome.exe`, `C:\Users\%u\Downloads\statement-2026-03.pdf`},
		{`C:\Windows\System32\svchost.exe`, `C:\Windows\Prefetch\SVCHOST.EXE-2A8C1B4E.pf`},
		{`C:\Windows\System32\WindowsPowerShell\v1.0\powershell.exe`, `C:\Users\%u\AppData\Local\Temp\__PSScriptPolicyTest_k3l2m1n0.ps1`},
		{`C:\Windows\explorer.exe`, `C:\Users\%u\Desktop\notes.txt`},
	}
	dlls = []struct{ image, dll string }{
		{`C:\Windows\System32\WindowsPowerShell\v1.0\powershell.exe`, `C:\Windows\System32\amsi.dll`},
		{`C:\Windows\System32\WindowsPowerShell\v1.0\powershell.exe`, `C:\Windows\Microsoft.NET\Framework64\v4.0.30319\clr.dll`},
		{`C:\Program Files\Microsoft Office\root\Office16\OUTLOOK.EXE`, `C:\Program Files\Microsoft Office\root\Office16\OLMAPI32.DLL`},
		{`C:\Program Files\Google\Chrome\Application\chrome.exe`, `C:\Windows\System32\ntdll.dll`},
		{`C:\Windows\System32\svchost.exe`, `C:\Windows\System32\kernelbase.dll`},
	}
	scripts = []string{
		"Get-Mailbox -ResultSize Unlimited | Select-Object DisplayName,PrimarySmtpAddress",
		"Get-InboxRule -Mailbox %u | Select-Object Name,ForwardTo,RedirectTo,Enabled",
		"$s = Get-Service -Name WinRM\nif ($s.Status -ne 'Running') { Start-Service WinRM }",
		"Import-Module ActiveDirectory\nGet-ADUser -Filter * -Properties LastLogonDate | Export-Csv C:\\Reports\\users.csv",
		"$o = New-Object -ComObject Outlook.Application\n$m = $o.CreateItem(0)\n$m.To = 'helpdesk@corp.example'\n$m.Subject = 'Disk report'\n$m.Send()",
		"Set-Mailbox -Identity %u -ForwardingSmtpAddress $null",
	}
	// attacks are email collection events the pack detects.
	attacks = []func(g *stream, u string) map[string]any{
		func(g *stream, u string) map[string]any {
			return g.sysmon(1, u, map[string]any{"Image": `C:\Windows\System32\esentutl.exe`, "OriginalFileName": "esentutl.exe",
				"CommandLine": fmt.Sprintf(`esentutl.exe /y /vss C:\Users\%s\AppData\Local\Microsoft\Outlook\%s@corp.example.ost /d C:\Users\Public\o.dat`, u, u)})
		},
		func(g *stream, u string) map[string]any {
			return g.sysmon(11, u, map[string]any{"Image": `C:\Windows\System32\WindowsPowerShell\v1.0\powershell.exe`,
				"TargetFilename": `C:\Users\Public\Documents\archive.pst`})
		},
		func(g *stream, u string) map[string]any {
			return g.ps(4104, "ScriptBlockText", "Invoke-SelfSearch -Mailbox "+u+"@corp.example -ExchHostname mail.corp.example -Terms '*password*'")
		},
		func(g *stream, u string) map[string]any {
			return g.ps(4104, "ScriptBlockText", "New-MailboxExportRequest -Mailbox ceo -FilePath \\\\EX01\\c$\\inetpub\\wwwroot\\aspnet_client\\ceo.pst")
		},
		func(g *stream, u string) map[string]any {
			return g.sysmon(3, u, map[string]any{"Image": `C:\Users\` + u + `\AppData\Local\Temp\syncsvc.exe`, "Initiated": "true",
				"DestinationHostname": "imap.gmail.com", "DestinationPort": int64(993), "Protocol": "tcp"})
		},
	}
)

// stream numbers the records it makes.
type stream struct{ recordID int64 }

func (g *stream) sysmon(id int64, user string, f map[string]any) map[string]any {
	g.recordID++
	f["EventID"] = id
	f["Channel"] = chSysmon
	f["Provider_Name"] = "Microsoft-Windows-Sysmon"
	f["EventRecordID"] = g.recordID
	f["UtcTime"] = "2026-04-20 09:14:03.221"
	f["ProcessGuid"] = "{5c1f0e2a-1b2c-6624-1a02-000000000a00}"
	f["ProcessId"] = int64(4000 + g.recordID%3000)
	f["User"] = `CORP\` + user
	return f
}

func (g *stream) ps(id int64, field, text string) map[string]any {
	g.recordID++
	return map[string]any{"EventID": id, "Channel": chPS, "Provider_Name": "Microsoft-Windows-PowerShell",
		"EventRecordID": g.recordID, "MessageNumber": int64(1), "MessageTotal": int64(1), field: text, "Path": ""}
}

func pick[T any](r *rand.Rand, s []T) T { return s[r.IntN(len(s))] }

// Events returns n events for seed; the same seed gives the same events.
func Events(n int, seed uint64) []map[string]any {
	events, _ := Labelled(n, seed)
	return events
}

// Labelled is Events with, for each event, whether it is email-collection
// activity the pack must detect (true) or benign traffic (false).
func Labelled(n int, seed uint64) ([]map[string]any, []bool) {
	r := rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
	g := &stream{}
	out := make([]map[string]any, 0, n)
	labels := make([]bool, 0, n)
	for len(out) < n {
		attack := false
		u := pick(r, users)
		host := pick(r, hosts) + ".corp.example"
		var e map[string]any
		switch k := r.IntN(1000); {
		case k < 10:
			e = pick(r, attacks)(g, u)
			attack = true
		case k < 170:
			p := pick(r, procs)
			e = g.sysmon(1, u, map[string]any{"Image": p.image, "CommandLine": strings.ReplaceAll(p.cmd, "%u", u),
				"ParentImage": p.parent, "IntegrityLevel": "Medium", "CurrentDirectory": `C:\Users\` + u + `\`,
				"Hashes": "SHA256=3D1A4F0C2B9E8D7F6A5B4C3D2E1F0A9B8C7D6E5F4A3B2C1D0E9F8A7B6C5D4E3F"})
		case k < 330:
			c := pick(r, conns)
			e = g.sysmon(3, u, map[string]any{"Image": c.image, "Protocol": "tcp", "Initiated": "true", "SourceIp": "10.1.4.142",
				"SourcePort": int64(49152 + r.IntN(16000)), "DestinationIp": "52.97.1.20", "DestinationHostname": c.host, "DestinationPort": int64(c.port)})
		case k < 530:
			d := pick(r, dlls)
			e = g.sysmon(7, u, map[string]any{"Image": d.image, "ImageLoaded": d.dll, "Signed": "true", "SignatureStatus": "Valid"})
		case k < 640:
			f := pick(r, files)
			e = g.sysmon(11, u, map[string]any{"Image": f.image, "TargetFilename": strings.ReplaceAll(f.target, "%u", u),
				"CreationUtcTime": "2026-04-20 09:14:03.200"})
		case k < 790:
			e = g.sysmon(13, u, map[string]any{"Image": `C:\Windows\System32\svchost.exe`, "EventType": "SetValue",
				"TargetObject": `HKLM\SOFTWARE\Microsoft\Windows\CurrentVersion\WindowsUpdate\Auto Update\LastOnlineScanTimeForAppCategory`, "Details": "QWORD (0x01da92c4-0x5b2f1e00)"})
		case k < 880:
			e = g.sysmon(22, u, map[string]any{"Image": pick(r, conns).image, "QueryName": pick(r, conns).host, "QueryStatus": "0", "QueryResults": "::ffff:52.97.1.20;"})
		case k < 930:
			g.recordID++
			e = map[string]any{"EventID": int64(4624), "Channel": chSecurity, "Provider_Name": "Microsoft-Windows-Security-Auditing",
				"EventRecordID": g.recordID, "TargetUserName": u, "TargetDomainName": "CORP", "LogonType": int64(3), "WorkstationName": pick(r, hosts),
				"IpAddress": "10.1.4.17", "LogonProcessName": "Kerberos", "AuthenticationPackageName": "Kerberos"}
		case k < 965:
			p := pick(r, procs)
			g.recordID++
			e = map[string]any{"EventID": int64(4688), "Channel": chSecurity, "Provider_Name": "Microsoft-Windows-Security-Auditing",
				"EventRecordID": g.recordID, "SubjectUserName": u, "NewProcessName": p.image, "CommandLine": strings.ReplaceAll(p.cmd, "%u", u),
				"ParentProcessName": p.parent, "TokenElevationType": "%%1938"}
		case k < 975:
			g.recordID++
			e = map[string]any{"EventID": int64(4663), "Channel": chSecurity, "Provider_Name": "Microsoft-Windows-Security-Auditing",
				"EventRecordID": g.recordID, "SubjectUserName": u, "ObjectType": "File",
				"ObjectName":  `C:\Users\` + u + `\AppData\Local\Microsoft\Outlook\` + u + `@corp.example.ost`,
				"ProcessName": pick(r, []string{`C:\Program Files\Microsoft Office\root\Office16\OUTLOOK.EXE`, `C:\Windows\System32\SearchProtocolHost.exe`}),
				"AccessList":  "%%4416", "AccessMask": "0x1"}
		default:
			e = g.ps(4104, "ScriptBlockText", strings.ReplaceAll(pick(r, scripts), "%u", u))
		}
		e["Computer"] = host
		out = append(out, e)
		labels = append(labels, attack)
	}
	return out, labels
}

// JSONL renders events as JSON Lines.
func JSONL(events []map[string]any) ([]byte, error) {
	var b []byte
	for i, e := range events {
		line, err := json.Marshal(e)
		if err != nil {
			return nil, fmt.Errorf("event %d: %w", i, err)
		}
		b = append(append(b, line...), '\n')
	}
	return b, nil
}
