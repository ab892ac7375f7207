package imap

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"net"
	"net/url"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapclient"

	"github.com/mailtrip/mailtrip/plant"

	"github.com/mailtrip/mailtrip/internal/dovecottest"
)

// decoy is a decoy-like message with Message-ID <n@corp.example>.
func decoy(n int, flags string, date time.Time) plant.Message {
	mid := fmt.Sprintf("<decoy.%d.%d@corp.example>", n, date.Unix())
	raw := "Return-Path: <cfo@corp.example>\r\n" +
		"Received: from mx1.corp.example (mx1.corp.example [10.0.0.5])\r\n\tby mail.corp.example; " + date.Format(time.RFC1123Z) + "\r\n" +
		"From: Dana Reyes <cfo@corp.example>\r\n" +
		"To: Accounts Payable <ap@corp.example>\r\n" +
		"Subject: Wire transfer " + fmt.Sprint(n) + " - updated beneficiary\r\n" +
		"Date: " + date.Format(time.RFC1123Z) + "\r\n" +
		"Message-ID: " + mid + "\r\n" +
		"MIME-Version: 1.0\r\n" +
		"Content-Type: text/plain; charset=utf-8\r\n" +
		"\r\n" +
		"Please use the new IBAN from the portal: https://portal.corp.example/t/abc" + fmt.Sprint(n) + "\r\n" +
		"\r\n-- \r\nDana\r\n"
	return plant.Message{DecoyID: fmt.Sprintf("d%025d", n), MessageID: mid, Subject: "Wire transfer", Raw: []byte(raw), Date: date, Flags: flags}
}

var past = time.Date(2023, 3, 14, 9, 26, 53, 0, time.FixedZone("", -5*3600))

// seedMailbox appends realistic user messages to folder, one of them
// \Deleted but not expunged, and returns how many.
func seedMailbox(t testing.TB, c *imapclient.Client, folder string) int {
	t.Helper()
	if folder != "INBOX" {
		if err := c.Create(folder, nil).Wait(); err != nil {
			t.Fatal(err)
		}
	}
	people := []string{"Ann Lee <ann@corp.example>", "Bob Marsh <bob@vendor.example>", "IT Desk <it@corp.example>", "newsletter@shop.example"}
	flagSets := [][]imap.Flag{nil, {imap.FlagSeen}, {imap.FlagSeen, imap.FlagAnswered}, {imap.FlagFlagged}, {imap.FlagSeen, "$Label1"}}
	n := 20
	for i := range n {
		date := time.Date(2022, time.Month(1+i%12), 1+i, 8+i%9, i, 0, 0, time.UTC)
		var b strings.Builder
		fmt.Fprintf(&b, "From: %s\r\nTo: alice@corp.example\r\nSubject: Re: quarterly numbers (%d)\r\nDate: %s\r\nMessage-ID: <real.%d@corp.example>\r\n", people[i%len(people)], i, date.Format(time.RFC1123Z), i)
		if i%3 == 0 {
			b.WriteString("MIME-Version: 1.0\r\nContent-Type: multipart/alternative; boundary=\"b1\"\r\n\r\n--b1\r\nContent-Type: text/plain\r\n\r\nSee attached.\r\n--b1\r\nContent-Type: text/html\r\n\r\n<p>See attached.</p>\r\n--b1--\r\n")
		} else {
			b.WriteString("\r\nHi Alice,\r\n\r\n> On the call we said\r\n> numbers are due Friday.\r\n\r\n" + strings.Repeat("Line of body text. ", i+1) + "\r\n")
		}
		flags := flagSets[i%len(flagSets)]
		if i == 7 {
			flags = []imap.Flag{imap.FlagSeen, imap.FlagDeleted} // the user's, not yet expunged
		}
		cmd := c.Append(folder, int64(b.Len()), &imap.AppendOptions{Flags: flags, Time: date})
		cmd.Write([]byte(b.String()))
		if err := cmd.Close(); err != nil {
			t.Fatal(err)
		}
		if _, err := cmd.Wait(); err != nil {
			t.Fatal(err)
		}
	}
	return n
}

type snapMsg struct {
	Flags string
	SHA   string
	Date  time.Time
}

