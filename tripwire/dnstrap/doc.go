// Package dnstrap is the DNS tripwire: an authoritative server
// (github.com/miekg/dns, UDP and TCP) for the canary zone, where decoy host
// names such as vpn-<sub>.<zone> live. A query whose name carries a token
// candidate in the labels in front of the zone (case-folded, [token.Find];
// see name.go for the grammar) is handed to a [tripwire.Recorder] as a
// [tripwire.Hit] before it is answered. Only this package imports
// miekg/dns.
//
// # What it records
//
// Hit{Trap: "dns"} with Source (the resolver's address and port: the
// server that asked, not the person behind it) and Subs (at most
// [MaxSubs]). Detail: qname (lower case, no final dot), qname_sent (when
// the resolver randomised case), qtype, qclass, transport ("udp"/"tcp"),
// id, rd (a stub querying us directly sets it; recursive resolvers do
// not), do_bit, edns_udp_size, edns_client_subnet (RFC 7871, as a prefix,
// when the resolver sent one: the nearest thing to the person's address),
// repeat and repeat_n.
//
// Resolvers ask again: A then AAAA then HTTPS, each server of a farm,
// retries, QNAME minimisation. A lookup of a name within
// [Config.DedupWindow] of its first lookup (any type, any resolver) is a
// repeat: it is still recorded — every hit is stored — with
// repeat=true and repeat_n (1 for the first repeat), so attribution can
// count one touch. The first lookup has repeat=false. At most 100,000
// names are remembered; past that a name is not, and its next lookup
// counts as a new touch (too many touches, never too few).
//
// # What it answers
//
// Every name in the zone exists and gets the same records, so an answer
// never says whether a token is live (see answer.go): A/AAAA from
// [Config] (the HTTP trap), MX 10 to [Config.MX] (the SMTP trap), TXT as
// configured, SOA and NS at the apex, RFC 8482 HINFO for ANY, NODATA with
// the SOA otherwise; AA set, RA clear. Names outside the zone and classes
// other than IN get REFUSED without AA (the trap never recurses); opcodes
// other than QUERY get NOTIMP, EDNS versions other than 0 BADVERS. EDNS
// queries get an OPT back (our buffer size, the DO bit, the ECS option
// echoed with scope 0). UDP answers larger than 512 bytes, or than the
// EDNS buffer size (capped at [Config.UDPSize]), are truncated with TC set
// so the resolver retries over TCP.
//
// Queries in the zone without a candidate are answered and counted as
// noise. A source the [tripwire.Limiter] refuses gets REFUSED and is
// counted, not recorded. When Record fails the answer is SERVFAIL (never a
// normal answer for an unstored touch), logged and counted. Packets that
// do not parse, responses, updates and messages with other than one
// question are counted as malformed; miekg/dns answers what has a valid
// header with FORMERR (no larger than the query) and drops the rest.
//
// # Limits
//
// Queries answered at once ([Config.MaxInFlight]; past it UDP queries are
// dropped, TCP ones get SERVFAIL, both counted as busy), UDP query size
// (4096 bytes), TCP read, write and idle timeouts and queries per
// connection, how long Record may take, the dedup memory above.
package dnstrap
