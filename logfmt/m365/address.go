package m365

import (
	"strings"
)

// Address is one recipient as Exchange writes it in a rule or mailbox
// parameter. Addr is the SMTP address ("" when the value names a
// recipient without one: a legacy EX: DN, a display name only, or a
// PowerShell type name left by Export-Csv); Name the display name if any;
// Raw the text it was parsed from.
type Address struct {
	Name string
	Addr string
	Raw  string
}

// Domain returns the lower-cased domain of Addr, or "".
func (a Address) Domain() string {
	if i := strings.LastIndexByte(a.Addr, '@'); i >= 0 {
		return strings.ToLower(a.Addr[i+1:])
	}
	return ""
}

// ParseAddressList parses the recipient lists of ForwardTo, RedirectTo,
// ForwardingSmtpAddress and similar values. Recognised forms, separated
// by ';' or ',' outside quotes and brackets:
//
//	"Display Name" [SMTP:user@example.com]   ; Exchange recipient with proxy address
//	Display Name [EX:/o=ExchangeLabs/...]    ; legacy DN: Addr stays ""
//	smtp:user@example.com                    ; ForwardingSmtpAddress
//	Display Name <user@example.com>          ; RFC 5322 mailbox
//	user@example.com                         ; bare address
//
// A value naming a .NET type (Export-Csv of a collection writes
// "System.Collections.ArrayList" or "...ADRecipientOrAddress[]") gives an
// Address with only Raw set.
func ParseAddressList(s string) []Address {
	var out []Address
	for _, part := range splitList(s) {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		out = append(out, parseAddress(part))
	}
	return out
}

// splitList splits at ';' and ',' that are outside "..." and [...] / <...>.
func splitList(s string) []string {
	var parts []string
	inQ, depth, start := false, 0, 0
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c == '"':
			inQ = !inQ
		case inQ:
		case c == '[' || c == '<':
			depth++
		case (c == ']' || c == '>') && depth > 0:
			depth--
		case (c == ';' || c == ',') && depth == 0:
			parts = append(parts, s[start:i])
			start = i + 1
		}
	}
	return append(parts, s[start:])
}

func parseAddress(p string) Address {
	a := Address{Raw: p}
	// Proxy address in brackets, or angle-addr.
	if i := strings.LastIndexAny(p, "[<"); i >= 0 && (strings.HasSuffix(p, "]") || strings.HasSuffix(p, ">")) {
		inner := p[i+1 : len(p)-1]
		a.Name = strings.Trim(strings.TrimSpace(p[:i]), `"' `)
		a.Addr = proxyAddr(inner)
		return a
	}
	a.Addr = proxyAddr(strings.Trim(p, `"' `))
	if a.Addr == "" {
		a.Name = strings.Trim(p, `"' `)
	}
	return a
}

// proxyAddr returns the SMTP address of "SMTP:x@y", "smtp:x@y" or "x@y",
// and "" for other proxy types (EX:, X500:) and non-addresses.
func proxyAddr(s string) string {
	s = strings.TrimSpace(s)
	if pfx, rest, ok := strings.Cut(s, ":"); ok && !strings.Contains(pfx, "@") {
		if !strings.EqualFold(pfx, "smtp") {
			return ""
		}
		s = strings.TrimSpace(rest)
	}
	at := strings.LastIndexByte(s, '@')
	if at <= 0 || at == len(s)-1 || strings.ContainsAny(s, " \t\"<>[]") {
		return ""
	}
	return s
}
