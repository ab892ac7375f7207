package sigma

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/mailtrip/mailtrip/event"
)

// genEvents writes a deterministic stream of realistic Windows events as
// JSON Lines: Sysmon process creation, network, file, registry and image
// load events and Security logons and process creations, with ordinary
// Windows binaries, paths and command lines (and a few suspicious ones).
func genEvents(n int, seed uint64) [][]byte {
	rng := rand.New(rand.NewPCG(seed, 1))
	pick := func(xs ...string) string { return xs[rng.IntN(len(xs))] }
	images := []string{`C:\Windows\System32\svchost.exe`, `C:\Windows\explorer.exe`, `C:\Program Files\Google\Chrome\Application\chrome.exe`,
		`C:\Program Files\Microsoft Office\root\Office16\OUTLOOK.EXE`, `C:\Windows\System32\cmd.exe`, `C:\Windows\System32\WindowsPowerShell\v1.0\powershell.exe`,
		`C:\Windows\System32\conhost.exe`, `C:\Windows\System32\rundll32.exe`, `C:\Windows\System32\taskhostw.exe`, `C:\Users\alice\AppData\Local\Temp\setup.exe`,
		`C:\Windows\System32\wbem\WmiPrvSE.exe`, `C:\Program Files\Mozilla Thunderbird\thunderbird.exe`, `C:\Windows\System32\reg.exe`}
	cmdFor := func(img string) string {
		base := img[strings.LastIndexByte(img, '\\')+1:]
		switch strings.ToLower(base) {
		case "cmd.exe":
			return pick(`cmd.exe /c dir C:\Users`, `cmd.exe /c echo hello > out.txt`, `cmd.exe /c whoami /all`, `cmd.exe /c copy C:\Users\bob\Documents\Outlook\bob.pst \\fs01\share`)
		case "powershell.exe":
			return pick(`powershell.exe -NoProfile -Command Get-ChildItem`, `powershell.exe -nop -w hidden -enc SQBFAFgAIAAoAE4AZQB3AC0ATwBiAGoAZQBjAHQA`,
				`powershell.exe -Command "New-Object -ComObject Outlook.Application"`, `powershell.exe Get-Service`)
		case "rundll32.exe":
			return pick(`rundll32.exe shell32.dll,Control_RunDLL`, `rundll32.exe C:\Windows\System32\comsvcs.dll, MiniDump 624 C:\temp\l.dmp full`)
		case "reg.exe":
			return pick(`reg.exe query HKLM\Software`, `reg.exe add HKCU\Software\x /v y /d z /f`)
		}
		return `"` + img + `" ` + pick("", "--type=renderer", "-k netsvcs -p -s Schedule", "/prefetch:1")
	}
	var out [][]byte
	for i := 0; i < n; i++ {
		img := pick(images...)
		sys := map[string]any{"Channel": "Microsoft-Windows-Sysmon/Operational", "Computer": fmt.Sprintf("ws%03d.corp.example", rng.IntN(50)),
			"EventRecordID": i + 1, "Provider": map[string]any{"#attributes": map[string]any{"Name": "Microsoft-Windows-Sysmon"}}}
		data := map[string]any{"Image": img, "User": pick(`CORP\alice`, `CORP\bob`, `NT AUTHORITY\SYSTEM`), "ProcessId": rng.IntN(9000),
			"UtcTime": "2024-05-06 08:00:00.000"}
		switch r := rng.IntN(100); {
		case r < 40:
			sys["EventID"] = 1
			data["CommandLine"] = cmdFor(img)
			data["ParentImage"] = pick(images...)
			data["ParentCommandLine"] = cmdFor(data["ParentImage"].(string))
			data["OriginalFileName"] = img[strings.LastIndexByte(img, '\\')+1:]
			data["CurrentDirectory"] = `C:\Windows\System32\`
			data["IntegrityLevel"] = pick("Medium", "High", "System")
			data["Hashes"] = "SHA256=9F2A1C0E7B3D4A5F6E7D8C9B0A1F2E3D4C5B6A7F8E9D0C1B2A3F4E5D6C7B8A9F"
		case r < 55:
			sys["EventID"] = 3
			data["DestinationIp"] = fmt.Sprintf("%d.%d.%d.%d", rng.IntN(223)+1, rng.IntN(255), rng.IntN(255), rng.IntN(255))
			data["DestinationPort"] = []int{443, 80, 993, 587, 25, 445, 3389}[rng.IntN(7)]
			data["Protocol"] = "tcp"
			data["Initiated"] = "true"
		case r < 70:
			sys["EventID"] = 11
			data["TargetFilename"] = pick(`C:\Users\alice\AppData\Local\Temp\tmp`+fmt.Sprint(rng.IntN(1000))+`.tmp`,
				`C:\Users\bob\Documents\report.docx`, `C:\Windows\Prefetch\CMD.EXE-4A81B364.pf`, `C:\Users\bob\AppData\Local\Microsoft\Outlook\bob.ost`)
		case r < 82:
			sys["EventID"] = 13
			data["EventType"] = "SetValue"
			data["TargetObject"] = pick(`HKLM\System\CurrentControlSet\Services\bam\State\UserSettings\S-1-5-21\x`, `HKCU\Software\Microsoft\Windows\CurrentVersion\Run\Updater`,
				`HKLM\SOFTWARE\Microsoft\Windows Defender\Features\TamperProtection`)
			data["Details"] = pick("DWORD (0x00000001)", `C:\Users\alice\AppData\Roaming\u.exe`, "Binary Data")
		case r < 90:
			sys["EventID"] = 7
			data["ImageLoaded"] = pick(`C:\Windows\System32\ntdll.dll`, `C:\Windows\System32\kernel32.dll`, `C:\Windows\System32\vaultcli.dll`, `C:\Windows\System32\dbghelp.dll`)
			data["Signed"] = "true"
		default:
			sys["Channel"] = "Security"
			sys["Provider"] = map[string]any{"#attributes": map[string]any{"Name": "Microsoft-Windows-Security-Auditing"}}
			if rng.IntN(2) == 0 {
				sys["EventID"] = 4624
				data = map[string]any{"TargetUserName": pick("alice", "bob", "svc_backup"), "LogonType": pick("2", "3", "10"),
					"IpAddress": "10.0.0." + fmt.Sprint(rng.IntN(255)), "LogonProcessName": "NtLmSsp", "AuthenticationPackageName": "NTLM"}
			} else {
				sys["EventID"] = 4688
				data = map[string]any{"NewProcessName": img, "CommandLine": cmdFor(img), "ParentProcessName": pick(images...), "SubjectUserName": "alice"}
			}
		}
		b, _ := json.Marshal(map[string]any{"Event": map[string]any{"System": sys, "EventData": data}})
		out = append(out, b)
	}
	return out
}

func decodeEvents(b testing.TB, lines [][]byte) []*event.Event {
	evs := make([]*event.Event, len(lines))
	for i, l := range lines {
		var m map[string]any
		if err := json.Unmarshal(l, &m); err != nil {
			b.Fatal(err)
		}
		evs[i] = &event.Event{Kind: event.KindLog, Fields: m, Origin: event.Origin{File: "bench.jsonl", Offset: -1, Line: int64(i + 1)}}
	}
	return evs
}

// BenchmarkLoadSigmaHQ parses and compiles the whole SigmaHQ tree.
func BenchmarkLoadSigmaHQ(b *testing.B) {
	root := sharedTestdata(b, "sigmahq")
	var n int
	start := time.Now()
	for b.Loop() {
		_, rep, err := LoadFS(os.DirFS(root), ".", Config{})
		if err != nil {
			b.Fatal(err)
		}
		n += rep.Loaded
	}
	b.ReportMetric(float64(n)/time.Since(start).Seconds(), "rules/s")
}

// windowsRuleset compiles the first n (all when n <= 0) SigmaHQ rules with
// product windows.
func windowsRuleset(b testing.TB, n int) *Ruleset {
	root := sharedTestdata(b, "sigmahq")
	var rules []*Rule
	for _, dir := range sigmaHQDirs {
		rs, _, err := LoadFS(os.DirFS(root), dir, Config{})
		if err != nil {
			continue
		}
		for _, cr := range rs.Rules {
			if cr.Logsource.Product == "windows" {
				rules = append(rules, cr.Rule)
			}
		}
	}
	if n > 0 && n < len(rules) {
		// Spread the sample over the categories, as a real pack would be.
		step := len(rules) / n
		var sample []*Rule
		for i := 0; i < len(rules) && len(sample) < n; i += step {
			sample = append(sample, rules[i])
		}
		rules = sample
	}
	rs, _ := Compile(rules, Config{})
	return rs
}

// BenchmarkMatch measures events/s (per core: the loop is one
// goroutine) of SigmaHQ's Windows rules over generated Sysmon and
// Security events: match-only (events decoded beforehand) and
// decode+match (JSON Lines in).
func BenchmarkMatch(b *testing.B) {
	lines := genEvents(20000, 1)
	evs := decodeEvents(b, lines)
	for _, n := range []int{100, 500, 2000, 0} {
		name := fmt.Sprintf("rules=%d", n)
		if n == 0 {
			name = "rules=all-windows"
		}
		rs := windowsRuleset(b, n)
		b.Run(name+"/match", func(b *testing.B) {
			matches, i := 0, 0
			for b.Loop() {
				rs.Match(evs[i%len(evs)], func(*CompiledRule, *Record) { matches++ })
				i++
			}
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "events/s")
			b.ReportMetric(float64(len(rs.Rules)), "rules")
		})
		b.Run(name+"/decode+match", func(b *testing.B) {
			i := 0
			for b.Loop() {
				var m map[string]any
				if err := json.Unmarshal(lines[i%len(lines)], &m); err != nil {
					b.Fatal(err)
				}
				rs.Match(&event.Event{Fields: m}, func(*CompiledRule, *Record) {})
				i++
			}
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "events/s")
		})
	}
}

// TestGeneratedEventsMatch makes sure the benchmark stream exercises the
// rules: some events must match, most must not.
func TestGeneratedEventsMatch(t *testing.T) {
	rs, _ := loadSigmaHQ(t, Config{})
	evs := decodeEvents(t, genEvents(2000, 1))
	matched := 0
	for _, e := range evs {
		if len(matchedIDs(rs, e)) > 0 {
			matched++
		}
	}
	t.Logf("%d of %d generated events match some SigmaHQ rule", matched, len(evs))
	if matched == 0 || matched > len(evs)/2 {
		t.Errorf("%d of %d generated events match", matched, len(evs))
	}
}
