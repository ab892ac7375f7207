package tenantgen

import (
	"encoding/json"
	"fmt"
	"time"
)

const orgID = "0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0"

// si is one Entra sign-in to write.
type si struct {
	upn    string
	t      time.Time
	loc    *place
	host   int
	dev    device
	code   int
	attack string
	benign string
}

func (g *gen) signIn(u *user, t time.Time, loc *place, host int, dev device, code int, attack, benign string) {
	g.entra(si{u.upn, t, loc, host, dev, code, attack, benign})
}

var failureReasons = map[int]string{
	0:     "Other.",
	50126: "Error validating credentials due to invalid username or password.",
	50076: "Due to a configuration change made by your administrator, or because you moved to a new location, you must use multi-factor authentication to access the resource.",
	50053: "The account is locked, you've tried to sign in too many times with an incorrect user ID or password.",
}

// entra writes a sign-in in the Graph signIn shape (as exported by
// Graph or Log Analytics), location and ASN as Entra resolves them.
func (g *gen) entra(s si) {
	jit := func() float64 { return (g.rng.Float64() - 0.5) * 0.06 }
	rec := map[string]any{
		"id":                "sid-" + g.id(),
		"createdDateTime":   s.t.UTC().Format("2006-01-02T15:04:05Z"),
		"userDisplayName":   s.upn,
		"userPrincipalName": s.upn,
		"userId":            "uid-" + s.upn,
		"appId":             s.dev.appID,
		"appDisplayName":    s.dev.appName,
		"ipAddress":         s.loc.addr(s.host),
		"clientAppUsed":     s.dev.client,
		"userAgent":         s.dev.ua,
		"isInteractive":     true,
		"status":            map[string]any{"errorCode": s.code, "failureReason": failureReasons[s.code]},
		"location": map[string]any{
			"city": s.loc.city, "state": s.loc.state, "countryOrRegion": s.loc.country,
			"geoCoordinates": map[string]any{"latitude": s.loc.lat + jit(), "longitude": s.loc.lon + jit()},
		},
		"autonomousSystemNumber":  s.loc.asn,
		"conditionalAccessStatus": "notApplied",
		"resourceDisplayName":     "Office 365 Exchange Online",
		"deviceDetail":            map[string]any{"deviceId": "", "operatingSystem": "Windows"},
	}
	g.write(g.signin, s.t, rec, s.attack, s.benign)
}

func (g *gen) write(st *Stream, t time.Time, rec map[string]any, attack, benign string) {
	b, err := json.Marshal(rec)
	if err != nil {
		panic(err) // maps of strings and numbers always marshal
	}
	st.Lines = append(st.Lines, Line{Time: t, Text: string(b), Attack: attack, Benign: benign})
}

func (g *gen) msgID() string {
	return fmt.Sprintf("<%016x.%d@mail.%s>", g.rng.Uint64(), g.rng.IntN(1e6), domain)
}

// mia writes a MailItemsAccessed record.
func (g *gen) mia(upn, mailbox string, t time.Time, ip string, dev device, typ string, fl []map[string]any, count int, throttled bool, attack, benign string) {
	thr := "False"
	if throttled {
		thr = "True"
	}
	rec := map[string]any{
		"CreationTime": t.UTC().Format("2006-01-02T15:04:05"), "Id": g.id(), "Operation": "MailItemsAccessed",
		"OrganizationId": orgID, "RecordType": 50, "ResultStatus": "Succeeded", "UserKey": "key-" + upn, "UserType": 0,
		"Version": 1, "Workload": "Exchange", "UserId": upn, "AppId": dev.appID, "ClientAppId": dev.appID,
		"ClientIPAddress": ip, "ClientInfoString": dev.info, "ExternalAccess": false, "LogonType": 0,
		"MailboxOwnerUPN": mailbox,
		"OperationProperties": []any{
			map[string]any{"Name": "MailAccessType", "Value": typ},
			map[string]any{"Name": "IsThrottled", "Value": thr},
		},
		"Folders": fl, "OperationCount": count,
	}
	g.write(g.ual, t, rec, attack, benign)
}

// bind writes a Bind record of n items in one folder.
func (g *gen) bind(u *user, t time.Time, loc *place, host int, dev device, n int, throttled bool, attack, benign string) {
	g.bindIDs(u.upn, t, loc.addr(host), dev, folders[g.rng.IntN(8)], n, nil, throttled, attack, benign)
}

