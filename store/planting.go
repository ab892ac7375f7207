package store

import (
	"context"
	"database/sql"
	"fmt"
	"net/url"
	"time"
)

// Target kinds a planting can have.
const (
	TargetMaildir = "maildir"
	TargetMbox    = "mbox"
	TargetEML     = "eml"
	TargetIMAP    = "imap"
	TargetFiles   = "files"
)

// Planting states the store sets; plant and decoy verify may record others
// (such as "missing" or "modified") in State.
const (
	StatePlanted = "planted"
	StateRemoved = "removed"
)

// Planting records one decoy put in one place.
type Planting struct {
	ID         int64 // assigned by AddPlanting
	DecoyID    string
	TargetKind string // TargetMaildir, TargetMbox, TargetEML, TargetIMAP, TargetFiles
	// Target is the mail store: a path, or an IMAP URL without a password
	// (AddPlanting refuses one that carries a password).
	Target      string
	Mailbox     string // the mailbox as people name it (user, journal)
	Folder      string // "" for the top level or where folders do not apply
	UIDValidity int64  // IMAP only
	UID         int64  // IMAP only
	Path        string // the planted file (Maildir, .eml, decoy file)
	Offset      int64  // byte offset of the message in an mbox
	Size        int64  // bytes planted (an mbox message from its From_ line)
	MessageID   string // the Message-ID of the planted copy
	SHA256      string // lower-case hex SHA-256 of the bytes planted
	PlantedAt   time.Time
	RemovedAt   time.Time // zero while planted
	State       string    // StatePlanted unless set; StateRemoved after MarkRemoved
}

// Active reports whether the planting has not been removed.
func (p Planting) Active() bool { return p.RemovedAt.IsZero() }

// File is the file that holds the decoy and only it (a Maildir message,
// an .eml or a decoy file), which the file trap watches; "" for mbox and
// IMAP plantings.
func (p Planting) File() string {
	switch p.TargetKind {
	case TargetMaildir, TargetEML, TargetFiles:
		return p.Path
	}
	return ""
}

// PlantingFilter selects plantings; zero fields select everything.
type PlantingFilter struct {
	DecoyID string
	Target  string
	Path    string // the planted file
	Kind    string // target kind
	Active  bool   // only plantings not removed
}

// AddPlanting records a planting and returns its id. Planting a decoy where
// it is already planted (same kind, target and folder, not removed) fails
// with [ErrExists]; an unknown decoy with [ErrNotFound].
func (s *Store) AddPlanting(ctx context.Context, p Planting) (int64, error) {
	op := fmt.Sprintf("add planting of decoy %s in %s %s", p.DecoyID, p.TargetKind, p.Target)
	if u, err := url.Parse(p.Target); err == nil && u.User != nil {
		if _, ok := u.User.Password(); ok {
			return 0, fmt.Errorf("add planting of decoy %s: target URL carries a password: %w", p.DecoyID, ErrInvalid)
		}
	}
	if p.PlantedAt.IsZero() {
		p.PlantedAt = now()
	}
	if p.State == "" {
		p.State = StatePlanted
		if !p.RemovedAt.IsZero() {
			p.State = StateRemoved
		}
	}
	var id int64
	err := s.db.QueryRowContext(ctx, s.q(`INSERT INTO plantings
	(decoy_id, target_kind, target, mailbox, folder, uidvalidity, uid, path, byte_offset, byte_size,
	 message_id, sha256, planted_at, removed_at, state)
	VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`),
		p.DecoyID, p.TargetKind, p.Target, p.Mailbox, p.Folder, p.UIDValidity, p.UID, p.Path, p.Offset, p.Size,
		p.MessageID, p.SHA256, s.encodeTime(p.PlantedAt), s.encodeNullTime(p.RemovedAt), p.State).Scan(&id)
	return id, s.wrap(op, err)
}

// Plantings lists plantings matching f, oldest first.
func (s *Store) Plantings(ctx context.Context, f PlantingFilter) ([]Planting, error) {
	var where []string
	var args []any
	if f.DecoyID != "" {
		where, args = append(where, "decoy_id = ?"), append(args, f.DecoyID)
	}
	if f.Target != "" {
		where, args = append(where, "target = ?"), append(args, f.Target)
	}
	if f.Path != "" {
		where, args = append(where, "path = ?"), append(args, f.Path)
	}
	if f.Kind != "" {
		where, args = append(where, "target_kind = ?"), append(args, f.Kind)
	}
	if f.Active {
		where = append(where, "removed_at IS NULL")
	}
	rows, err := s.db.QueryContext(ctx, s.q(`SELECT id, decoy_id, target_kind, target, mailbox, folder,
	uidvalidity, uid, path, byte_offset, byte_size, message_id, sha256, planted_at, removed_at, state
	FROM plantings`+whereClause(where)+` ORDER BY id`), args...)
	if err != nil {
		return nil, s.wrap("list plantings", err)
	}
	defer rows.Close()
	var out []Planting
	for rows.Next() {
		var p Planting
		if err := rows.Scan(&p.ID, &p.DecoyID, &p.TargetKind, &p.Target, &p.Mailbox, &p.Folder,
			&p.UIDValidity, &p.UID, &p.Path, &p.Offset, &p.Size, &p.MessageID, &p.SHA256,
			s.scanTime(&p.PlantedAt), s.scanTime(&p.RemovedAt), &p.State); err != nil {
			return nil, s.wrap("list plantings", err)
		}
		out = append(out, p)
	}
	return out, s.wrap("list plantings", rows.Err())
}

// MarkRemoved records that planting id was removed at the given time (now
// when zero). Marking a removed planting again changes nothing; an unknown
// id is [ErrNotFound].
func (s *Store) MarkRemoved(ctx context.Context, id int64, at time.Time) error {
	if at.IsZero() {
		at = now()
	}
	op := fmt.Sprintf("mark planting %d removed", id)
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, s.q(`UPDATE plantings SET removed_at = ?, state = ?
	WHERE id = ? AND removed_at IS NULL`), s.encodeTime(at), StateRemoved, id)
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil || n == 1 {
			return err
		}
		var one int
		return tx.QueryRowContext(ctx, s.q(`SELECT 1 FROM plantings WHERE id = ?`), id).Scan(&one)
	})
	return s.wrap(op, err)
}
