// Package maildir reads Maildir and Maildir++ mail stores: it parses
// message file names ([ParseName]), finds folders ([Folders]) and walks
// every message file ([Walk]). Reading a message file is left to
// mailfmt/header.ReadMessage.
//
// Specs: D. J. Bernstein's "Using maildir format" (cr.yp.to/proto/
// maildir.html) for cur/, new/, tmp/ and the ":2," info part; Sam
// Varshavchik's Maildir++ (Courier) for ".Sub.Folder" subfolders and the
// ",S=<size>" field; Dovecot's extensions (",W=<vsize>", lower-case
// keyword flags a-z, LAYOUT=fs nested folders) and RFC 3501 section
// 5.1.3 for the modified UTF-7 of IMAP folder names.
//
// Notable divergences, toward what real stores hold:
//
//   - ";" is accepted in place of ":" before the info part (used where
//     ":" is not allowed in file names, e.g. on Windows file systems).
//   - Flags are not required to be in ASCII order; duplicates are kept.
//     Any character other than A-Z and a-z in the flags is an error.
//   - ":1," (experimental info) is accepted and reported as such; its
//     content is not interpreted.
//   - Folder names are decoded from modified UTF-7 when they are valid
//     and kept raw otherwise.
package maildir