func (g *gen) bindIDs(upn string, t time.Time, ip string, dev device, folder string, n int, extra []string, throttled bool, attack, benign string) {
	items := make([]any, 0, n+len(extra))
	for i := 0; i < n; i++ {
		items = append(items, map[string]any{"InternetMessageId": g.msgID(), "SizeInBytes": 8000 + g.rng.IntN(90000)})
	}
	for _, id := range extra {
		items = append(items, map[string]any{"InternetMessageId": id, "SizeInBytes": 23456})
	}
	fl := []map[string]any{{"Id": "LgAAAA" + g.id(), "Path": folder, "FolderItems": items}}
	g.mia(upn, upn, t, ip, dev, "Bind", fl, len(items), throttled, attack, benign)
}

// sync writes one Sync record per folder.
func (g *gen) sync(u *user, t time.Time, loc *place, host int, dev device, fs []string, attack, benign string) {
	g.syncIP(u.upn, t, loc.addr(host), dev, fs, attack, benign)
}

func (g *gen) syncIP(upn string, t time.Time, ip string, dev device, fs []string, attack, benign string) {
	for _, f := range fs {
		fl := []map[string]any{{"Id": "LgAAAA" + g.id(), "Path": f}}
		g.mia(upn, upn, t, ip, dev, "Sync", fl, 1, false, attack, benign)
	}
}

// ualFailed writes a UAL UserLoginFailed record.
func (g *gen) ualFailed(upn string, t time.Time, ip string, ua string, attack string) {
	rec := map[string]any{
		"CreationTime": t.UTC().Format("2006-01-02T15:04:05"), "Id": g.id(), "Operation": "UserLoginFailed",
		"OrganizationId": orgID, "RecordType": 15, "ResultStatus": "Failed", "UserKey": "key-" + upn, "UserType": 0,
		"Version": 1, "Workload": "AzureActiveDirectory", "ClientIP": ip, "ObjectId": "Unknown", "UserId": upn,
		"AzureActiveDirectoryEventType": 1,
		"ExtendedProperties": []any{
			map[string]any{"Name": "ResultStatusDetail", "Value": "UserError"},
			map[string]any{"Name": "UserAgent", "Value": ua},
			map[string]any{"Name": "RequestType", "Value": "OAuth2:Token"},
		},
		"ApplicationId": "9ba1a5c7-f17a-4de9-a1f1-6178c8d51223", "ErrorNumber": "50126", "LogonError": "InvalidUserNameOrPassword",
	}
	g.write(g.ual, t, rec, attack, "")
}

func dovecotStamp(t time.Time) string {
	return t.UTC().Format("2006-01-02T15:04:05+00:00") + " mx dovecot[2211]: "
}

// imapSession writes a Dovecot login and its logout counters.
func (g *gen) imapSession(u *user, t time.Time, loc *place, host int, msgs, bytes int64, attack, benign string) {
	g.imapSessionIP(u.local, t, loc.addr(host), msgs, bytes, attack, benign)
}

func (g *gen) imapSessionIP(local string, t time.Time, ip string, msgs, bytes int64, attack, benign string) {
	pid := 3000 + g.rng.IntN(60000)
	sess := fmt.Sprintf("%012x", g.rng.Uint64()>>16)
	login := fmt.Sprintf("%simap-login: Login: user=<%s>, method=PLAIN, rip=%s, lip=192.0.2.25, mpid=%d, TLS, session=<%s>",
		dovecotStamp(t), local, ip, pid, sess)
	g.dovecot.Lines = append(g.dovecot.Lines, Line{Time: t, Text: login, Attack: attack, Benign: benign})
	end := t.Add(time.Duration(5+g.rng.IntN(3000)) * time.Second)
	hdr := msgs + int64(g.rng.IntN(40))
	out := bytes + hdr*900 + int64(g.rng.IntN(20000))
	logout := fmt.Sprintf("%simap(%s)<%d><%s>: Disconnected: Logged out in=%d out=%d deleted=0 expunged=0 trashed=0 hdr_count=%d hdr_bytes=%d body_count=%d body_bytes=%d",
		dovecotStamp(end), local, pid, sess, 300+g.rng.IntN(4000), out, hdr, hdr*900, msgs, bytes)
	g.dovecot.Lines = append(g.dovecot.Lines, Line{Time: end, Text: logout, Attack: attack, Benign: benign})
}

// imapFail writes a login process's auth failure.
func (g *gen) imapFail(local string, t time.Time, ip string, n int, attack string) {
	line := fmt.Sprintf("%simap-login: Disconnected (auth failed, %d attempts in %d secs): user=<%s>, method=PLAIN, rip=%s, lip=192.0.2.25, TLS, session=<%012x>",
		dovecotStamp(t), n, 2+g.rng.IntN(10), local, ip, g.rng.Uint64()>>16)
	g.dovecot.Lines = append(g.dovecot.Lines, Line{Time: t, Text: line, Attack: attack})
}
