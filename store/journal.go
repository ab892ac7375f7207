package store

import (
	"context"
	"database/sql"
	"fmt"
	"strconv"
)

// journalStateKey is the state row holding how far the tripwire hit
// journal has been applied (a byte position, in decimal).
const journalStateKey = "tripwire.journal.applied"

// JournalApplied returns the hit-journal position the store has applied:
// every journaled hit before it is stored. 0 when nothing was applied.
func (s *Store) JournalApplied(ctx context.Context) (int64, error) {
	v, err := s.LoadState(ctx, journalStateKey)
	if err != nil || v == nil {
		return 0, err
	}
	n, err := strconv.ParseInt(string(v), 10, 64)
	if err != nil || n < 0 {
		return 0, fmt.Errorf("load state %s: %q is not a position: %w", journalStateKey, v, ErrInvalid)
	}
	return n, nil
}

// AddHitsJournaled is [Store.AddHitsAttributed] for hits read from the hit
// journal: in the same transaction it records applied as the journal
// position the store has applied, so a crash can neither apply a journaled
// hit twice nor skip one. The hits' Data is not validated again: the
// journal's checksums vouch for what the recorder wrote.
func (s *Store) AddHitsJournaled(ctx context.Context, hs []Hit, as []Attribution, applied int64) error {
	ins, err := s.stmt(ctx, qSaveState)
	if err != nil {
		return s.wrap("add journaled hits", err)
	}
	return s.addHitsAttributed(ctx, hs, as, false, func(tx *sql.Tx) error {
		_, err := tx.StmtContext(ctx, ins).ExecContext(ctx, journalStateKey,
			[]byte(strconv.FormatInt(applied, 10)), s.encodeTime(now()))
		if err != nil {
			return fmt.Errorf("journal position: %w", err)
		}
		return nil
	})
}

const qSaveState = `INSERT INTO state (key, value, updated_at) VALUES (?, ?, ?)
	ON CONFLICT (key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at`
