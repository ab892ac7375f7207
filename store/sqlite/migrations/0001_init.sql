-- mailtrip store schema, version 1 (SQLite). store/doc.go describes every
-- table; store/postgres keeps the same tables with PostgreSQL types.
--
-- Conventions: times are TEXT in UTC, fixed width
-- (2006-01-02T15:04:05.000000000Z) so they sort as text; hashes are
-- lower-case hex; JSON is TEXT; "" (not NULL) means "absent" in columns that
-- take part in a unique index. Tables are STRICT.

-- meta holds single values the store keeps for itself, such as the server
-- secret that keys token sub-id HMACs ('secret').
CREATE TABLE meta (
	key   TEXT PRIMARY KEY,
	value BLOB NOT NULL
) STRICT;

-- decoys: one row per generated decoy email; id is its 26-character token id.
CREATE TABLE decoys (
	id         TEXT PRIMARY KEY,
	created_at TEXT NOT NULL,
	seed       INTEGER NOT NULL,
	theme      TEXT NOT NULL DEFAULT '',
	subject    TEXT NOT NULL DEFAULT '',
	from_addr  TEXT NOT NULL DEFAULT '',
	message_id TEXT NOT NULL UNIQUE,
	raw        BLOB NOT NULL,
	sha256     TEXT NOT NULL CHECK (length(sha256) = 64),
	profile    TEXT -- JSON: persona, generator settings
) STRICT;
CREATE INDEX decoys_created_at ON decoys (created_at);

-- tokens: every breadcrumb a decoy carries, by its HMAC-derived sub-id. A
-- decoy credential is a token whose value is the user name and whose
-- password_sha256 is set; the plaintext password lives only in the decoy's
-- raw message.
CREATE TABLE tokens (
	sub_id          TEXT PRIMARY KEY,
	decoy_id        TEXT NOT NULL REFERENCES decoys (id) ON DELETE CASCADE,
	kind            TEXT NOT NULL,
	value           TEXT NOT NULL,
	created_at      TEXT NOT NULL,
	password_sha256 TEXT CHECK (password_sha256 IS NULL OR length(password_sha256) = 64)
) STRICT;
CREATE INDEX tokens_decoy_id ON tokens (decoy_id);
CREATE UNIQUE INDEX tokens_credential ON tokens (value, password_sha256)
	WHERE password_sha256 IS NOT NULL;

-- plantings: where a decoy was put. A decoy is planted at most once in the
-- same place (kind, target, folder) at a time; removed plantings stay as
-- history with removed_at set.
CREATE TABLE plantings (
	id          INTEGER PRIMARY KEY,
	decoy_id    TEXT NOT NULL REFERENCES decoys (id) ON DELETE CASCADE,
	target_kind TEXT NOT NULL CHECK (target_kind IN ('maildir', 'mbox', 'eml', 'imap', 'files')),
	target      TEXT NOT NULL,
	mailbox     TEXT NOT NULL DEFAULT '',
	folder      TEXT NOT NULL DEFAULT '',
	uidvalidity INTEGER NOT NULL DEFAULT 0,
	uid         INTEGER NOT NULL DEFAULT 0,
	path        TEXT NOT NULL DEFAULT '',
	byte_offset INTEGER NOT NULL DEFAULT 0,
	byte_size   INTEGER NOT NULL DEFAULT 0,
	message_id  TEXT NOT NULL DEFAULT '',
	sha256      TEXT NOT NULL DEFAULT '',
	planted_at  TEXT NOT NULL,
	removed_at  TEXT,
	state       TEXT NOT NULL DEFAULT 'planted'
) STRICT;
CREATE INDEX plantings_decoy_id ON plantings (decoy_id);
CREATE INDEX plantings_target ON plantings (target, folder);
CREATE INDEX plantings_message_id ON plantings (message_id);
CREATE UNIQUE INDEX plantings_active_place ON plantings (decoy_id, target_kind, target, folder)
	WHERE removed_at IS NULL;

-- hits: every touch of a tripwire. decoy_id and sub_id are set when the
-- touched breadcrumb resolved; data holds the trap's details (JSON).
CREATE TABLE hits (
	id          INTEGER PRIMARY KEY,
	time        TEXT NOT NULL,
	decoy_id    TEXT REFERENCES decoys (id) ON DELETE SET NULL,
	sub_id      TEXT REFERENCES tokens (sub_id) ON DELETE SET NULL,
	trigger     TEXT NOT NULL,
	source_ip   TEXT NOT NULL DEFAULT '',
	source_port INTEGER NOT NULL DEFAULT 0,
	user_agent  TEXT NOT NULL DEFAULT '',
	data        TEXT, -- JSON
	scanner     INTEGER NOT NULL DEFAULT 0 CHECK (scanner IN (0, 1))
) STRICT;
CREATE INDEX hits_decoy_time ON hits (decoy_id, time);
CREATE INDEX hits_time ON hits (time);

-- alerts: every alert.Alert once, by its deterministic id; json is the
-- alert as written (mailtrip.alert/v1), the other columns are for queries.
CREATE TABLE alerts (
	id          TEXT PRIMARY KEY,
	time        TEXT NOT NULL,
	detected_at TEXT NOT NULL,
	rule_id     TEXT NOT NULL,
	level       INTEGER NOT NULL CHECK (level BETWEEN 0 AND 4),
	decoy_id    TEXT,
	acked_at    TEXT,
	json        TEXT NOT NULL
) STRICT;
CREATE INDEX alerts_time ON alerts (time);
CREATE INDEX alerts_level_time ON alerts (level, time);
CREATE INDEX alerts_decoy_id ON alerts (decoy_id) WHERE decoy_id IS NOT NULL;

-- outbox: one row per (alert, delivering sink) until the sink acknowledged
-- it. state: pending (due at next_attempt_at), sent, dead (gave up).
CREATE TABLE outbox (
	alert_id        TEXT NOT NULL REFERENCES alerts (id) ON DELETE CASCADE,
	sink            TEXT NOT NULL,
	state           TEXT NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'sent', 'dead')),
	attempts        INTEGER NOT NULL DEFAULT 0,
	next_attempt_at TEXT,
	sent_at         TEXT,
	last_error      TEXT NOT NULL DEFAULT '',
	PRIMARY KEY (alert_id, sink)
) STRICT;
CREATE INDEX outbox_due ON outbox (state, next_attempt_at);
