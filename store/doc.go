// Package store keeps mailtrip's state in an SQL database through
// database/sql: the server secret, decoys and their tokens, where decoys were
// planted, tripwire hits, and alerts with their delivery outbox.
//
// The package imports no driver. A [Dialect] tells it what differs between
// databases (placeholders, time encoding, error codes, the migrations), and
// a dialect package opens the database and calls [Open]:
//
//	store/sqlite    the default: one SQLite file (modernc.org/sqlite, no cgo)
//	store/postgres  (to come) PostgreSQL, for several serve replicas
//
// Only cmd/mailtrip picks the dialect; everything else takes a *Store.
//
// # Migrations
//
// Each dialect embeds its schema as numbered files in its own package
// (store/sqlite/migrations/0001_init.sql, 0002_...), because column types
// and DDL differ. Both dialects must describe the same tables and columns,
// so the queries here run on either. [Open] applies the files the database
// has not seen, in order, each in its own transaction together with its row
// in schema_migrations(version, name, applied_at); reopening applies
// nothing. A database whose version is newer than the newest file is
// refused with a [*SchemaError] ("store schema 5 is newer than this
// mailtrip (3); upgrade mailtrip") and left unchanged. A migration is never
// edited once released: changes go in a new file.
//
// # Schema (version 3)
//
//	meta(key PK, value BLOB)
//	    Values the store keeps for itself: 'secret' is the 32-byte server
//	    secret keying token sub-id HMACs (see [Store.Secret]).
//	decoys(id PK, created_at, seed, theme, subject, from_addr,
//	       message_id UNIQUE, raw BLOB, sha256, profile JSON)
//	    One generated decoy email; id is its 26-character token id, sha256
//	    the hex digest of raw, so decoy verify can tell a tampered copy.
//	tokens(sub_id PK, decoy_id FK→decoys, kind, value, created_at,
//	       password_sha256 NULL)             index (decoy_id)
//	    Every breadcrumb of a decoy by its HMAC-derived sub-id. A decoy
//	    credential is a token whose value is the user name and whose
//	    password_sha256 is set; (value, password_sha256) is unique among
//	    credentials. The plaintext password is stored only once, inside the
//	    decoy's raw message where it was planted.
//	plantings(id PK, decoy_id FK→decoys, target_kind, target, mailbox,
//	          folder, uidvalidity, uid, path, byte_offset, byte_size, message_id,
//	          sha256, planted_at, removed_at NULL, state)
//	    One decoy put in one place. target_kind is maildir, mbox, eml, imap
//	    or files; target is a path or a URL without password. One active
//	    (removed_at NULL) planting per (decoy_id, target_kind, target,
//	    folder): planting twice in the same place is [ErrExists].
//	hits(id PK, time, decoy_id NULL FK→decoys, sub_id NULL FK→tokens,
//	     trigger, source_ip, source_port, user_agent, data JSON, scanner,
//	     expected, test, state, incident_id NULL)
//	    One touch of a tripwire; decoy_id and sub_id when it resolved.
//	    state is 'new' until attribution put it in an incident ('done');
//	    serve stores and attributes in one transaction (AddHitsAttributed,
//	    or AddHitsJournaled for hits from its hit journal), so 'new' hits
//	    are only what a failure left for the catch-up loop.
//	incidents(id PK, decoy_id FK→decoys, source, kind, first_at, last_at,
//	          hits, traps)
//	    The hits of one decoy from one source and kind (person, scanner,
//	    expected, test) while they keep coming; id = its alert's id.
//	decoy_tests(id PK, decoy_id FK→decoys, source, purpose, started_at,
//	            expires_at)
//	    Windows in which hits of a decoy from a source are `decoy test`
//	    touches (purpose test) or `decoy verify` reads (verify).
//	state(key PK, value BLOB, updated_at)
//	    What detectors keep across `scan --state` runs (baselines), and
//	    tripwire.journal.applied: how far serve's hit journal is stored
//	    (written in the same transaction as the hits).
//	alerts(id PK, time, detected_at, rule_id, level, decoy_id NULL,
//	       acked_at NULL, json)
//	    Every alert.Alert once by its deterministic id; json is the alert
//	    as written, the other columns serve queries. level is alert.Level
//	    (0 informational … 4 critical).
//	outbox(alert_id FK→alerts, sink, state, attempts, next_attempt_at,
//	       sent_at, last_error; PK (alert_id, sink))
//	    Delivery of each alert to each delivering sink (webhook, syslog,
//	    SIEM) until acknowledged; state pending, sent or dead. A claim
//	    (ClaimDue) leases a row until next_attempt_at, so a sender that
//	    crashed mid-delivery leaves it to be sent once more (the alert id is
//	    the idempotency key); MarkSentBatch, MarkFailed, Requeue,
//	    OutboxStats, EnqueueMissing (alerts other commands stored).
//
// Times are stored in UTC and read back in UTC. "" is stored as "" rather
// than NULL in columns that take part in a unique index.
//
// # Errors
//
// Errors carry a short context and wrap a sentinel where callers may
// branch: [ErrNotFound], [ErrExists], [ErrInvalid], [ErrReadOnly],
// [ErrClosed], alongside the driver's own error.
package store
