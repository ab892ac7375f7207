package decoy

import (
	"fmt"
	"hash/fnv"
	"strings"
	"time"
)

// received returns the trace fields on top of the newest message: a
// Received chain through the org's mail servers, newest hop first, each
// hop later than the one below it and than Date; optionally Return-Path
// and Delivered-To as the delivering server adds them.
func (c *composer) received(m *msg) []field {
	r := c.r
	servers := c.org.MailServers
	k := 1 + r.IntN(4)
	// A path through the servers: a random rotation, as mail enters at
	// whichever server the client submits to.
	start := r.IntN(len(servers))
	path := make([]string, 0, k)
	for i := 0; i < k; i++ {
		path = append(path, servers[(start+i)%len(servers)])
	}
	rcpt := m.to[0].Email
	t := m.date.Add(time.Duration(1+r.IntN(90)) * time.Second)
	var hops []string // oldest first
	fromHost, fromIP := c.workstation()
	mapi := m.client.quote == quoteOutlook && r.IntN(2) == 0
	for i, by := range path {
		byIP := c.serverIP(by)
		var s string
		switch {
		case i == 0 && mapi:
			s = fmt.Sprintf("from %s (%s) by %s (%s) with mapi id 15.%02d.%04d.%03d; %s",
				strings.ToUpper(label(by))+"."+c.org.Domain, byIP, by, byIP, 1+r.IntN(2), 1000+r.IntN(1600), r.IntN(40), c.traceDate(t, true))
		case i == 0:
			s = c.submitHop(fromHost, fromIP, by, byIP, m, t)
		default:
			prev := path[i-1]
			s = c.relayHop(prev, c.serverIP(prev), by, byIP, rcpt, m, t, i == len(path)-1)
		}
		hops = append(hops, s)
		t = t.Add(time.Duration(1+r.IntN(25))*time.Second + time.Duration(r.IntN(1000))*time.Millisecond)
	}
	var out []field
	switch r.IntN(5) {
	case 0:
		out = append(out, field{"Return-Path", "<" + m.from.Email + ">"}, field{"Delivered-To", rcpt})
	case 1:
		out = append(out, field{"Return-Path", "<" + m.from.Email + ">"})
	case 2:
		out = append(out, field{"X-Original-To", rcpt}, field{"Delivered-To", rcpt})
	}
	for i := len(hops) - 1; i >= 0; i-- {
		out = append(out, field{"Received", hops[i]})
	}
	if r.IntN(4) == 0 {
		out = append(out, field{"X-MS-Exchange-Organization-AuthSource", strings.ToUpper(label(path[0])) + "." + c.org.Domain})
	}
	return out
}

func label(host string) string {
	if i := strings.IndexByte(host, '.'); i > 0 {
		return host[:i]
	}
	return host
}

// traceDate formats a hop's time in the org's zone, or UTC as Exchange
// often does; both are the same instant.
func (c *composer) traceDate(t time.Time, utc bool) string {
	t = t.Truncate(time.Second)
	if utc {
		return t.UTC().Format("Mon, 2 Jan 2006 15:04:05 +0000")
	}
	if c.r.IntN(2) == 0 {
		return t.Format("Mon, 2 Jan 2006 15:04:05 -0700 (MST)")
	}
	return t.Format("Mon, 02 Jan 2006 15:04:05 -0700")
}

func (c *composer) submitHop(fromHost, fromIP, by, byIP string, m *msg, t time.Time) string {
	r := c.r
	switch r.IntN(3) {
	case 0:
		return fmt.Sprintf("from %s (%s [%s])\r\n\tby %s (Postfix) with ESMTPSA id %s\r\n\tfor <%s>; %s",
			fromHost, fromHost, fromIP, by, queueID(r), m.to[0].Email, c.traceDate(t, false))
	case 1:
		return fmt.Sprintf("from [%s] (helo=%s)\r\n\tby %s with esmtpsa (TLS1.3) tls TLS_AES_256_GCM_SHA384\r\n\t(Exim 4.%d)\r\n\t(envelope-from <%s>)\r\n\tid %s; %s",
			fromIP, fromHost, by, 94+r.IntN(5), m.from.Email, eximID(r), c.traceDate(t, false))
	}
	return fmt.Sprintf("from %s ([%s]) by %s\r\n\t(%s) with Microsoft SMTP Server (version=TLS1_2,\r\n\tcipher=TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384) id 15.2.%d.%d; %s",
		fromHost, fromIP, by, byIP, 1000+r.IntN(600), r.IntN(40), c.traceDate(t, r.IntN(2) == 0))
}

