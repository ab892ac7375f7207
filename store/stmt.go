package store

import (
	"context"
	"database/sql"
	"strings"
)

// stmt returns the statement for query, prepared once per Store. The hot
// paths (hits, incidents, alerts) run the same few statements thousands of
// times a second, and parsing SQL each time costs more than running it.
// Call it before beginning a transaction (SQLite's pool has one
// connection, which the transaction would hold) and bind the statement
// with tx.StmtContext.
func (s *Store) stmt(ctx context.Context, query string) (*sql.Stmt, error) {
	query = s.q(query)
	if v, ok := s.stmts.Load(query); ok {
		return v.(*sql.Stmt), nil
	}
	st, err := s.db.PrepareContext(ctx, query)
	if err != nil {
		return nil, err
	}
	if prev, loaded := s.stmts.LoadOrStore(query, st); loaded {
		st.Close()
		return prev.(*sql.Stmt), nil
	}
	return st, nil
}

// Queries of the hot paths, prepared by stmt.
const (
	qInsertHitWithID = `INSERT INTO hits
	(id, time, decoy_id, sub_id, trigger, source_ip, source_port, user_agent, data, scanner, expected, test, state, incident_id)
	VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`
	hitCols         = 14 // columns of qInsertHitWithID
	hitRows         = 32 // rows of qInsertHitsWithID
	qUpsertIncident = `INSERT INTO incidents (id, decoy_id, source, kind, first_at, last_at, hits, traps)
	VALUES (?, ?, ?, ?, ?, ?, ?, ?)
	ON CONFLICT (id) DO UPDATE SET first_at = excluded.first_at, last_at = excluded.last_at, hits = excluded.hits, traps = excluded.traps`
	qUpsertAlert = `INSERT INTO alerts (id, time, detected_at, rule_id, level, decoy_id, json)
	VALUES (?, ?, ?, ?, ?, ?, ?)
	ON CONFLICT (id) DO UPDATE SET json = excluded.json, level = excluded.level`
)

// qInsertHitsWithID inserts hitRows hits at once.
var qInsertHitsWithID = qInsertHitWithID + strings.Repeat(",\n\t(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", hitRows-1)

// The plain shape of a hit row: a touch by a person (not a scanner's,
// expected or a test) that attribution has handled. scanner, expected,
// test and state take the columns' defaults (0, 0, 0, 'done'), which
// spares four of fourteen bound values on the rows of a flood.
const (
	qInsertPlainHit = `INSERT INTO hits
	(id, time, decoy_id, sub_id, trigger, source_ip, source_port, user_agent, data, incident_id)
	VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`
	plainHitCols = 10 // columns of qInsertPlainHit
)

// qInsertPlainHits inserts hitRows plain hits at once.
var qInsertPlainHits = qInsertPlainHit + strings.Repeat(",\n\t(?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", hitRows-1)

// attributionStmts are the statements attributeTx binds.
type attributionStmts struct{ inc, alert *sql.Stmt }

func (s *Store) attributionStmts(ctx context.Context) (attributionStmts, error) {
	inc, err := s.stmt(ctx, qUpsertIncident)
	if err != nil {
		return attributionStmts{}, err
	}
	al, err := s.stmt(ctx, qUpsertAlert)
	return attributionStmts{inc, al}, err
}
