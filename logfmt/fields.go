package logfmt

import (
	"encoding/json"
	"net/netip"
	"strconv"
	"strings"
)

// Lookup returns the value at a dotted path in a decoded record ("a.b.c"),
// matching each key exactly first and then ignoring ASCII case, so that
// the same path works on Microsoft's PascalCase records and on SIEM
// exports that lower-cased the keys. A key holding a dot itself
// ("@odata.type") is found when the whole remaining path matches it.
func Lookup(m map[string]any, path string) (any, bool) {
	for {
		if v, ok := m[path]; ok {
			return v, true
		}
		key, rest, more := strings.Cut(path, ".")
		v, ok := m[key]
		if !ok {
			if v, ok = foldGet(m, key); !ok {
				if !more {
					return nil, false
				}
				// A dotted key matched case-insensitively as a whole.
				return foldGet(m, path)
			}
		}
		if !more {
			return v, true
		}
		sub, ok := v.(map[string]any)
		if !ok {
			return nil, false
		}
		m, path = sub, rest
	}
}

func foldGet(m map[string]any, key string) (any, bool) {
	for k, v := range m {
		if strings.EqualFold(k, key) {
			return v, true
		}
	}
	return nil, false
}

// Str returns the value at path as a string: strings as they are, numbers
// in their source spelling, booleans as "true"/"false", "" otherwise.
func Str(m map[string]any, path string) string {
	v, _ := Lookup(m, path)
	return String(v)
}

// String formats a scalar decoded from JSON or CSV as text; maps, slices
// and nil give "".
func String(v any) string {
	switch x := v.(type) {
	case string:
		return x
	case json.Number:
		return x.String()
	case bool:
		return strconv.FormatBool(x)
	case float64:
		return strconv.FormatFloat(x, 'f', -1, 64)
	case int:
		return strconv.Itoa(x)
	case int64:
		return strconv.FormatInt(x, 10)
	}
	return ""
}

// FlattenPairs turns a list of {name, value} objects, the way Microsoft
// and Google records carry parameters ([{"Name":"ForwardTo","Value":"x"}]),
// into a map name → value. nameKeys and valueKeys are tried in order and
// matched ignoring case; the first value key present in an element wins,
// so Google's {name, value|boolValue|intValue|multiValue} works with
// valueKeys listing all four. A name given more than once keeps all its
// values, in order, as a []any. Elements without a name are skipped. It
// returns nil when list is not a list; at most max elements are read.
func FlattenPairs(list any, nameKeys, valueKeys []string, max int) map[string]any {
	l, ok := list.([]any)
	if !ok {
		return nil
	}
	// Names rarely repeat: fill the map in one pass, and start over with
	// flattenPairs, which gathers repeated names, when one does.
	out := make(map[string]any, len(l))
	for i, e := range l {
		if max > 0 && i >= max {
			break
		}
		name, val, ok := pair(e, nameKeys, valueKeys)
		if !ok {
			continue
		}
		n := len(out)
		out[name] = val
		if len(out) == n {
			return flattenPairs(l, nameKeys, valueKeys, max)
		}
	}
	return out
}

// pair returns the name and value of one element of a name/value list;
// ok is false when it is not an object or has no name.
func pair(e any, nameKeys, valueKeys []string) (name string, val any, ok bool) {
	obj, ok := e.(map[string]any)
	if !ok {
		return "", nil, false
	}
	for _, k := range nameKeys {
		if v, ok := getFold(obj, k); ok {
			name = String(v)
			break
		}
	}
	if name == "" {
		return "", nil, false
	}
	for _, k := range valueKeys {
		if v, ok := getFold(obj, k); ok {
			val = v
			break
		}
	}
	return name, val, true
}

// flattenPairs is FlattenPairs for a list that repeats a name.
func flattenPairs(l []any, nameKeys, valueKeys []string, max int) map[string]any {
	out := make(map[string]any, len(l))
	multi := map[string]bool{}
	for i, e := range l {
		if max > 0 && i >= max {
			break
		}
		name, val, ok := pair(e, nameKeys, valueKeys)
		if !ok {
			continue
		}
		if prev, dup := out[name]; dup {
			if multi[name] {
				out[name] = append(prev.([]any), val)
			} else {
				out[name] = []any{prev, val}
				multi[name] = true
			}
			continue
		}
		out[name] = val
	}
	return out
}

func getFold(m map[string]any, k string) (any, bool) {
	if v, ok := m[k]; ok {
		return v, true
	}
	return foldGet(m, k)
}

// SplitIP normalises a client address as audit logs write it: "1.2.3.4",
// "1.2.3.4:52816", "[2001:db8::1]:443", "2001:db8::1" (a bare IPv6 address
// is not split at its last colon), "::ffff:1.2.3.4" (returned as 1.2.3.4),
// IPv6 with a zone. It returns the address in canonical form and the port
// ("" when there is none); ok is false when s holds no IP address, and
// then addr is "".
func SplitIP(s string) (addr, port string, ok bool) {
	s = strings.TrimSpace(s)
	if s == "" {
		return "", "", false
	}
	// With exactly one colon s is no address by itself (IPv6 has two or
	// more): try it as address and port directly.
	if strings.Count(s, ":") != 1 {
		if a, err := netip.ParseAddr(s); err == nil {
			return canonical(a.Unmap(), s), "", true
		}
	}
	if ap, err := netip.ParseAddrPort(s); err == nil {
		host := s[:strings.LastIndexByte(s, ':')]
		if len(host) > 2 && host[0] == '[' {
			host = host[1 : len(host)-1]
		}
		return canonical(ap.Addr().Unmap(), host), portText(s, ap.Port()), true
	}
	// "[2001:db8::1]" without a port.
	if strings.HasPrefix(s, "[") && strings.HasSuffix(s, "]") {
		if a, err := netip.ParseAddr(s[1 : len(s)-1]); err == nil {
			return a.Unmap().String(), "", true
		}
	}
	return "", "", false
}

// canonical returns a.String(), or s itself when that is what s says (the
// usual case), which spares allocating it again.
func canonical(a netip.Addr, s string) string {
	var buf [64]byte
	b := a.AppendTo(buf[:0])
	if string(b) == s {
		return s
	}
	return string(b)
}

// portText returns strconv.Itoa(port), or the same text at the end of s
// (after its last colon) when s spells it so, which spares allocating it.
func portText(s string, port uint16) string {
	t := s[strings.LastIndexByte(s, ':')+1:]
	if n, err := strconv.Atoi(t); err == nil && n == int(port) && t != "" && '1' <= t[0] && t[0] <= '9' {
		return t
	}
	return strconv.Itoa(int(port))
}