// snapshot is every message of folder by UID: flags, internal date and
// SHA-256 of BODY.PEEK[].
func snapshot(t testing.TB, c *imapclient.Client, folder string) map[imap.UID]snapMsg {
	t.Helper()
	sel, err := c.Select(folder, &imap.SelectOptions{ReadOnly: true}).Wait()
	if err != nil {
		t.Fatal(err)
	}
	defer func() { c.Unselect().Wait() }()
	out := map[imap.UID]snapMsg{}
	if sel.NumMessages == 0 {
		return out
	}
	sec := &imap.FetchItemBodySection{Peek: true}
	msgs, err := c.Fetch(imap.SeqSet{imap.SeqRange{Start: 1, Stop: 0}}, &imap.FetchOptions{
		UID: true, Flags: true, InternalDate: true, BodySection: []*imap.FetchItemBodySection{sec},
	}).Collect()
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range msgs {
		s := sha256.Sum256(m.FindBodySection(sec))
		out[m.UID] = snapMsg{Flags: maildirFlags(m.Flags), SHA: hex.EncodeToString(s[:]), Date: m.InternalDate.UTC()}
	}
	return out
}

// fetchUID returns flags, internal date and body of uid in folder.
func fetchUID(t testing.TB, c *imapclient.Client, folder string, uid imap.UID) (*imapclient.FetchMessageBuffer, []byte) {
	t.Helper()
	if _, err := c.Select(folder, &imap.SelectOptions{ReadOnly: true}).Wait(); err != nil {
		t.Fatal(err)
	}
	defer func() { c.Unselect().Wait() }()
	sec := &imap.FetchItemBodySection{Peek: true}
	msgs, err := c.Fetch(imap.UIDSetNum(uid), &imap.FetchOptions{UID: true, Flags: true, InternalDate: true, BodySection: []*imap.FetchItemBodySection{sec}}).Collect()
	if err != nil {
		t.Fatal(err)
	}
	if len(msgs) != 1 {
		t.Fatalf("UID %d in %s: %d messages", uid, folder, len(msgs))
	}
	return msgs[0], msgs[0].FindBodySection(sec)
}

func TestPlantTransports(t *testing.T) {
	d := dovecottest.Start(t, dovecottest.Config{})
	c := client(t, d)
	seedMailbox(t, c, "INBOX")
	cases := []struct {
		name, scheme, folder string
		opt                  Options
		wantFolder           string
	}{
		{"imaps-trusted-inbox", "imaps", "", Options{TLSConfig: d.TLSConfig()}, "INBOX"},
		{"imaps-skipverify-new-folder", "imaps", "Archive 2024/Finance", Options{TLSSkipVerify: true, Create: true}, "Archive 2024.Finance"},
		{"starttls-trusted-new-folder", "imap", "Decoys", Options{TLSConfig: d.TLSConfig(), Create: true}, "Decoys"},
		{"starttls-skipverify-existing", "imap", "Archive 2024/Finance", Options{TLSSkipVerify: true}, "Archive 2024.Finance"},
		{"plaintext-insecure-uses-starttls", "imap", "INBOX", Options{Insecure: true, TLSSkipVerify: true}, "INBOX"},
	}
	for i, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			tc.opt.Password = d.Pass
			tg, err := New(d.URL(tc.scheme, tc.folder), tc.opt)
			if err != nil {
				t.Fatal(err)
			}
			m := decoy(i, "S", past)
			r, err := tg.Plant(context.Background(), m)
			if err != nil {
				t.Fatal(err)
			}
			if r.Kind != KindIMAP || r.Folder != tc.wantFolder || UID(r) == 0 || UIDValidity(r) == 0 || r.MessageID != m.MessageID || r.Path != "flags=S" {
				t.Errorf("receipt %+v", r)
			}
			if strings.Contains(r.Target, d.Pass) || !strings.HasPrefix(r.Target, tc.scheme+"://alice@127.0.0.1:") {
				t.Errorf("receipt target %q", r.Target)
			}
			if s := sha256.Sum256(m.Raw); hex.EncodeToString(s[:]) != r.SHA256 {
				t.Errorf("receipt SHA256 is not of the CRLF message appended")
			}
			buf, body := fetchUID(t, c, r.Folder, imap.UID(UID(r)))
			if string(body) != string(m.Raw) {
				t.Errorf("server holds\n%q\nwant\n%q", body, m.Raw)
			}
			if !buf.InternalDate.Equal(m.Date) {
				t.Errorf("internal date %v, want %v", buf.InternalDate, m.Date)
			}
			if got := maildirFlags(buf.Flags); got != "S" {
				t.Errorf("flags %q, want S", got)
			}
			st, err := tg.Verify(context.Background(), r)
			if err != nil {
				t.Fatal(err)
			}
			if !st.Present || st.Modified || st.Moved != "" || st.FlagsChanged != "" {
				t.Errorf("verify: %+v", st)
			}
		})
	}
}

