package store

import (
	"context"
	"time"

	"github.com/mailtrip/mailtrip/alert"
)

// EnqueueMissing queues, for sink, every alert detected at or after since,
// at or above minLevel, that has no outbox row for sink yet: alerts other
// commands stored (decoy verify's tamper alerts, scan --state) reach the
// receivers serve delivers to. It returns how many it queued.
func (s *Store) EnqueueMissing(ctx context.Context, sink string, minLevel alert.Level, since time.Time) (int64, error) {
	res, err := s.db.ExecContext(ctx, s.q(`INSERT INTO outbox (alert_id, sink, next_attempt_at)
	SELECT a.id, ?, ? FROM alerts a
	WHERE a.detected_at >= ? AND a.level >= ?
	  AND NOT EXISTS (SELECT 1 FROM outbox o WHERE o.alert_id = a.id AND o.sink = ?)
	ON CONFLICT (alert_id, sink) DO NOTHING`),
		sink, s.encodeTime(now()), s.encodeTime(since), int(minLevel), sink)
	if err != nil {
		return 0, s.wrap("enqueue missing alerts", err)
	}
	n, err := res.RowsAffected()
	return n, s.wrap("enqueue missing alerts", err)
}
