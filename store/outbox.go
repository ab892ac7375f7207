package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/mailtrip/mailtrip/alert"
)

// The outbox holds one row per (alert, delivering sink) until the sink's
// receiver acknowledged the alert. A row's state is one of these.
const (
	OutboxPending = "pending" // not yet acknowledged; due at next_attempt_at
	OutboxSent    = "sent"    // the receiver acknowledged it; never sent again
	OutboxDead    = "dead"    // given up (a permanent error); see Requeue
)

// DefaultLease is how long a claimed outbox row stays invisible to other
// claims when ClaimDue is given no lease.
const DefaultLease = 2 * time.Minute

// OutboxItem is one alert claimed for delivery to one sink.
type OutboxItem struct {
	AlertID string
	Sink    string
	// Attempts counts delivery attempts including the one this claim
	// starts: 1 on the first.
	Attempts  int
	LastError string // of the previous attempt
	Alert     alert.Alert
	JSON      json.RawMessage // the alert as stored
}

// Delivery is the state of one alert's delivery to one sink.
type Delivery struct {
	AlertID     string
	Sink        string
	State       string // OutboxPending, OutboxSent or OutboxDead
	Attempts    int
	NextAttempt time.Time // zero once sent
	SentAt      time.Time // zero until sent
	LastError   string
}

// OutboxStat counts one sink's outbox rows by state.
type OutboxStat struct {
	Sink     string
	Pending  int64
	Retrying int64 // pending rows that failed at least once
	Sent     int64
	Dead     int64
	// NextAttempt is the earliest next_attempt_at of pending rows (zero
	// when none is pending): in the past, the sink is behind.
	NextAttempt time.Time
}

// execer is what *sql.DB and *sql.Tx share for writes.
type execer interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
}

// Enqueue adds a pending outbox row for alertID and each sink, due now.
// A row that exists is left alone, whatever its state, so enqueueing again
// never resends an alert a sink acknowledged. An unknown alert is
// [ErrNotFound].
func (s *Store) Enqueue(ctx context.Context, alertID string, sinks []string) error {
	if len(sinks) == 0 {
		return nil
	}
	err := s.inTx(ctx, func(tx *sql.Tx) error { return s.enqueue(ctx, tx, alertID, sinks, now()) })
	return s.wrap("enqueue alert "+alertID, err)
}

func (s *Store) enqueue(ctx context.Context, ex execer, alertID string, sinks []string, at time.Time) error {
	due := s.encodeTime(at)
	for _, sink := range sinks {
		if sink == "" {
			return fmt.Errorf("empty sink name: %w", ErrInvalid)
		}
		_, err := ex.ExecContext(ctx, s.q(`INSERT INTO outbox (alert_id, sink, state, attempts, next_attempt_at)
	VALUES (?, ?, 'pending', 0, ?) ON CONFLICT (alert_id, sink) DO NOTHING`), alertID, sink, due)
		if err != nil {
			return err
		}
	}
	return nil
}

// PutAlertAndEnqueue stores an alert as [Store.PutAlert] does and, in the
// same transaction, enqueues it for each sink as [Store.Enqueue] does, so
// an alert is never stored without its outbox rows. The rows are added
// even when the alert was stored before (inserted is false): a sink that
// has not acknowledged it yet gets it, one that has does not get it again.
func (s *Store) PutAlertAndEnqueue(ctx context.Context, a alert.Alert, sinks []string) (inserted bool, err error) {
	if a.ID == "" {
		return false, fmt.Errorf("put alert: no id: %w", ErrInvalid)
	}
	err = s.inTx(ctx, func(tx *sql.Tx) error {
		var err error
		if inserted, err = s.insertAlert(ctx, tx, a); err != nil {
			return err
		}
		return s.enqueue(ctx, tx, a.ID, sinks, now())
	})
	return inserted, s.wrap("put alert "+a.ID, err)
}

// alertRow is an alert as the columns of the alerts table hold it: id,
// time, detected_at, rule_id, level, decoy_id, json. The JSON is the alert
// as given; the query columns fall back to the time of storing when the
// alert has no times.
func (s *Store) alertRow(a alert.Alert) ([]any, error) {
	detected, at := a.DetectedAt, a.Time
	if detected.IsZero() {
		detected = now()
	}
	if at.IsZero() {
		at = detected
	}
	b, err := json.Marshal(a)
	if err != nil {
		return nil, err
	}
	var decoyID any
	if a.Decoy != nil {
		decoyID = nullString(a.Decoy.ID)
	}
	return []any{a.ID, s.encodeTime(at), s.encodeTime(detected), a.Rule.ID, int(a.Rule.Level), decoyID, string(b)}, nil
}