func TestPlantMissingFolder(t *testing.T) {
	d := dovecottest.Start(t, dovecottest.Config{})
	_, err := target(t, d, "No/Such", false).Plant(context.Background(), decoy(1, "", past))
	if !errors.Is(err, ErrNoFolder) || !strings.Contains(err.Error(), "No/Such") {
		t.Fatalf("err = %v, want ErrNoFolder naming the folder", err)
	}
	t.Log(err)
	c := client(t, d)
	l, err := c.List("", "*", nil).Collect()
	if err != nil {
		t.Fatal(err)
	}
	if len(l) != 1 {
		t.Errorf("folders created without Create: %v", l)
	}
}

func TestPlantFlagsAndDates(t *testing.T) {
	d := dovecottest.Start(t, dovecottest.Config{})
	c := client(t, d)
	tg := target(t, d, "INBOX", false)
	for i, tc := range []struct {
		flags, want string
		date        time.Time
	}{
		{"", "", time.Date(2019, 12, 31, 23, 59, 59, 0, time.UTC)},
		{"RS", "RS", time.Date(2024, 2, 29, 12, 0, 0, 0, time.FixedZone("", 5*3600+1800))},
		{"SFD", "DFS", past},
		{"TS", "ST", past},
		{"P", "P", past},
	} {
		m := decoy(i, tc.flags, tc.date)
		r, err := tg.Plant(context.Background(), m)
		if err != nil {
			t.Fatal(err)
		}
		buf, _ := fetchUID(t, c, "INBOX", imap.UID(UID(r)))
		if got := maildirFlags(buf.Flags); got != tc.want || PlantedFlags(r) != tc.want {
			t.Errorf("flags %q: server has %q, receipt %q; want %q", tc.flags, got, PlantedFlags(r), tc.want)
		}
		if !buf.InternalDate.Equal(tc.date) {
			t.Errorf("internal date %v, want %v", buf.InternalDate, tc.date)
		}
	}
	if _, err := tg.Plant(context.Background(), decoy(9, "SX", past)); err == nil || !strings.Contains(err.Error(), "unknown Maildir flag") {
		t.Errorf("bad flag: err = %v", err)
	}
}

// TestVerifyTampering plays a reader, a mover and a deleter.
func TestVerifyTampering(t *testing.T) {
	d := dovecottest.Start(t, dovecottest.Config{})
	c := client(t, d)
	seedMailbox(t, c, "INBOX")
	if err := c.Create("Archive", nil).Wait(); err != nil {
		t.Fatal(err)
	}
	tg := target(t, d, "INBOX", false)
	ctx := context.Background()
	r, err := tg.Plant(ctx, decoy(1, "", past))
	if err != nil {
		t.Fatal(err)
	}
	verify := func(step string) plant.Status {
		t.Helper()
		st, err := tg.Verify(ctx, r)
		if err != nil {
			t.Fatalf("%s: %v", step, err)
		}
		t.Logf("%s: %+v", step, st)
		return st
	}
	if st := verify("planted"); !st.Present || st.FlagsChanged != "" {
		t.Fatalf("planted: %+v", st)
	}
	// Verify must not mark it read.
	if st := verify("verified twice"); st.FlagsChanged != "" {
		t.Fatalf("verify changed the flags: %+v", st)
	}

	// Someone reads it.
	if _, err := c.Select("INBOX", nil).Wait(); err != nil {
		t.Fatal(err)
	}
	uid := imap.UID(UID(r))
	if err := c.Store(imap.UIDSetNum(uid), &imap.StoreFlags{Op: imap.StoreFlagsAdd, Flags: []imap.Flag{imap.FlagSeen, "$Junk"}}, nil).Close(); err != nil {
		t.Fatal(err)
	}
	if st := verify("read"); !st.Present || st.FlagsChanged != "S $Junk" || !strings.Contains(st.Detail, "someone read it") {
		t.Errorf("read: %+v", st)
	}

	// Someone moves it.
	if _, err := c.Move(imap.UIDSetNum(uid), "Archive").Wait(); err != nil {
		t.Fatal(err)
	}
	if st := verify("moved"); st.Present || st.Moved != "Archive" || st.Modified {
		t.Errorf("moved: %+v", st)
	}

	// Someone deletes it.
	if _, err := c.Select("Archive", nil).Wait(); err != nil {
		t.Fatal(err)
	}
	if err := c.Store(imap.SeqSetNum(1), &imap.StoreFlags{Op: imap.StoreFlagsAdd, Flags: []imap.Flag{imap.FlagDeleted}}, nil).Close(); err != nil {
		t.Fatal(err)
	}
	if err := c.Expunge().Close(); err != nil {
		t.Fatal(err)
	}
	st := verify("deleted")
	if st.Present || st.Moved != "" || !strings.Contains(st.Detail, plant.ErrGone.Error()) {
		t.Errorf("deleted: %+v", st)
	}
	if err := tg.Remove(ctx, r); err != nil {
		t.Errorf("remove of a deleted decoy: %v", err)
	}
}

