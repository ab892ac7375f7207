package header

import "strings"

// Addresses extracts the addr-specs from an address-list field value
// (To, Cc, From, Reply-To, X-Forwarded-For, ...) and returns them
// lower-cased, in order, duplicates kept. It is deliberately lenient:
//
//	address-list = address *(sep address)          ; sep: "," ";" or whitespace
//	address      = mailbox / group
//	mailbox      = [display-name] "<" [route ":"] addr-spec ">" / addr-spec
//	group        = display-name ":" [mailbox-list] ";"
//	addr-spec    = local-part "@" domain
//
// Quoted strings and comments are skipped wherever they appear, so an
// "@" in a display name ("a@b" <c@d>) is not taken for an address. A
// token outside angle brackets counts as an address when it has a
// non-empty local part and domain around its last "@". Space-separated
// lists (Gmail's "X-Forwarded-For: a@x b@y") work because whitespace
// separates tokens. Nothing is validated beyond that: RFC 5322 (section
// 3.4) is stricter than the mail that arrives.
func Addresses(v string) []string {
	var out []string
	add := func(tok string) {
		tok = strings.Trim(tok, ".'`")
		// "<@relay:user@host>" (obsolete route) or "<mailto:user@host>"
		if i := strings.LastIndexByte(tok, ':'); i >= 0 {
			tok = tok[i+1:]
		}
		at := strings.LastIndexByte(tok, '@')
		if at <= 0 || at == len(tok)-1 {
			return
		}
		out = append(out, strings.ToLower(tok))
	}

	tokStart := -1
	flush := func(i int) {
		if tokStart >= 0 {
			add(v[tokStart:i])
			tokStart = -1
		}
	}
	for i := 0; i < len(v); i++ {
		switch c := v[i]; c {
		case '"':
			// quoted-string: skip to the closing quote, honouring
			// backslash escapes; an unterminated one runs to the end.
			flush(i)
			for i++; i < len(v) && v[i] != '"'; i++ {
				if v[i] == '\\' {
					i++
				}
			}
		case '(':
			// comment: may nest, may contain quoted-pairs.
			flush(i)
			depth := 1
			for i++; i < len(v) && depth > 0; i++ {
				switch v[i] {
				case '\\':
					i++
				case '(':
					depth++
				case ')':
					depth--
				}
			}
			i--
		case '<':
			flush(i)
			end := strings.IndexByte(v[i+1:], '>')
			if end < 0 {
				end = len(v) - i - 1
			}
			add(strings.TrimSpace(v[i+1 : i+1+end]))
			i += end + 1
		case ',', ';', ' ', '\t', '\r', '\n', '>', ')':
			flush(i)
		case ':':
			// "group-name:" or a route; an addr-spec has no colon.
			tokStart = -1
		default:
			if tokStart < 0 {
				tokStart = i
			}
		}
	}
	flush(len(v))
	return out
}