// insertAlert is PutAlert's insert on ex (a transaction or the database).
func (s *Store) insertAlert(ctx context.Context, ex execer, a alert.Alert) (bool, error) {
	row, err := s.alertRow(a)
	if err != nil {
		return false, err
	}
	res, err := ex.ExecContext(ctx, s.q(`INSERT INTO alerts (id, time, detected_at, rule_id, level, decoy_id, json)
	VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (id) DO NOTHING`), row...)
	if err != nil {
		return false, err
	}
	n, err := res.RowsAffected()
	return n == 1, err
}

// ClaimDue claims up to limit pending rows of sink that are due at now,
// oldest due first, and returns them with their alerts. Claiming counts an
// attempt and moves the row's next attempt to now+lease (DefaultLease when
// lease is 0), so no other claim — another goroutine, process or replica —
// takes it meanwhile. The claimant settles each row with MarkSent or
// MarkFailed; a claimant that crashes first leaves the row to be claimed
// again when the lease ends, which is the one resend the outbox allows.
//
// The claim is portable SQL: a row is claimed by an UPDATE that repeats the
// due condition, so under PostgreSQL's READ COMMITTED two replicas racing
// for a row re-check it after the first commits and only one wins.
func (s *Store) ClaimDue(ctx context.Context, sink string, now time.Time, limit int, lease time.Duration) ([]OutboxItem, error) {
	if limit <= 0 {
		limit = 100
	}
	if lease <= 0 {
		lease = DefaultLease
	}
	op := "claim outbox " + sink
	var out []OutboxItem
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		out = out[:0]
		rows, err := tx.QueryContext(ctx, s.q(`SELECT o.alert_id, o.attempts, o.last_error, a.json
	FROM outbox o JOIN alerts a ON a.id = o.alert_id
	WHERE o.state = 'pending' AND o.sink = ? AND o.next_attempt_at <= ?
	ORDER BY o.next_attempt_at, o.alert_id LIMIT ?`), sink, s.encodeTime(now), limit)
		if err != nil {
			return err
		}
		var cands []OutboxItem
		for rows.Next() {
			it := OutboxItem{Sink: sink}
			var b string
			if err := rows.Scan(&it.AlertID, &it.Attempts, &it.LastError, &b); err != nil {
				rows.Close()
				return err
			}
			it.JSON = json.RawMessage(b)
			cands = append(cands, it)
		}
		if err := rows.Close(); err != nil {
			return err
		}
		if err := rows.Err(); err != nil {
			return err
		}
		until, at := s.encodeTime(now.Add(lease)), s.encodeTime(now)
		for _, it := range cands {
			res, err := tx.ExecContext(ctx, s.q(`UPDATE outbox SET attempts = attempts + 1, next_attempt_at = ?
	WHERE alert_id = ? AND sink = ? AND state = 'pending' AND next_attempt_at <= ?`), until, it.AlertID, sink, at)
			if err != nil {
				return err
			}
			if n, err := res.RowsAffected(); err != nil {
				return err
			} else if n != 1 {
				continue // another claimant won it
			}
			it.Attempts++
			if err := json.Unmarshal(it.JSON, &it.Alert); err != nil {
				// It can never be delivered: give up on it now.
				_, err := tx.ExecContext(ctx, s.q(`UPDATE outbox SET state = 'dead', last_error = ? WHERE alert_id = ? AND sink = ?`),
					"decode stored alert: "+err.Error(), it.AlertID, sink)
				if err != nil {
					return err
				}
				continue
			}
			out = append(out, it)
		}
		return nil
	})
	if err != nil {
		return nil, s.wrap(op, err)
	}
	return out, nil
}

// MarkSent records that sink's receiver acknowledged the alert at the given
// time; the row is never claimed again. Marking a sent row again keeps the
// first time. An unknown row is [ErrNotFound].
func (s *Store) MarkSent(ctx context.Context, alertID, sink string, at time.Time) error {
	op := "mark sent " + alertID + " to " + sink
	err := s.inTx(ctx, func(tx *sql.Tx) error { return s.markSent(ctx, tx, alertID, sink, at) })
	return s.wrap(op, err)
}

// MarkSentBatch is MarkSent for many alerts of one sink in one transaction.
func (s *Store) MarkSentBatch(ctx context.Context, sink string, alertIDs []string, at time.Time) error {
	if len(alertIDs) == 0 {
		return nil
	}
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		for _, id := range alertIDs {
			if err := s.markSent(ctx, tx, id, sink, at); err != nil {
				return fmt.Errorf("%s: %w", id, err)
			}
		}
		return nil
	})
	return s.wrap("mark sent to "+sink, err)
}

func (s *Store) markSent(ctx context.Context, tx *sql.Tx, alertID, sink string, at time.Time) error {
	res, err := tx.ExecContext(ctx, s.q(`UPDATE outbox SET state = 'sent', sent_at = ?, next_attempt_at = NULL, last_error = ''
	WHERE alert_id = ? AND sink = ? AND state <> 'sent'`), s.encodeTime(at), alertID, sink)
	if err != nil {
		return err
	}
	return s.touched(ctx, tx, res, alertID, sink)
}

