package sigma

import (
	"testing"
)

func TestPlainValues(t *testing.T) {
	runMatchCases(t, []matchCase{
		{"equal", []string{"Image: 'C:\\Windows\\cmd.exe'"}, `{"Image":"C:\\Windows\\cmd.exe"}`, true},
		{"case-insensitive", []string{"Image: 'c:\\windows\\CMD.EXE'"}, `{"Image":"C:\\Windows\\cmd.exe"}`, true},
		{"not equal", []string{"Image: cmd.exe"}, `{"Image":"C:\\Windows\\cmd.exe"}`, false},
		{"missing field", []string{"Image: cmd.exe"}, `{"Other":"cmd.exe"}`, false},
		{"list is or", []string{"User: [alice, bob]"}, `{"User":"BOB"}`, true},
		{"map is and", []string{"User: bob", "Host: h1"}, `{"User":"bob","Host":"h2"}`, false},
		{"number equals number", []string{"EventID: 4688"}, `{"EventID":4688}`, true},
		{"number equals string", []string{"EventID: 4688"}, `{"EventID":"4688"}`, true},
		{"number differs", []string{"EventID: 4688"}, `{"EventID":4689}`, false},
		{"bool", []string{"Enabled: true"}, `{"Enabled":true}`, true},
		{"empty string", []string{"Description: ''"}, `{"Description":""}`, true},
		{"empty string is not absent", []string{"Description: ''"}, `{}`, false},
		{"null matches absent", []string{"Description: null"}, `{"Other":1}`, true},
		{"null matches null", []string{"Description: null"}, `{"Description":null}`, true},
		{"null does not match value", []string{"Description: null"}, `{"Description":"x"}`, false},
		{"non-ascii folded", []string{"Name: 'ÄRGER'"}, `{"Name":"ärger"}`, true},
		{"array element", []string{"Tags: b"}, `{"Tags":["a","b"]}`, true},
		{"array no element", []string{"Tags: c"}, `{"Tags":["a","b"]}`, false},
		{"dotted path", []string{"AuditData.Operation: New-InboxRule"}, `{"AuditData":{"Operation":"New-InboxRule"}}`, true},
		{"dotted path through array", []string{"events.name: CHANGE_APPLICATION_SETTING"},
			`{"events":[{"name":"X"},{"name":"CHANGE_APPLICATION_SETTING"}]}`, true},
		{"flat dotted key", []string{"process.name: x.exe"}, `{"process.name":"x.exe"}`, true},
	}, Config{})
}

func TestWildcards(t *testing.T) {
	runMatchCases(t, []matchCase{
		{"star", []string{"Image: '*\\cmd.exe'"}, `{"Image":"C:\\Windows\\cmd.exe"}`, true},
		{"star middle", []string{"Image: 'C:\\\\*\\cmd.exe'"}, `{"Image":"C:\\Windows\\System32\\cmd.exe"}`, true},
		{"question", []string{"Image: 'prog?.exe'"}, `{"Image":"progA.exe"}`, true},
		{"question needs one", []string{"Image: 'prog?.exe'"}, `{"Image":"prog.exe"}`, false},
		{"question one rune", []string{"Image: 'pr?g.exe'"}, `{"Image":"präg.exe"}`, true},
		{"escaped star literal", []string{"Name: 'a\\*b'"}, `{"Name":"a*b"}`, true},
		{"escaped star not wildcard", []string{"Name: 'a\\*b'"}, `{"Name":"axxb"}`, false},
		{"escaped question", []string{"Name: 'a\\?b'"}, `{"Name":"axb"}`, false},
		{"backslash then wildcard", []string{"Name: 'a\\\\*'"}, `{"Name":"a\\anything"}`, true},
		{"three backslashes star", []string{"Name: 'a\\\\\\*'"}, `{"Name":"a\\*"}`, true},
		{"four backslashes", []string{"Name: '\\\\\\\\srv'"}, `{"Name":"\\\\srv"}`, true},
		{"plain backslash", []string{"Name: 'C:\\Temp'"}, `{"Name":"c:\\temp"}`, true},
		{"star backtracking", []string{"Name: '*ab*ab*c'"}, `{"Name":"xxabyyabababzc"}`, true},
		{"star backtracking fails", []string{"Name: '*ab*ab*c'"}, `{"Name":"xxabyyc"}`, false},
	}, Config{})
}