func (c *composer) relayHop(from, fromIP, by, byIP, rcpt string, m *msg, t time.Time, last bool) string {
	r := c.r
	if last && r.IntN(3) == 0 {
		return fmt.Sprintf("from %s\r\n\tby %s with LMTP\r\n\tid %s\r\n\t(envelope-from <%s>)\r\n\tfor <%s>; %s",
			from, by, base64ish(r, 22), m.from.Email, rcpt, c.traceDate(t, false))
	}
	if strings.Contains(strings.ToLower(by), "exch") {
		return fmt.Sprintf("from %s (%s) by %s (%s) with Microsoft SMTP Server\r\n\t(version=TLS1_2, cipher=TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384) id\r\n\t15.2.%d.%d; %s",
			strings.ToUpper(label(from))+"."+c.org.Domain, fromIP, strings.ToUpper(label(by))+"."+c.org.Domain, byIP, 1000+r.IntN(600), r.IntN(40), c.traceDate(t, r.IntN(2) == 0))
	}
	if r.IntN(2) == 0 {
		return fmt.Sprintf("from %s (%s [%s])\r\n\t(using TLSv1.3 with cipher TLS_AES_256_GCM_SHA384 (256/256 bits))\r\n\t(No client certificate requested)\r\n\tby %s (Postfix) with ESMTPS id %s\r\n\tfor <%s>; %s",
			from, from, fromIP, by, queueID(r), rcpt, c.traceDate(t, false))
	}
	return fmt.Sprintf("from %s ([%s] helo=%s)\r\n\tby %s with esmtps (TLS1.3) tls TLS_AES_256_GCM_SHA384\r\n\t(Exim 4.%d)\r\n\t(envelope-from <%s>)\r\n\tid %s\r\n\tfor %s; %s",
		from, fromIP, from, by, 94+r.IntN(5), m.from.Email, eximID(r), rcpt, c.traceDate(t, false))
}

// workstation returns a client host name inside the org's domain and its
// private address.
func (c *composer) workstation() (string, string) {
	r := c.r
	host := fmt.Sprintf("%s-%s.%s%s", pick(r, []string{"LT", "WS", "NB", "MAC", "DESKTOP", "PC"}),
		strings.ToUpper(hexString(r, 4+r.IntN(3))), pick(r, []string{"corp.", "office.", "", "vpn.", "ad."}), c.org.Domain)
	return host, c.privateIP()
}

func (c *composer) privateIP() string {
	r := c.r
	switch r.IntN(4) {
	case 0:
		return fmt.Sprintf("192.168.%d.%d", r.IntN(256), 2+r.IntN(250))
	case 1:
		return fmt.Sprintf("172.%d.%d.%d", 16+r.IntN(16), r.IntN(256), 2+r.IntN(250))
	}
	return fmt.Sprintf("10.%d.%d.%d", r.IntN(256), r.IntN(256), 2+r.IntN(250))
}

// serverIP is stable per server name, so all decoys of one org agree.
func (c *composer) serverIP(host string) string {
	h := fnv.New32a()
	h.Write([]byte(strings.ToLower(host)))
	x := h.Sum32()
	if x%3 == 0 {
		return fmt.Sprintf("192.0.2.%d", 2+x>>8%250) // TEST-NET-1, a DMZ in examples
	}
	return fmt.Sprintf("10.%d.%d.%d", 10+x%40, x>>8%256, 2+x>>16%250)
}

// exchangeHost returns an Exchange-looking server of the org, or the
// first server.
func (c *composer) exchangeHost() string {
	for _, s := range c.org.MailServers {
		if strings.Contains(strings.ToLower(s), "exch") {
			if c.r.IntN(2) == 0 {
				return s
			}
		}
	}
	for _, s := range c.org.MailServers {
		if strings.Contains(strings.ToLower(s), "exch") {
			return s
		}
	}
	return c.org.MailServers[0]
}

func queueID(r interface{ IntN(int) int }) string {
	const set = "0123456789BCDFGHJKLMNPQRSTVWXYZbcdfghjklmnpqrstvwxyz"
	b := make([]byte, 12+r.IntN(3))
	for i := range b {
		b[i] = set[r.IntN(len(set))]
	}
	return string(b)
}

func eximID(r interface{ IntN(int) int }) string {
	const set = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
	g := func(n int) string {
		b := make([]byte, n)
		for i := range b {
			b[i] = set[r.IntN(len(set))]
		}
		return string(b)
	}
	return g(6) + "-" + g(6) + "-" + g(2)
}

func base64ish(r interface{ IntN(int) int }, n int) string {
	const set = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
	b := make([]byte, n)
	for i := range b {
		b[i] = set[r.IntN(len(set))]
	}
	return string(b)
}