// TestReplacedDecoy: the decoy is replaced by a message with the same
// Message-ID and other bytes. Verify says Modified; Remove refuses.
func TestReplacedDecoy(t *testing.T) {
	d := dovecottest.Start(t, dovecottest.Config{})
	c := client(t, d)
	tg := target(t, d, "INBOX", false)
	ctx := context.Background()
	m := decoy(1, "S", past)
	r, err := tg.Plant(ctx, m)
	if err != nil {
		t.Fatal(err)
	}
	edited := strings.Replace(string(m.Raw), "new IBAN", "NEW IBAN", 1)
	cmd := c.Append("INBOX", int64(len(edited)), &imap.AppendOptions{Flags: []imap.Flag{imap.FlagSeen}, Time: past})
	cmd.Write([]byte(edited))
	if err := cmd.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := cmd.Wait(); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Select("INBOX", nil).Wait(); err != nil {
		t.Fatal(err)
	}
	if err := c.Store(imap.UIDSetNum(imap.UID(UID(r))), &imap.StoreFlags{Op: imap.StoreFlagsAdd, Flags: []imap.Flag{imap.FlagDeleted}}, nil).Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := c.UIDExpunge(imap.UIDSetNum(imap.UID(UID(r)))).Collect(); err != nil {
		t.Fatal(err)
	}
	c.Unselect().Wait()
	st, err := tg.Verify(ctx, r)
	if err != nil {
		t.Fatal(err)
	}
	if st.Present || !st.Modified {
		t.Errorf("verify: %+v", st)
	}
	before := snapshot(t, c, "INBOX")
	if err := tg.Remove(ctx, r); !errors.Is(err, plant.ErrModified) {
		t.Errorf("remove: %v, want ErrModified", err)
	}
	if after := snapshot(t, c, "INBOX"); !reflect.DeepEqual(before, after) {
		t.Errorf("refused remove changed the mailbox:\n%v\n%v", before, after)
	}
}

