-- Schema version 2: tripwire attribution. Hits gain what attribution
-- decided (state, incident, expected/test marks); incidents group the hits
-- of one decoy from one source, each with the one alert it raised.

-- state: 'new' until attribution handled the hit, 'done' after. A hit that
-- did not resolve to a decoy is stored 'done' (nothing to attribute).
ALTER TABLE hits ADD COLUMN state TEXT NOT NULL DEFAULT 'done' CHECK (state IN ('new', 'done'));
ALTER TABLE hits ADD COLUMN incident_id TEXT;
ALTER TABLE hits ADD COLUMN expected INTEGER NOT NULL DEFAULT 0 CHECK (expected IN (0, 1));
ALTER TABLE hits ADD COLUMN test INTEGER NOT NULL DEFAULT 0 CHECK (test IN (0, 1));
CREATE INDEX hits_new ON hits (id) WHERE state = 'new';
CREATE INDEX hits_incident ON hits (incident_id) WHERE incident_id IS NOT NULL;

-- incidents: the hits of one decoy from one source (an address, or a local
-- process for file hits) while they keep coming within the incident window.
-- id is also the id of the alert the first hit raised; kind separates
-- scanner, expected and test traffic from touches by people, so each kind
-- has its own incident and alert.
CREATE TABLE incidents (
	id        TEXT PRIMARY KEY,
	decoy_id  TEXT NOT NULL REFERENCES decoys (id) ON DELETE CASCADE,
	source    TEXT NOT NULL,
	kind      TEXT NOT NULL CHECK (kind IN ('person', 'scanner', 'expected', 'test')),
	first_at  TEXT NOT NULL,
	last_at   TEXT NOT NULL,
	hits      INTEGER NOT NULL DEFAULT 0,
	traps     TEXT NOT NULL DEFAULT '' -- comma-separated trap names in order of first touch
) STRICT;
CREATE INDEX incidents_open ON incidents (decoy_id, source, kind, last_at);

-- The file trap resolves a touched file to its planting by path.
CREATE INDEX plantings_path ON plantings (path) WHERE path != '';

-- decoy_tests: while `mailtrip decoy test` fires a decoy's breadcrumbs
-- (purpose 'test'), or `decoy verify` reads its files ('verify'), hits of
-- that decoy from that source are marked as tests or as expected.
CREATE TABLE decoy_tests (
	id         INTEGER PRIMARY KEY,
	decoy_id   TEXT NOT NULL REFERENCES decoys (id) ON DELETE CASCADE,
	source     TEXT NOT NULL,
	purpose    TEXT NOT NULL DEFAULT 'test' CHECK (purpose IN ('test', 'verify')),
	started_at TEXT NOT NULL,
	expires_at TEXT NOT NULL
) STRICT;
CREATE INDEX decoy_tests_decoy ON decoy_tests (decoy_id, expires_at);

-- state: what detectors keep across runs of `scan --state` (per-user
-- baselines), by key; value is the detector's own encoding.
CREATE TABLE state (
	key        TEXT PRIMARY KEY,
	value      BLOB NOT NULL,
	updated_at TEXT NOT NULL
) STRICT;

-- hits are read by decoy (and time), by state and by incident; the index on
-- time alone cost every stored touch an extra b-tree insert for no query.
DROP INDEX hits_time;
