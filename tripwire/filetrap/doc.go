// Package filetrap is the decoy-file tripwire: it watches the files
// `mailtrip decoy plant` wrote to disk (plant's files: target — .eml
// decoys under enticing folder trees) and reports every process that
// opens, reads or copies one as a [tripwire.Hit]. It has no listener: Run
// watches until its context ends.
//
// # How it watches
//
// On Linux it prefers fanotify(7) (notification class: it observes, never
// blocks an access), which needs CAP_SYS_ADMIN; it marks each decoy file,
// and each folder of a watched tree with FAN_EVENT_ON_CHILD so files
// planted there later are covered too, for FAN_OPEN, FAN_OPEN_EXEC,
// FAN_ACCESS and FAN_CLOSE_NOWRITE. Each event carries the process id and
// a descriptor of the file, whose path /proc/self/fd gives; the process's
// executable, command line and real uid come from /proc/<pid> at once,
// since a short-lived cat or cp may be gone a moment later (the hit then
// says process_gone). Without the capability it falls back to inotify(7)
// (IN_OPEN, IN_ACCESS, IN_CLOSE_NOWRITE on the same files and folders),
// which names the file but not the process. [Config.Mode] forces either;
// [Trap.Mode] says which runs. Elsewhere Run returns [ErrUnsupported] (on
// Windows the same evidence comes from object-access events in scanned
// logs).
//
// # What it records
//
// Hit{Trap: "file", Path, Detail{event: open|open_exec|access|
// close_nowrite, mode: fanotify|inotify, and under fanotify pid, exe,
// cmdline, uid}}; Source is empty. One hit per (file, process) per
// [Config.DedupWindow] — the open, not the hundred reads that follow —
// the rest counted in [Stats]. Touches by the trap's own process are
// ignored by default ([Config.IgnorePIDs]), so mailtrip's own verify does
// not trip it; under inotify, which does not say who, they cannot be told
// apart and do trip it.
//
// # Limits
//
// The number of files and folders marked (10000), a [tripwire.Limiter]
// per uid, command lines cut to 4 KiB, and how long Record may take.
// Recording runs beside the reader, so a slow recorder delays hits, not
// the reading of /proc; when the kernel's queue overflows, the lost
// touches are counted (Stats.Overflow). Folders are walked when the trap
// starts or a path is added: a folder made later inside a watched tree is
// not watched until Add is called for it. Remove takes a path as given.
// Files in a watched folder are watched through it: a hard link to one
// from elsewhere is not (a file named in Paths is marked itself).
package filetrap
