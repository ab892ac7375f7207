package decoy

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"time"
)

// Quote styles: how a client shows the message it replies to.
const (
	quotePrefix  = iota // attribution line, then "> " before every line
	quoteOutlook        // From/Sent/To/Subject block, no prefix
)

// HTML skeletons.
const (
	htmlOutlook = iota
	htmlApple
	htmlThunderbird
	htmlMobile
	htmlPlain
)

// client is a mail user agent a persona writes with: it decides header
// order and extras, the quote style, the HTML skeleton and encodings.
type client struct {
	name   string
	weight int
	quote  int
	html   int
	wrap   int  // text/plain column, 0 = one line per paragraph
	flowed bool // format=flowed (RFC 3676)
	qpHTML bool // HTML part quoted-printable (else 7bit/8bit)
	mobile bool // signs with a "sent from" line, short signatures
	mailer func(r *rand.Rand) (name, value string)
	msgID  func(r *rand.Rand, c *composer) string
	attrib func(r *rand.Rand, m *msg) string // quotePrefix attribution
	// order is the header field order; "?" marks fields a client adds
	// only some of the time.
	order []string
}

var clients = []*client{
	{
		name: "outlook16", weight: 26, quote: quoteOutlook, html: htmlOutlook, qpHTML: true,
		mailer: func(r *rand.Rand) (string, string) {
			if r.IntN(3) == 0 {
				return "X-Mailer", "Microsoft Outlook 16.0"
			}
			return "", ""
		},
		msgID: exchangeID,
		order: []string{"From", "To", "Cc", "Reply-To", "Subject", "Thread-Topic", "Thread-Index", "Date", "Message-ID",
			"References", "In-Reply-To", "?Accept-Language", "?Content-Language", "X-Mailer", "X-MS-Has-Attach",
			"X-MS-TNEF-Correlator", "?X-Priority", "?Importance", "?X-Originating-IP", "Content-Type", "MIME-Version"},
	},
	{
		name: "outlook-mac", weight: 8, quote: quoteOutlook, html: htmlOutlook, qpHTML: true,
		mailer: func(r *rand.Rand) (string, string) {
			return "User-Agent", fmt.Sprintf("Microsoft-MacOutlook/16.%d.%d", 70+r.IntN(25), 23000000+r.IntN(2200000))
		},
		msgID: func(r *rand.Rand, c *composer) string { return "<" + uuid(r, true) + "@" + c.org.Domain + ">" },
		order: []string{"User-Agent", "Date", "Subject", "From", "To", "Cc", "Reply-To", "Message-ID", "Thread-Topic",
			"References", "In-Reply-To", "?Content-Language", "Content-Type", "MIME-Version"},
	},
	{
		name: "apple-mail", weight: 12, quote: quotePrefix, html: htmlApple, qpHTML: true,
		mailer: func(r *rand.Rand) (string, string) {
			return "X-Mailer", fmt.Sprintf("Apple Mail (%s)", pick(r, []string{"2.3774.600.62", "2.3826.300.87", "2.3731.700.6", "2.3696.120.41"}))
		},
		msgID: func(r *rand.Rand, c *composer) string { return "<" + uuid(r, true) + "@" + c.org.Domain + ">" },
		attrib: func(r *rand.Rand, m *msg) string {
			return fmt.Sprintf("On %s, at %s, %s wrote:", m.date.Format("Jan 2, 2006"), m.date.Format("3:04 PM"), m.from.plain())
		},
		order: []string{"From", "Content-Type", "MIME-Version", "Subject", "?X-Universally-Unique-Identifier", "Date",
			"Cc", "Reply-To", "To", "In-Reply-To", "References", "Message-ID", "X-Mailer"},
	},
	{
		name: "iphone", weight: 9, quote: quotePrefix, html: htmlMobile, mobile: true,
		mailer: func(r *rand.Rand) (string, string) {
			return "X-Mailer", fmt.Sprintf("iPhone Mail (%s)", pick(r, []string{"21G93", "22B83", "22D72", "21E236", "20H115"}))
		},
		msgID: func(r *rand.Rand, c *composer) string { return "<" + uuid(r, true) + "@" + c.org.Domain + ">" },
		attrib: func(r *rand.Rand, m *msg) string {
			return fmt.Sprintf("On %s, at %s, %s wrote:", m.date.Format("Jan 2, 2006"), m.date.Format("15:04"), m.from.plain())
		},
		order: []string{"Content-Type", "Content-Transfer-Encoding", "From", "MIME-Version", "Subject", "Date",
			"Message-ID", "References", "Cc", "Reply-To", "In-Reply-To", "To", "X-Mailer"},
	},
	{
		name: "thunderbird", weight: 10, quote: quotePrefix, html: htmlThunderbird, wrap: 72, flowed: true,
		mailer: func(r *rand.Rand) (string, string) {
			v := pick(r, []string{"115.18.0", "128.5.0", "128.11.1", "136.0.1", "140.2.0"})
			osys := pick(r, []string{"Windows NT 10.0; Win64; x64", "X11; Linux x86_64", "Macintosh; Intel Mac OS X 10.15"})
			return "User-Agent", fmt.Sprintf("Mozilla/5.0 (%s; rv:%s) Gecko/20100101 Thunderbird/%s", osys, v[:strings.IndexByte(v, '.')]+".0", v)
		},
		msgID: func(r *rand.Rand, c *composer) string { return "<" + uuid(r, false) + "@" + c.org.Domain + ">" },
		attrib: func(r *rand.Rand, m *msg) string {
			if r.IntN(2) == 0 {
				return fmt.Sprintf("On %s, %s wrote:", m.date.Format("1/2/06 3:04 PM"), m.from.name())
			}
			return fmt.Sprintf("On %s %s, %s wrote:", m.date.Format("2006-01-02"), m.date.Format("15:04"), m.from.name())
		},
		order: []string{"Message-ID", "Date", "MIME-Version", "User-Agent", "Subject", "?Content-Language", "To", "Cc",
			"Reply-To", "References", "?Organization", "From", "In-Reply-To", "Content-Type"},
	},
	{
		name: "outlook-mobile", weight: 8, quote: quoteOutlook, html: htmlMobile, mobile: true, qpHTML: true,
		mailer: func(r *rand.Rand) (string, string) { return "", "" },
		msgID:  exchangeID,
		order: []string{"From", "To", "Cc", "Reply-To", "Subject", "Thread-Topic", "Thread-Index", "Date", "Message-ID",
			"References", "In-Reply-To", "?Accept-Language", "X-MS-Has-Attach", "?X-MS-Exchange-Organization-AuthAs", "Content-Type", "MIME-Version"},
	},
	{
		name: "owa", weight: 8, quote: quoteOutlook, html: htmlPlain, qpHTML: true,
		mailer: func(r *rand.Rand) (string, string) { return "", "" },
		msgID:  exchangeID,
		order: []string{"From", "To", "Cc", "Reply-To", "Subject", "Thread-Topic", "Thread-Index", "Date", "Message-ID",
			"References", "In-Reply-To", "Accept-Language", "?Content-Language", "X-MS-Has-Attach", "?X-Originating-IP", "Content-Type", "MIME-Version"},
	},
	{
		name: "android", weight: 6, quote: quotePrefix, html: htmlMobile, mobile: true, wrap: 0,
		mailer: func(r *rand.Rand) (string, string) {
			return "User-Agent", pick(r, []string{"K-9 Mail for Android", "Thunderbird for Android", "Nine - Email for Exchange"})
		},
		msgID: func(r *rand.Rand, c *composer) string {
			return fmt.Sprintf("<%s@%s>", strings.ToUpper(hexString(r, 8))+"-"+strings.ToUpper(hexString(r, 4))+"-"+strings.ToUpper(hexString(r, 12)), c.org.Domain)
		},
		attrib: func(r *rand.Rand, m *msg) string {
			return fmt.Sprintf("On %s, %s wrote:", m.date.Format("January 2, 2006 3:04:05 PM MST"), m.from.plain())
		},
		order: []string{"MIME-Version", "Date", "In-Reply-To", "References", "Message-ID", "Subject", "From", "To", "Cc",
			"Reply-To", "User-Agent", "Content-Type"},
	},
	{
		name: "emclient", weight: 4, quote: quotePrefix, html: htmlPlain, wrap: 76,
		mailer: func(r *rand.Rand) (string, string) {
			return "User-Agent", fmt.Sprintf("eM_Client/%d.%d.%d.0", 9+r.IntN(2), r.IntN(3), 3000+r.IntN(900))
		},
		msgID: func(r *rand.Rand, c *composer) string {
			return fmt.Sprintf("<em%s@%s>", uuid(r, false), pick(r, c.org.MailServers))
		},
		attrib: func(r *rand.Rand, m *msg) string {
			return fmt.Sprintf("On %s, %s wrote:", m.date.Format("02/01/2006 15:04:05"), m.from.plain())
		},
		order: []string{"From", "To", "Cc", "Reply-To", "Subject", "Date", "Message-ID", "In-Reply-To", "References",
			"User-Agent", "MIME-Version", "?Organization", "Content-Type"},
	},
}