func TestModifiers(t *testing.T) {
	runMatchCases(t, []matchCase{
		{"contains", []string{"CommandLine|contains: ' -enc '"}, `{"CommandLine":"powershell -ENC abc"}`, true},
		{"contains no", []string{"CommandLine|contains: ' -enc '"}, `{"CommandLine":"powershell -e abc"}`, false},
		{"contains many (aho-corasick)", []string{"CommandLine|contains: [aaa, bbb, ccc, ddd, eee, fff, ggg, hhh]"}, `{"CommandLine":"x GgG y"}`, true},
		{"contains many none", []string{"CommandLine|contains: [aaa, bbb, ccc, ddd, eee, fff, ggg, hhh]"}, `{"CommandLine":"x gg y"}`, false},
		{"startswith", []string{"Image|startswith: 'C:\\Users\\'"}, `{"Image":"c:\\users\\x\\a.exe"}`, true},
		{"startswith no", []string{"Image|startswith: 'C:\\Users\\'"}, `{"Image":"d:\\c:\\users\\"}`, false},
		{"endswith", []string{"Image|endswith: '\\rundll32.exe'"}, `{"Image":"C:\\Windows\\System32\\RUNDLL32.EXE"}`, true},
		{"endswith no", []string{"Image|endswith: '\\rundll32.exe'"}, `{"Image":"rundll32.exe.bak"}`, false},
		{"contains with inner wildcard", []string{"CommandLine|contains: 'net*user'"}, `{"CommandLine":"c:\\> net1 localgroup user"}`, true},
		{"all", []string{"CommandLine|contains|all: [-nop, -w hidden]"}, `{"CommandLine":"ps -w hidden -nop"}`, true},
		{"all missing one", []string{"CommandLine|contains|all: [-nop, -w hidden]"}, `{"CommandLine":"ps -nop"}`, false},
		{"all over array elements", []string{"Args|all: [a, b]"}, `{"Args":["a","b"]}`, true},
		{"cased", []string{"Name|cased: Admin"}, `{"Name":"admin"}`, false},
		{"cased exact", []string{"Name|cased: Admin"}, `{"Name":"Admin"}`, true},
		{"cased contains", []string{"Name|contains|cased: dm"}, `{"Name":"ADMIN"}`, false},
		{"neq", []string{"User|neq: SYSTEM"}, `{"User":"alice"}`, true},
		{"neq equal", []string{"User|neq: SYSTEM"}, `{"User":"system"}`, false},
		{"neq list", []string{"User|neq: [SYSTEM, alice]"}, `{"User":"alice"}`, false},
		{"neq absent", []string{"User|neq: SYSTEM"}, `{}`, false},
		{"exists true", []string{"Hash|exists: true"}, `{"Hash":""}`, true},
		{"exists true absent", []string{"Hash|exists: true"}, `{}`, false},
		{"exists false", []string{"Hash|exists: false"}, `{}`, true},
		{"exists false present", []string{"Hash|exists: false"}, `{"Hash":null}`, false},
		{"gt", []string{"Size|gt: 100"}, `{"Size":101}`, true},
		{"gt equal", []string{"Size|gt: 100"}, `{"Size":100}`, false},
		{"gte", []string{"Size|gte: 100"}, `{"Size":"100"}`, true},
		{"lt", []string{"Size|lt: 100"}, `{"Size":99.5}`, true},
		{"lte", []string{"Size|lte: 100"}, `{"Size":101}`, false},
		{"lt hex string", []string{"Flags|lt: 32"}, `{"Flags":"0x10"}`, true},
		{"gt not a number", []string{"Size|gt: 1"}, `{"Size":"big"}`, false},
		{"cidr v4", []string{"DestinationIp|cidr: 10.0.0.0/8"}, `{"DestinationIp":"10.1.2.3"}`, true},
		{"cidr v4 outside", []string{"DestinationIp|cidr: 10.0.0.0/8"}, `{"DestinationIp":"11.1.2.3"}`, false},
		{"cidr v6", []string{"DestinationIp|cidr: 'fe80::/10'"}, `{"DestinationIp":"fe80::1"}`, true},
		{"cidr list", []string{"DestinationIp|cidr: [192.168.0.0/16, 172.16.0.0/12]"}, `{"DestinationIp":"172.20.0.1"}`, true},
		{"cidr mapped", []string{"DestinationIp|cidr: 127.0.0.0/8"}, `{"DestinationIp":"::ffff:127.0.0.1"}`, true},
		{"cidr not ip", []string{"DestinationIp|cidr: 10.0.0.0/8"}, `{"DestinationIp":"host"}`, false},
		{"re", []string{"CommandLine|re: '\\s-[eE]nc\\s'"}, `{"CommandLine":"ps -Enc x"}`, true},
		{"re case-sensitive", []string{"CommandLine|re: 'ENC'"}, `{"CommandLine":"enc"}`, false},
		{"re i", []string{"CommandLine|re|i: 'ENC'"}, `{"CommandLine":"enc"}`, true},
		{"re m", []string{"Text|re|m: '^b$'"}, `{"Text":"a\nb\nc"}`, true},
		{"re without m", []string{"Text|re: '^b$'"}, `{"Text":"a\nb\nc"}`, false},
		{"re s", []string{"Text|re|s: 'a.b'"}, `{"Text":"a\nb"}`, true},
		{"re without s", []string{"Text|re: 'a.b'"}, `{"Text":"a\nb"}`, false},
		{"base64", []string{"Data|base64: 'http://'"}, `{"Data":"aHR0cDovLw=="}`, true},
		{"base64 contains", []string{"Data|base64|contains: 'abc'"}, `{"Data":"xxYWJjyy"}`, true},
		{"base64offset 0", []string{"CommandLine|base64offset|contains: 'Invoke-'"}, `{"CommandLine":"powershell -e SW52b2tlLUV4cHJlc3Npb24="}`, true},
		{"base64offset 1", []string{"CommandLine|base64offset|contains: 'Invoke-'"}, `{"CommandLine":"powershell -e IEludm9rZS1FeHByZXNzaW9u"}`, true},
		{"base64offset 2", []string{"CommandLine|base64offset|contains: 'Invoke-'"}, `{"CommandLine":"powershell -e ICBJbnZva2UtRXhwcmVzc2lvbg=="}`, true},
		{"base64offset none", []string{"CommandLine|base64offset|contains: 'Invoke-'"}, `{"CommandLine":"powershell -e aGVsbG8gd29ybGQ="}`, false},
		{"utf16le", []string{"Data|utf16le|base64: 'cmd'"}, `{"Data":"YwBtAGQA"}`, true},
		{"wide", []string{"Data|wide|base64: 'cmd'"}, `{"Data":"YwBtAGQA"}`, true},
		{"utf16be", []string{"Data|utf16be|base64: 'cmd'"}, `{"Data":"AGMAbQBk"}`, true},
		{"utf16 bom", []string{"Data|utf16|base64: 'cmd'"}, `{"Data":"//5jAG0AZAA="}`, true},
		{"wide base64offset", []string{"CommandLine|wide|base64offset|contains: 'ping'"}, `{"CommandLine":"-enc cABpAG4AZwAgADEAMgA3AC4AMAAuADAALgAxAA=="}`, true},
		{"windash slash", []string{"CommandLine|windash|contains: ' -exec bypass'"}, `{"CommandLine":"powershell /exec bypass"}`, true},
		{"windash en dash", []string{"CommandLine|windash|contains: ' -exec bypass'"}, `{"CommandLine":"powershell \u2013exec bypass"}`, true},
		{"windash hyphen", []string{"CommandLine|windash|contains: ' /exec bypass'"}, `{"CommandLine":"powershell -exec bypass"}`, true},
		{"windash other char", []string{"CommandLine|windash|contains: ' -exec bypass'"}, `{"CommandLine":"powershell +exec bypass"}`, false},
		{"windash many dashes (class)", []string{"CommandLine|windash|contains: '-a -b -c -d'"}, `{"CommandLine":"x /a \u2014b -c /d"}`, true},
		{"fieldref", []string{"SubjectUserName|fieldref: TargetUserName"}, `{"SubjectUserName":"Bob","TargetUserName":"bob"}`, true},
		{"fieldref differs", []string{"SubjectUserName|fieldref: TargetUserName"}, `{"SubjectUserName":"bob","TargetUserName":"eve"}`, false},
		{"fieldref neq", []string{"SubjectUserName|fieldref|neq: TargetUserName"}, `{"SubjectUserName":"bob","TargetUserName":"eve"}`, true},
		{"fieldref contains", []string{"CommandLine|fieldref|contains: User"}, `{"CommandLine":"runas /u:bob x","User":"BOB"}`, true},
		{"fieldref cased", []string{"A|fieldref|cased: B"}, `{"A":"x","B":"X"}`, false},
		{"fieldref other absent", []string{"A|fieldref: B"}, `{"A":"x"}`, false},
		{"minute", []string{"Time|minute: 30"}, `{"Time":"2024-05-06T07:30:00Z"}`, true},
		{"hour", []string{"Time|hour: 7"}, `{"Time":"2024-05-06T07:30:00Z"}`, true},
		{"hour gte", []string{"Time|hour|gte: 22"}, `{"Time":"2024-05-06 23:10:00"}`, true},
		{"hour lt no", []string{"Time|hour|lt: 6"}, `{"Time":"2024-05-06 23:10:00"}`, false},
		{"day", []string{"Time|day: 6"}, `{"Time":"2024-05-06T07:30:00Z"}`, true},
		{"week", []string{"Time|week: 19"}, `{"Time":"2024-05-06T07:30:00Z"}`, true},
		{"month", []string{"Time|month: 5"}, `{"Time":"2024-05-06T07:30:00Z"}`, true},
		{"year", []string{"Time|year: 2023"}, `{"Time":"2024-05-06T07:30:00Z"}`, false},
		{"time not a time", []string{"Time|year: 2024"}, `{"Time":"yesterday"}`, false},
		{"expand", []string{"Host|expand: '%Workstations%'"}, `{"Host":"WS-042"}`, true},
		{"expand other", []string{"Host|expand: '%Workstations%'"}, `{"Host":"srv-1"}`, false},
		{"expand inside contains", []string{"CommandLine|contains|expand: 'echo %userdomain%'"}, `{"CommandLine":"cmd /c echo CORP"}`, true},
		{"expand escaped percent", []string{"Name|expand: '\\%plain%userdomain%'"}, `{"Name":"%plaincorp"}`, true},
		{"expand unset matches nothing", []string{"Host|expand: '%Unset%'"}, `{"Host":"%Unset%"}`, false},
		{"placeholder without expand is literal", []string{"Host: '%Workstations%'"}, `{"Host":"%Workstations%"}`, true},
	}, Config{Placeholders: map[string][]string{"Workstations": {"ws-*", "pc-*"}, "userdomain": {"corp"}}})
}