// TestRemoveTouchesNothingElse compares every real message (UID, flags,
// internal date, bytes) before planting and after removal, in the folder
// planted into and in another one, including a message the user marked
// \Deleted and has not expunged.
func TestRemoveTouchesNothingElse(t *testing.T) {
	d := dovecottest.Start(t, dovecottest.Config{})
	c := client(t, d)
	seedMailbox(t, c, "INBOX")
	seedMailbox(t, c, "Projects")
	before := map[string]map[imap.UID]snapMsg{"INBOX": snapshot(t, c, "INBOX"), "Projects": snapshot(t, c, "Projects")}
	if n := len(before["INBOX"]); n != 20 {
		t.Fatalf("seeded %d messages", n)
	}
	ctx := context.Background()
	var rs []plant.Receipt
	for i, folder := range []string{"INBOX", "Projects", "Decoys/Deep"} {
		tg := target(t, d, folder, true)
		got, err := tg.PlantBatch(ctx, []plant.Message{decoy(10*i+1, "", past), decoy(10*i+2, "S", past), decoy(10*i+3, "T", past)})
		if err != nil {
			t.Fatal(err)
		}
		rs = append(rs, got...)
	}
	// One decoy is read and moved to Projects by the user.
	if _, err := c.Select("INBOX", nil).Wait(); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Move(imap.UIDSetNum(imap.UID(UID(rs[0]))), "Projects").Wait(); err != nil {
		t.Fatal(err)
	}
	c.Unselect().Wait()

	tg := target(t, d, "INBOX", false) // the folder of a receipt rules
	for _, r := range rs {
		if err := tg.Remove(ctx, r); err != nil {
			t.Fatalf("remove %s from %s: %v", r.MessageID, r.Folder, err)
		}
		st, err := tg.Verify(ctx, r)
		if err != nil {
			t.Fatal(err)
		}
		if st.Present || st.Moved != "" {
			t.Errorf("after remove: %+v", st)
		}
		if err := tg.Remove(ctx, r); err != nil {
			t.Errorf("second remove: %v", err)
		}
	}
	for folder, snap := range before {
		after := snapshot(t, c, folder)
		if !reflect.DeepEqual(snap, after) {
			t.Errorf("%s changed:\nbefore %v\nafter  %v", folder, snap, after)
		}
		deleted := 0
		for _, m := range after {
			if strings.Contains(m.Flags, "T") {
				deleted++
			}
		}
		if deleted != 1 {
			t.Errorf("%s: %d \\Deleted messages of the user left, want 1", folder, deleted)
		}
	}
	if left := snapshot(t, c, "Decoys.Deep"); len(left) != 0 {
		t.Errorf("Decoys.Deep still holds %d messages", len(left))
	}
}