var clientTotal = func() int {
	n := 0
	for _, c := range clients {
		n += c.weight
	}
	return n
}()

func pickClient(r *rand.Rand) *client {
	k := r.IntN(clientTotal)
	for _, c := range clients {
		if k < c.weight {
			return c
		}
		k -= c.weight
	}
	return clients[0]
}

func exchangeID(r *rand.Rand, c *composer) string {
	srv := c.exchangeHost()
	label := strings.ToUpper(srv[:strings.IndexByte(srv+".", '.')])
	return fmt.Sprintf("<%s%s@%s>", label, strings.ToUpper(hexString(r, 24)), srv)
}

const hexDigits = "0123456789abcdef"

func hexString(r *rand.Rand, n int) string {
	b := make([]byte, n)
	for i := range b {
		b[i] = hexDigits[r.IntN(16)]
	}
	return string(b)
}

func uuid(r *rand.Rand, upper bool) string {
	s := hexString(r, 8) + "-" + hexString(r, 4) + "-4" + hexString(r, 3) + "-" + string(hexDigits[8+r.IntN(4)]) + hexString(r, 3) + "-" + hexString(r, 12)
	if upper {
		return strings.ToUpper(s)
	}
	return s
}

// dateLayouts are the Date field shapes clients write.
var dateLayouts = []string{
	"Mon, 2 Jan 2006 15:04:05 -0700",
	"Mon, 02 Jan 2006 15:04:05 -0700",
	"Mon, 2 Jan 2006 15:04:05 -0700 (MST)",
	"2 Jan 2006 15:04:05 -0700",
}

func (c *client) dateLayout(r *rand.Rand) string {
	switch c.name {
	case "outlook16", "owa", "outlook-mobile":
		return dateLayouts[1]
	case "apple-mail", "iphone":
		return dateLayouts[0]
	}
	return dateLayouts[r.IntN(len(dateLayouts))]
}

// outlookSent formats the "Sent:" line of an Outlook quote block.
func outlookSent(r *rand.Rand, t time.Time) string {
	switch r.IntN(3) {
	case 0:
		return t.Format("Monday, January 2, 2006 3:04 PM")
	case 1:
		return t.Format("Monday, January 2, 2006 15:04")
	}
	return t.Format("Monday, January 2, 2006 3:04:05 PM")
}
