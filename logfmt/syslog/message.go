package syslog

import (
	"net/netip"
	"strings"
)

// kv collects key=value pairs as Dovecot and Postfix write them:
//
//	pair  = key "=" ( "<" *(CHAR except ">") ">" / *(CHAR except SP ",") )
//	key   = 1*(ALPHA / DIGIT / "_" / "-")
//
// separated by ", " or " ". Angle brackets are removed from values; a key
// given twice keeps its first value (Dovecot repeats none; a value a
// client controls can only come after the server's own).
func kv(msg string, into map[string]any) {
	for i := 0; i < len(msg); i++ {
		if msg[i] != '=' || i == 0 {
			continue
		}
		k := i
		for k > 0 && isKeyByte(msg[k-1]) {
			k--
		}
		if k == i || (k > 0 && msg[k-1] != ' ' && msg[k-1] != ',' && msg[k-1] != '(') {
			continue
		}
		key := msg[k:i]
		j := i + 1
		var val string
		if j < len(msg) && msg[j] == '<' {
			end := strings.IndexByte(msg[j:], '>')
			if end < 0 {
				val = msg[j+1:]
				j = len(msg)
			} else {
				val = msg[j+1 : j+end]
				j += end + 1
			}
		} else {
			e := j
			for e < len(msg) && msg[e] != ' ' && msg[e] != ',' {
				e++
			}
			val = msg[j:e]
			j = e
		}
		if _, dup := into[key]; !dup {
			into[key] = val
		}
		i = j - 1
	}
}

func isKeyByte(c byte) bool {
	return c == '_' || c == '-' || ('a' <= c && c <= 'z') || ('A' <= c && c <= 'Z') || ('0' <= c && c <= '9')
}

// hostIP splits Postfix's "host[ip]" (ip may be IPv6) into its parts.
func hostIP(s string) (host, ip string, ok bool) {
	i := strings.IndexByte(s, '[')
	if i < 0 || !strings.HasSuffix(s, "]") {
		return "", "", false
	}
	ip = s[i+1 : len(s)-1]
	ip = strings.TrimPrefix(ip, "IPv6:")
	if _, err := netip.ParseAddr(ip); err != nil {
		return "", "", false
	}
	return s[:i], ip, true
}

// dovecot reads Dovecot's messages. The process is either the syslog tag
// ("imap-login", "auth-worker(304)") or the first word of the message
// after the tag "dovecot"; it may carry (user,ip,...) context:
//
//	msg     = [process ": "] [level ": "] text
//	process = name ["(" ctx ")"] *("<" id ">")   ; imap(user)<1234><sess>
//	level   = "Info" / "Warning" / "Error" / "Fatal" / "Panic" / "Debug"
func dovecot(r *Record, process, msg string) {
	msg = strings.TrimPrefix(msg, "dovecot: ")
	if process == "dovecot" || process == "" {
		if w, rest, ok := strings.Cut(msg, ": "); ok && !strings.Contains(w, " ") {
			process, msg = w, rest
		}
	}
	for _, lvl := range []string{"Info: ", "Warning: ", "Error: ", "Fatal: ", "Panic: ", "Debug: "} {
		msg = strings.TrimPrefix(msg, lvl)
	}
	// Process context: imap(user), pop3(user), auth(user,ip,mech).
	name, ctx := process, ""
	if i := strings.IndexByte(process, '('); i > 0 {
		name = process[:i]
		if j := strings.IndexByte(process[i:], ')'); j > 0 {
			switch name {
			case "imap", "pop3", "lmtp", "managesieve", "submission", "auth":
				ctx = process[i+1 : i+j]
				if ctx == "default" {
					ctx = ""
				}
			}
		}
	}
	// A passdb/userdb context in the text, possibly after other context:
	// "pam(user,ip): ...", "conn unix:auth-worker (uid=143): auth-worker<1>: sql(u,ip,<s>): ...".
	for off := 0; ; {
		k := strings.Index(msg[off:], "): ")
		if k < 0 {
			break
		}
		k += off
		tok := msg[:k]
		if sp := strings.LastIndexByte(tok, ' '); sp >= 0 {
			tok = tok[sp+1:]
		}
		if i := strings.IndexByte(tok, '('); i > 0 && !strings.HasPrefix(tok, "pam_unix") {
			ctx = tok[i+1:]
			r.Fields["passdb"] = tok[:i]
			msg = msg[k+3:]
			break
		}
		off = k + 3
	}
	r.Fields["process"] = name
	r.Fields["text"] = msg
	kv(msg, r.Fields)
	if ctx != "" {
		parts := strings.Split(ctx, ",")
		if r.Fields["user"] == nil && parts[0] != "" {
			r.Fields["user"] = parts[0]
		}
		if len(parts) > 1 && r.Fields["rip"] == nil {
			if _, err := netip.ParseAddr(parts[1]); err == nil {
				r.Fields["rip"] = parts[1]
			}
		}
	}
	if rh, ok := r.Fields["rhost"].(string); ok && r.Fields["rip"] == nil {
		r.Fields["rip"] = rh
	}
	lower := strings.ToLower(msg)
	switch {
	case strings.HasPrefix(msg, "Login:"):
		r.Event = "login"
	case strings.Contains(lower, "auth failed"), strings.Contains(lower, "password mismatch"),
		strings.Contains(lower, "unknown user"), strings.Contains(lower, "authentication failure"),
		strings.Contains(lower, "pam_authenticate() failed"), strings.Contains(lower, "invalid credentials"),
		strings.Contains(lower, "plaintext auth"), strings.Contains(lower, "tried to use disallowed"):
		r.Event = "auth_failed"
	case strings.Contains(lower, "no auth attempts"), strings.Contains(lower, "before auth was ready"),
		strings.Contains(lower, "didn't finish sasl auth"), strings.Contains(lower, "tls handshake"):
		r.Event = "no_auth"
	case strings.HasPrefix(msg, "Disconnected"), strings.HasPrefix(msg, "Logged out"), strings.HasPrefix(msg, "Connection closed"):
		r.Event = "disconnected"
	case strings.Contains(msg, "saved mail to"), strings.HasPrefix(msg, "sieve:"):
		r.Event = "delivery"
	}
	r.user = str(r.Fields["user"])
	r.ip = str(r.Fields["rip"])
}