// touched turns an UPDATE that changed no row into ErrNotFound when the
// row does not exist; a row in a state the UPDATE skipped is fine.
func (s *Store) touched(ctx context.Context, tx *sql.Tx, res sql.Result, alertID, sink string) error {
	n, err := res.RowsAffected()
	if err != nil || n > 0 {
		return err
	}
	var one int
	return tx.QueryRowContext(ctx, s.q(`SELECT 1 FROM outbox WHERE alert_id = ? AND sink = ?`), alertID, sink).Scan(&one)
}

// MarkFailed records a failed attempt: the row becomes due again at
// nextAttempt, or dead when dead is true. A row already sent (another
// claimant delivered it) stays sent. An unknown row is [ErrNotFound].
func (s *Store) MarkFailed(ctx context.Context, alertID, sink, errText string, nextAttempt time.Time, dead bool) error {
	op := "mark failed " + alertID + " to " + sink
	state := OutboxPending
	if dead {
		state = OutboxDead
	}
	if len(errText) > 1000 {
		errText = errText[:1000]
	}
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, s.q(`UPDATE outbox SET state = ?, next_attempt_at = ?, last_error = ?
	WHERE alert_id = ? AND sink = ? AND state = 'pending'`), state, s.encodeTime(nextAttempt), errText, alertID, sink)
		if err != nil {
			return err
		}
		return s.touched(ctx, tx, res, alertID, sink)
	})
	return s.wrap(op, err)
}

// Requeue makes sink's dead rows pending again, due at the given time and
// with their attempts reset, after the cause was fixed (a token renewed, a
// receiver's schema changed). It returns how many rows it requeued.
func (s *Store) Requeue(ctx context.Context, sink string, at time.Time) (int64, error) {
	res, err := s.db.ExecContext(ctx, s.q(`UPDATE outbox SET state = 'pending', attempts = 0, next_attempt_at = ?
	WHERE sink = ? AND state = 'dead'`), s.encodeTime(at), sink)
	if err != nil {
		return 0, s.wrap("requeue "+sink, err)
	}
	n, err := res.RowsAffected()
	return n, s.wrap("requeue "+sink, err)
}

// Deliveries returns the delivery state of an alert to every sink it was
// enqueued for, by sink name.
func (s *Store) Deliveries(ctx context.Context, alertID string) ([]Delivery, error) {
	op := "deliveries of " + alertID
	rows, err := s.db.QueryContext(ctx, s.q(`SELECT sink, state, attempts, next_attempt_at, sent_at, last_error
	FROM outbox WHERE alert_id = ? ORDER BY sink`), alertID)
	if err != nil {
		return nil, s.wrap(op, err)
	}
	defer rows.Close()
	var out []Delivery
	for rows.Next() {
		d := Delivery{AlertID: alertID}
		if err := rows.Scan(&d.Sink, &d.State, &d.Attempts, s.scanTime(&d.NextAttempt), s.scanTime(&d.SentAt), &d.LastError); err != nil {
			return nil, s.wrap(op, err)
		}
		out = append(out, d)
	}
	return out, s.wrap(op, rows.Err())
}

// OutboxStats counts every sink's outbox rows by state, by sink name.
func (s *Store) OutboxStats(ctx context.Context) ([]OutboxStat, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT sink, state, COUNT(*),
	SUM(CASE WHEN attempts > 0 THEN 1 ELSE 0 END), MIN(next_attempt_at)
	FROM outbox GROUP BY sink, state`)
	if err != nil {
		return nil, s.wrap("outbox stats", err)
	}
	defer rows.Close()
	by := map[string]*OutboxStat{}
	for rows.Next() {
		var sink, state string
		var n, retried int64
		var next time.Time
		if err := rows.Scan(&sink, &state, &n, &retried, s.scanTime(&next)); err != nil {
			return nil, s.wrap("outbox stats", err)
		}
		st := by[sink]
		if st == nil {
			st = &OutboxStat{Sink: sink}
			by[sink] = st
		}
		switch state {
		case OutboxPending:
			st.Pending, st.Retrying, st.NextAttempt = n, retried, next
		case OutboxSent:
			st.Sent = n
		case OutboxDead:
			st.Dead = n
		}
	}
	if err := rows.Err(); err != nil {
		return nil, s.wrap("outbox stats", err)
	}
	out := make([]OutboxStat, 0, len(by))
	for _, st := range by {
		out = append(out, *st)
	}
	sort.Slice(out, func(i, j int) bool { return strings.Compare(out[i].Sink, out[j].Sink) < 0 })
	return out, nil
}
