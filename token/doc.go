// Package token is mailtrip's honeytoken model: the ids of decoys and of
// their breadcrumbs, how breadcrumbs are minted and written into the forms
// they take (links, host names, addresses, Message-IDs, credentials), how
// they are found again in whatever text an attacker's touch leaves behind,
// and the [Registry] that maps them back to their decoy. It has no network
// code: the tripwires listen, this package only names and recognises.
//
// # Model
//
// A decoy email has an [ID]: 128 bits from crypto/rand, written as 26
// lower-case base32 characters (RFC 4648 alphabet a–z, 2–7, no padding).
// Each breadcrumb planted in it is a [Token]: a sub-id ([SubID]), the decoy
// it belongs to, its [Kind] and its value as planted. A decoy typically
// carries a few tokens of different kinds; the n-th token of a kind in a
// decoy is numbered n.
//
// # Sub-ids
//
// A sub-id is derived, not drawn ([Derive]):
//
//	sub = base32( HMAC-SHA256(secret, "mailtrip/v1|" ‖ decoy ‖ "|" ‖ kind ‖ "|" ‖ n)[:10] )
//
// with decoy as its 16 raw bytes and n in decimal: 80 bits in 16 characters.
// secret is the server secret ([NewSecret], 32 random bytes), made once and
// kept in the store. So:
//
//   - Regenerating a decoy from its id and seed gives the same sub-ids,
//     without storing them first.
//   - A sub-id that leaks (it is, by design, in plain sight: a link, a host
//     name in a resolver's log) reveals nothing of the decoy id or of the
//     decoy's other sub-ids. HMAC-SHA256 under a secret key is a
//     pseudo-random function: without the key its outputs cannot be told
//     from random strings, cannot be inverted to the message (which holds
//     the decoy id), and knowing any number of them does not help predict
//     another. Someone who saw the link cannot compute the decoy's host
//     name or canary address to test which breadcrumbs are live, nor forge
//     a sub-id of another decoy to raise a false alarm; guessing one means
//     hitting one of N registered values out of 2^80.
//   - Collisions are negligible: with a million tokens registered the
//     chance that any two share a sub-id is about 4·10⁻¹³. A registry still
//     refuses a duplicate ([ErrDuplicate]) rather than trust the odds.
//   - 16 base32 characters fit a DNS label (at most 63 bytes) and a mail
//     local-part, need no escaping in a URL, and survive case folding.
//
// The decoy id itself appears in no breadcrumb; it stays in the store and
// in alerts. A credential's token has a sub-id too (its key in the
// registry), but what is planted does not carry it: the registry finds a
// credential by its (user name, password) pair, so the user name can look
// like any administrator's account.
//
// # Where tokens travel
//
//   - [KindURL], [KindImage]: a link or remote image under the canary base
//     URL, the sub-id a path segment or query value ([URL]).
//   - [KindDNS]: a host name in the canary zone, the sub-id in the first
//     label ([DNSName]).
//   - [KindEmail]: an address at the canary mail domain, the sub-id in the
//     local part ([Address]).
//   - [KindMessageID]: the decoy's Message-ID, the sub-id in its left part
//     ([MessageID]); it shows up in mailbox-access audit records and in
//     forwarded copies.
//   - [KindCredential]: a user name and password ([Credential]), found by
//     the pair ([Registry.LookupCredential]), not by a sub-id.
//   - [KindFile]: a decoy file; its token's value is the path the file trap
//     watches, and its name needs no sub-id.
//
// Every encoder places the sub-id between characters that are not letters
// or digits, and [Find] returns every such 16-character run from any text
// (query strings, host names in any case, local parts, message bodies,
// percent-encoded and quoted-printable text), for the [Registry] to
// confirm. [FindID] does the same for decoy ids.
package token