// postfix reads Postfix's messages (postfix/smtpd, qmgr, smtp, local...).
//
//	msg = [queue-id ": "] ( "connect from " client / "disconnect from " client
//	      / "client=" client *(", " pair) / pair *(", " pair)
//	      / ("NOQUEUE" / queue-id) ": " ["milter-"] "reject: " cmd " from " client ": " text "; " pairs
//	      / "warning: " client ": SASL " mech " authentication failed: " text )
//	client = host "[" ip "]" [":" port]
func postfix(r *Record, msg string) {
	if q, rest, ok := strings.Cut(msg, ": "); ok && isQueueID(q) {
		r.Fields["queue_id"] = q
		msg = rest
	}
	r.Fields["text"] = msg
	client := ""
	switch {
	case strings.HasPrefix(msg, "connect from "):
		r.Event, client = "connect", strings.TrimPrefix(msg, "connect from ")
	case strings.HasPrefix(msg, "disconnect from "):
		r.Event = "disconnect"
		client, _, _ = strings.Cut(strings.TrimPrefix(msg, "disconnect from "), " ")
	case strings.HasPrefix(msg, "reject: "), strings.HasPrefix(msg, "milter-reject: "):
		r.Event = "reject"
		_, after, _ := strings.Cut(msg, " from ")
		client, _, _ = strings.Cut(after, ": ")
		if _, pairs, ok := strings.Cut(msg, "; "); ok {
			kv(pairs, r.Fields)
		}
	case strings.HasPrefix(msg, "warning: ") && strings.Contains(msg, "authentication failed"):
		r.Event = "sasl_failed"
		client, _, _ = strings.Cut(strings.TrimPrefix(msg, "warning: "), ": ")
		if i := strings.Index(msg, "sasl_username="); i >= 0 {
			kv(msg[i:], r.Fields)
		}
	case strings.HasPrefix(msg, "warning: hostname ") && strings.Contains(msg, " address "):
		// "warning: hostname h does not resolve to address 192.0.2.44: ..."
		r.Event = "warning"
		_, after, _ := strings.Cut(msg, " address ")
		ip, _, _ := strings.Cut(after, ":")
		if i := strings.IndexByte(ip, ' '); i >= 0 {
			ip = ip[:i]
		}
		client = "unknown[" + ip + "]"
	case strings.Contains(msg, " from ") && strings.Contains(msg, "["):
		// "improper command pipelining after DATA from unknown[1.2.3.4]:"
		_, after, _ := strings.Cut(msg, " from ")
		client, _, _ = strings.Cut(after, " ")
		client = strings.TrimSuffix(strings.TrimSuffix(client, ":"), ",")
		r.Event = "warning"
	default:
		kv(msg, r.Fields)
		switch {
		case r.Fields["client"] != nil:
			client = str(r.Fields["client"])
			r.Event = "client"
			if r.Fields["sasl_username"] != nil {
				r.Event = "sasl_login"
			}
		case r.Fields["orig_to"] != nil && r.Fields["to"] != nil && r.Fields["orig_to"] != r.Fields["to"]:
			r.Event = "forwarded"
		case r.Fields["status"] != nil && r.Fields["to"] != nil:
			r.Event = "delivery"
		case r.Fields["from"] != nil && r.Fields["nrcpt"] != nil:
			r.Event = "queued"
		}
	}
	client = strings.TrimSuffix(client, ":")
	if i := strings.LastIndex(client, "]:"); i > 0 {
		client = client[:i+1] // host[ip]:port
	}
	if h, ip, ok := hostIP(client); ok {
		r.Fields["client_host"], r.Fields["client_ip"] = h, ip
		r.ip = ip
	}
	r.user = str(r.Fields["sasl_username"])
}

