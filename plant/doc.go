// Package plant puts decoy emails into real mail stores, checks later that
// they are still there untouched, and takes them out again: Maildir and
// Maildir++ folders, mbox files, folders of .eml files, and enticing decoy
// files on disk (MITRE Shield "Decoy Content"). IMAP APPEND lives in
// plant/imap.
//
// [Open] turns a target spec ("maildir:PATH", "mbox:PATH", "eml:DIR",
// "files:DIR") into a [Target]; Plant returns a [Receipt] that holds
// enough to verify and remove exactly what was planted.
//
// # Safety
//
// Planting only adds: a new file (written to a temporary name, synced,
// then linked or renamed into place, never over an existing file) or bytes
// appended to an mbox under its locks. Removal only takes away the bytes
// recorded in the receipt, and only when their SHA-256 still matches: a
// decoy someone edited is reported ([ErrModified]) and left alone. Every
// other byte of the store stays as it was; the tests compare whole
// generated mail stores byte for byte before planting and after removal.
//
// # Specs followed
//
//   - Maildir: D. J. Bernstein's "Using maildir format" (delivery through
//     tmp/, unique names "<time>.M<usec>P<pid>Q<n>.<host>", host with "/"
//     and ":" escaped as \057 and \072, the ":2,<flags>" info in cur/),
//     Courier's Maildir++ (".Sub.Folder" directories holding a
//     maildirfolder file, ",S=<size>"). Existing Dovecot LAYOUT=fs folders
//     are found and used; new folders are created the Maildir++ way, their
//     names in IMAP modified UTF-7 (RFC 3501 5.1.3).
//   - mbox: mboxrd (RFC 4155 and the qmail mbox(5) page): a "From <sender>
//     <asctime>" line, body lines matching ^>*From  quoted with one more
//     '>', LF line ends, a blank line after the message. Writers lock with
//     a dotlock (PATH.lock, created O_EXCL, broken after 5 minutes) and a
//     kernel lock (flock, plus an open file description fcntl lock on
//     Linux, so Dovecot, Postfix and mutt all see it).
//
// # Divergences and choices
//
//   - A Maildir file's name carries the decoy's Date as its time (clients
//     sort by it) and its mtime is set to Date too.
//   - mbox: when the file does not end with a blank line, one or two "\n"
//     are written before our From_ line so that readers see a message
//     boundary. Those bytes are ours: Receipt.Offset then points at them
//     (not at the From_ line) and Size and SHA256 include them, so
//     removal restores the file byte for byte.
//   - mbox: a mail client that marks the decoy read by adding Status,
//     X-Status, X-Mozilla-Status, X-Keywords or X-UID header fields does
//     not make it "modified": Verify reports those fields in
//     Status.FlagsChanged, and Remove removes the message with them.
//   - mbox removal rewrites the file through a temporary file and a rename
//     (crash-safe) while holding both locks; a writer that opened the old
//     file before the rename and honours only the kernel lock would write
//     to the replaced file. Dotlocking writers (Postfix, Dovecot, procmail)
//     are safe.
package plant