func TestKeywords(t *testing.T) {
	runMatchCases(t, []matchCase{
		{"keyword anywhere", []string{"- 'event::clear'"}, `{"Msg":"mimikatz event::clear done"}`, true},
		{"keyword nested", []string{"- 'evil'"}, `{"a":{"b":["x","EVIL thing"]}}`, true},
		{"keyword none", []string{"- 'evil'"}, `{"a":"good"}`, false},
		{"keyword number", []string{"- '4444'"}, `{"port":4444}`, true},
		{"keywords all", []string{"'|all':", "  - 'OabVirtualDirectory'", "  - ' -ExternalUrl '"}, `{"a":"Set-OabVirtualDirectory","b":"x -ExternalUrl y"}`, true},
		{"keywords all missing", []string{"'|all':", "  - 'OabVirtualDirectory'", "  - ' -ExternalUrl '"}, `{"a":"Set-OabVirtualDirectory"}`, false},
	}, Config{})
}

func TestBadModifiers(t *testing.T) {
	for _, sel := range []string{
		"A|nosuch: x",
		"A|re|contains: x",
		"A|cidr: 'not an ip'",
		"A|gt: abc",
		"A|re: '(?<=x)y'",
		"A|base64: 'a*b'",
		"A|exists: maybe",
		"A|i: x",
	} {
		t.Run(sel, func(t *testing.T) {
			rules, err := Parse([]byte(selectionRule(sel)), "bad.yml")
			if err != nil {
				t.Fatal(err)
			}
			_, rep := Compile(rules, Config{})
			if len(rep.Invalid)+len(rep.Unsupported) != 1 || rep.Loaded != 0 {
				t.Fatalf("want the rule rejected, got %s", rep.Summary())
			}
		})
	}
}