// TestNoUIDPlus: without UIDPLUS, Remove refuses rather than EXPUNGE
// the user's \Deleted messages, and a planted message is found by its
// Message-ID.
func TestNoUIDPlus(t *testing.T) {
	d := dovecottest.Start(t, dovecottest.Config{NoUIDPlus: true})
	c := client(t, d)
	if c.Caps().Has(imap.CapUIDPlus) {
		t.Fatal("server still offers UIDPLUS")
	}
	seedMailbox(t, c, "INBOX")
	ctx := context.Background()
	tg := target(t, d, "INBOX", false)
	m := decoy(1, "S", past)
	r, err := tg.Plant(ctx, m)
	if err != nil {
		t.Fatal(err)
	}
	before := snapshot(t, c, "INBOX")
	if err := tg.Remove(ctx, r); !errors.Is(err, ErrNoUIDPlus) || !strings.Contains(err.Error(), "\\Deleted messages") {
		t.Errorf("remove: %v, want ErrNoUIDPlus", err)
	} else {
		t.Log(err)
	}
	if after := snapshot(t, c, "INBOX"); !reflect.DeepEqual(before, after) {
		t.Error("refused remove changed the mailbox")
	}

	// The APPENDUID-less path (Dovecot sends APPENDUID anyway).
	s, err := tg.connect(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer s.close()
	uid, validity, err := s.findAppended("INBOX", m.Raw, m.MessageID)
	if err != nil || uint32(uid) != UID(r) || validity != UIDValidity(r) {
		t.Errorf("findAppended: %d %d %v, want %d %d", uid, validity, err, UID(r), UIDValidity(r))
	}
}

func TestAuthFailure(t *testing.T) {
	const wrong = "Wr0ng-Passw0rd-7f3a"
	for _, scheme := range []string{"imaps", "imap"} {
		// A server each: Dovecot delays logins from an address that
		// failed before (auth penalty).
		d := dovecottest.Start(t, dovecottest.Config{})
		u := d.URL(scheme, "INBOX")
		u.User = url.UserPassword(d.User, "ignored-url-password")
		tg, err := New(u, Options{Password: wrong, TLSConfig: d.TLSConfig(), Timeout: 5 * time.Second})
		if err != nil {
			t.Fatal(err)
		}
		if strings.Contains(tg.String(), "ignored") {
			t.Errorf("target %q holds the URL password", tg)
		}
		_, err = tg.Plant(context.Background(), decoy(1, "", past))
		if !errors.Is(err, ErrAuth) || !strings.Contains(err.Error(), "authentication failed for user alice at 127.0.0.1") {
			t.Errorf("%s: err = %v, want authentication failed", scheme, err)
		}
		if err != nil && (strings.Contains(err.Error(), wrong) || strings.Contains(err.Error(), "ignored-url")) {
			t.Errorf("error shows the password: %v", err)
		}
		t.Log(err)
	}
	// The URL's password is used when Options has none.
	d := dovecottest.Start(t, dovecottest.Config{})
	u := d.URL("imaps", "INBOX")
	u.User = url.UserPassword(d.User, d.Pass)
	tg, err := New(u, Options{TLSConfig: d.TLSConfig()})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := tg.Plant(context.Background(), decoy(1, "", past)); err != nil {
		t.Errorf("URL password: %v", err)
	}
}

func TestTLSUntrusted(t *testing.T) {
	d := dovecottest.Start(t, dovecottest.Config{})
	for _, scheme := range []string{"imaps", "imap"} {
		tg, err := New(d.URL(scheme, "INBOX"), Options{Password: d.Pass, Timeout: 5 * time.Second})
		if err != nil {
			t.Fatal(err)
		}
		_, err = tg.Plant(context.Background(), decoy(1, "", past))
		if err == nil || !strings.Contains(err.Error(), "certificate") || strings.Contains(err.Error(), d.Pass) {
			t.Errorf("%s: err = %v, want a certificate error", scheme, err)
		}
		t.Log(err)
	}
}

func TestPlaintextRefused(t *testing.T) {
	d := dovecottest.Start(t, dovecottest.Config{NoTLS: true})
	tg, err := New(d.URL("imap", "INBOX"), Options{Password: d.Pass, Timeout: 5 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	_, err = tg.Plant(context.Background(), decoy(1, "", past))
	if !errors.Is(err, ErrPlaintext) {
		t.Fatalf("err = %v, want ErrPlaintext", err)
	}
	t.Log(err)
	tg, err = New(d.URL("imap", "INBOX"), Options{Password: d.Pass, Insecure: true})
	if err != nil {
		t.Fatal(err)
	}
	r, err := tg.Plant(context.Background(), decoy(1, "", past))
	if err != nil {
		t.Fatalf("insecure: %v", err)
	}
	if err := tg.Remove(context.Background(), r); err != nil {
		t.Fatal(err)
	}
}

func TestUnreachable(t *testing.T) {
	port := dovecottest.FreePorts(t, 1)[0] // nothing listens there now
	u := &url.URL{Scheme: "imaps", User: url.User("alice"), Host: fmt.Sprintf("127.0.0.1:%d", port), Path: "/INBOX"}
	tg, err := New(u, Options{Password: "secret-pw", Timeout: 2 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	_, err = tg.Plant(context.Background(), decoy(1, "", past))
	if err == nil || !strings.Contains(err.Error(), "connect to IMAP server 127.0.0.1:") || !strings.Contains(err.Error(), "refused") {
		t.Errorf("err = %v", err)
	}
	t.Log(err)
}

// TestTimeout: a server that accepts and never greets.
func TestTimeout(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			defer c.Close()
		}
	}()
	for _, scheme := range []string{"imap", "imaps"} {
		u := &url.URL{Scheme: scheme, User: url.User("alice"), Host: ln.Addr().String()}
		tg, err := New(u, Options{Password: "pw", Timeout: 300 * time.Millisecond})
		if err != nil {
			t.Fatal(err)
		}
		start := time.Now()
		_, err = tg.Plant(context.Background(), decoy(1, "", past))
		if err == nil || !strings.Contains(err.Error(), "did not answer within 300ms") {
			t.Errorf("%s: err = %v", scheme, err)
		}
		if el := time.Since(start); el > 3*time.Second {
			t.Errorf("%s: took %v", scheme, el)
		}
		// A cancelled context wins over the timeout.
		ctx, cancel := context.WithCancelCause(context.Background())
		cause := errors.New("operator stopped it")
		time.AfterFunc(50*time.Millisecond, func() { cancel(cause) })
		tg.opt.Timeout = 10 * time.Second
		_, err = tg.Plant(ctx, decoy(1, "", past))
		if !errors.Is(err, cause) {
			t.Errorf("%s: cancelled: err = %v", scheme, err)
		}
	}
}

func TestNew(t *testing.T) {
	for _, tc := range []struct {
		url, pass, want, err string
	}{
		{"imaps://alice@mail.example/", "pw", "imaps://alice@mail.example:993/INBOX", ""},
		{"imap://alice@mail.example:1143/Archive/2024", "pw", "imap://alice@mail.example:1143/Archive/2024", ""},
		{"IMAPS://alice:urlpw@mail.example/inbox", "", "imaps://alice@mail.example:993/INBOX", ""},
		{"imaps://alice%40corp.example@[::1]:9993/Finance%20Q3", "pw", "imaps://alice%40corp.example@[::1]:9993/Finance%20Q3", ""},
		{"imaps://mail.example/INBOX", "pw", "", "no user name"},
		{"imaps://alice@mail.example/INBOX", "", "", "no password"},
		{"imaps://alice:s3cr3t-in-url@mail.example:99999/INBOX", "", "", "bad port"},
		{"pop3://alice@mail.example/", "pw", "", "want imap:// or imaps://"},
		{"imaps://alice@mail.example/a//b", "pw", "", "bad folder"},
		{"imaps://alice@mail.example/INBOX?x=1", "pw", "", "unexpected query"},
	} {
		u, err := url.Parse(tc.url)
		if err != nil {
			t.Fatal(err)
		}
		tg, err := New(u, Options{Password: tc.pass})
		if tc.err != "" {
			if err == nil || !strings.Contains(err.Error(), tc.err) || !errors.Is(err, plant.ErrSpec) {
				t.Errorf("%s: err = %v, want %q", tc.url, err, tc.err)
			}
			if err != nil && strings.Contains(err.Error(), "s3cr3t") {
				t.Errorf("%s: error shows the password: %v", tc.url, err)
			}
			continue
		}
		if err != nil {
			t.Errorf("%s: %v", tc.url, err)
			continue
		}
		if tg.String() != tc.want {
			t.Errorf("%s: target %q, want %q", tc.url, tg, tc.want)
		}
	}
}

func TestFlagMapping(t *testing.T) {
	for _, tc := range []struct{ in, norm string }{
		{"", ""}, {"S", "S"}, {"SR", "RS"}, {"TDFSRP", "DFPRST"}, {"SS", "S"},
	} {
		flags, norm, err := imapFlags(tc.in)
		if err != nil || norm != tc.norm {
			t.Errorf("%q: %q %v, want %q", tc.in, norm, err, tc.norm)
		}
		if back := maildirFlags(append(flags, `\Recent`)); back != tc.norm {
			t.Errorf("%q: back %q", tc.in, back)
		}
	}
	if got := maildirFlags([]imap.Flag{`\seen`, "$Junk", `\Answered`, "NonJunk"}); got != "RS $Junk NonJunk" {
		t.Errorf("got %q", got)
	}
	if _, _, err := imapFlags("Sx"); err == nil {
		t.Error("unknown letter accepted")
	}
}

func TestToCRLF(t *testing.T) {
	for in, want := range map[string]string{
		"a\nb\n": "a\r\nb\r\n", "a\r\nb": "a\r\nb", "a\rb\r\n\n": "a\r\nb\r\n\r\n", "": "", "x": "x",
	} {
		if got := string(toCRLF([]byte(in))); got != want {
			t.Errorf("%q: %q, want %q", in, got, want)
		}
	}
}

// TestPlantLargeIntoNewFolder: a message too large for a non-synchronising
// literal, into a folder that does not exist yet (the server must not be
// asked to refuse the APPEND mid-literal).
func TestPlantLargeIntoNewFolder(t *testing.T) {
	d := dovecottest.Start(t, dovecottest.Config{})
	raw := []byte("Message-ID: <big@corp.example>\r\nSubject: big\r\n\r\n" + strings.Repeat("0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef\r\n", 2000))
	tg := target(t, d, "Fresh/Sub", true)
	r, err := tg.Plant(context.Background(), plant.Message{MessageID: "<big@corp.example>", Raw: raw, Date: past})
	if err != nil {
		t.Fatal(err)
	}
	if s, err := tg.Verify(context.Background(), r); err != nil || !s.Present {
		t.Fatalf("verify: %+v %v", s, err)
	}
}
