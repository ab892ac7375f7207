// Package tripwire turns touches of decoy breadcrumbs into attributed
// alerts. The listeners in its subpackages (httptrap, dnstrap, smtptrap,
// credtrap, filetrap) observe touches and hand each one to a [Recorder] as a
// [Hit]; they run no rules and know nothing of the store. The [Service]
// here is the Recorder mailtrip serve uses: it stores every hit durably
// before the trap answers (group commit: concurrent hits share one
// transaction, or with a [Journal] one append to the hit journal that the
// store applies behind the answers), then attributes it — sub-id or credential → token → decoy →
// planting (mailbox, folder, Message-ID) — judges whether a link scanner or
// image proxy made it, groups it into an incident per (decoy, source) and
// raises or updates the incident's alert.
//
// Listener contract (every trap):
//
//   - Serve(ctx, ln) serves until ctx is done or Shutdown is called and
//     returns nil then; Shutdown(ctx) stops accepting and drains what is in
//     flight until ctx expires.
//   - A touch is recorded (Record returned) before the trap answers it, so a
//     client that got an answer has its hit in the store.
//   - Limits and timeouts against slow or flooding clients; a [Limiter] per
//     source that counts what it refuses instead of recording it.
//   - The answer never depends on whether the token resolved: an attacker
//     cannot probe which breadcrumbs are live.
package tripwire