// isQueueID: Postfix short (hex) and long (base-52 "4Lq...") queue ids.
func isQueueID(s string) bool {
	if s == "NOQUEUE" {
		return true
	}
	if len(s) < 6 || len(s) > 20 {
		return false
	}
	digit, upper := false, false
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case '0' <= c && c <= '9':
			digit = true
		case 'A' <= c && c <= 'Z':
			upper = true
		case 'a' <= c && c <= 'z':
		default:
			return false
		}
	}
	return digit && upper
}

// roundcube reads Roundcube's userlogins and errors lines:
//
//	"Successful login for " user " (ID: " n ") from " ip " in session " id
//	"Failed login for " user " from " ip " in session " id " (error: " n ")"
//	"FAILED login for " user " from " ip
//	"IMAP Error: Login failed for " user [" against " host] " from " ip ". " imap-response " in " file ...
//
// The user name and the IMAP response are attacker-controlled and may
// hold " from 1.2.3.4" themselves; the client address is the last
// " from <ip>" before the IMAP response (". AUTHENTICATE", ". LOGIN") or
// the source location (" in /"), which Roundcube appends after it.
func roundcube(r *Record, msg string) {
	if strings.HasPrefix(msg, "<") { // session prefix "<3z506z6r> "
		if i := strings.IndexByte(msg, '>'); i > 0 {
			r.Fields["session"] = msg[1:i]
			msg = strings.TrimSpace(msg[i+1:])
		}
	}
	r.Fields["text"] = msg
	lower := strings.ToLower(msg)
	switch {
	case strings.HasPrefix(lower, "successful login for "):
		r.Event = "login"
	case strings.Contains(lower, "failed login for "), strings.Contains(lower, "login failed for "):
		r.Event = "auth_failed"
	default:
		return
	}
	_, s, _ := strings.Cut(lower, " for ")
	off := len(msg) - len(s)
	body := msg[off:]
	for _, stop := range []string{". AUTHENTICATE", ". LOGIN", " in /", " in session "} {
		if i := strings.Index(body, stop); i >= 0 {
			body = body[:i]
		}
	}
	// Last " from <ip>".
	for end := len(body); end > 0; {
		i := strings.LastIndex(body[:end], " from ")
		if i < 0 {
			break
		}
		cand := body[i+6:]
		if j := strings.IndexAny(cand, " ("); j >= 0 {
			cand = cand[:j]
		}
		cand = strings.TrimSuffix(cand, ".")
		if _, err := netip.ParseAddr(cand); err == nil {
			r.ip = cand
			user := body[:i]
			if j := strings.Index(user, " (ID:"); j >= 0 {
				user = user[:j]
			}
			if j := strings.Index(user, " against "); j >= 0 {
				user = user[:j]
			}
			r.user = user
			break
		}
		end = i
	}
	if r.user != "" {
		r.Fields["user"] = r.user
	}
	if r.ip != "" {
		r.Fields["ip"] = r.ip
	}
}

func str(v any) string {
	s, _ := v.(string)
	return s
}
