package store

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"strings"
	"time"
)

// Decoy is a generated decoy email as the store keeps it.
type Decoy struct {
	ID        string // the decoy's 26-character token id
	CreatedAt time.Time
	Seed      int64 // generator seed: the same seed regenerates the same decoy
	Theme     string
	Subject   string
	From      string // From address
	MessageID string // unique across decoys
	Raw       []byte // the message as generated (RFC 5322)
	// SHA256 is the lower-case hex SHA-256 of Raw. PutDecoy computes it
	// when empty and refuses a value that does not match Raw.
	SHA256  string
	Profile json.RawMessage // generator details (persona, settings); may be nil
}

// TokenRecord is one breadcrumb of a decoy.
type TokenRecord struct {
	Sub     string // HMAC-derived sub-id, unique across all decoys
	DecoyID string
	Kind    string // as the token package names it: url, dns, email, credential, ...
	// Value is the breadcrumb as planted: a URL, a host name, an address;
	// for a decoy credential, the user name.
	Value     string
	CreatedAt time.Time
	// Password makes the token a decoy credential that LookupCredential finds
	// by (Value, Password). It is input only: the store keeps its SHA-256
	// (the plaintext is in the decoy's Raw message already), so records read
	// back have it empty.
	Password string
}

// DecoyFilter selects decoys; zero fields select everything.
type DecoyFilter struct {
	Theme     string
	MessageID string
	Since     time.Time // created at or after
	Limit     int       // 0: no limit
}

// PutDecoy stores a decoy and its tokens in one transaction: all of them or
// none. A decoy whose id or Message-ID is already stored, or a sub-id or
// credential already in use, fails with [ErrExists].
func (s *Store) PutDecoy(ctx context.Context, d Decoy, tokens []TokenRecord) error {
	op := "put decoy " + d.ID
	if len(d.ID) != 26 {
		return fmt.Errorf("%s: id must be a 26-character token id: %w", op, ErrInvalid)
	}
	if d.MessageID == "" || len(d.Raw) == 0 {
		return fmt.Errorf("%s: no Message-ID or no raw message: %w", op, ErrInvalid)
	}
	sum := sha256.Sum256(d.Raw)
	hexSum := hex.EncodeToString(sum[:])
	switch {
	case d.SHA256 == "":
		d.SHA256 = hexSum
	case !strings.EqualFold(d.SHA256, hexSum):
		return fmt.Errorf("%s: SHA256 %s does not match the raw message (%s): %w", op, d.SHA256, hexSum, ErrInvalid)
	}
	if d.CreatedAt.IsZero() {
		d.CreatedAt = now()
	}
	var profile any
	if len(d.Profile) > 0 {
		if !json.Valid(d.Profile) {
			return fmt.Errorf("%s: profile is not JSON: %w", op, ErrInvalid)
		}
		profile = string(d.Profile)
	}
	for _, t := range tokens {
		if t.Sub == "" || (t.DecoyID != "" && t.DecoyID != d.ID) {
			return fmt.Errorf("%s: token %q: empty sub-id or another decoy's token: %w", op, t.Sub, ErrInvalid)
		}
	}
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, s.q(`INSERT INTO decoys
	(id, created_at, seed, theme, subject, from_addr, message_id, raw, sha256, profile)
	VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`),
			d.ID, s.encodeTime(d.CreatedAt), d.Seed, d.Theme, d.Subject, d.From, d.MessageID,
			d.Raw, strings.ToLower(d.SHA256), profile)
		if err != nil {
			return err
		}
		if len(tokens) == 0 {
			return nil
		}
		stmt, err := tx.PrepareContext(ctx, s.q(`INSERT INTO tokens
	(sub_id, decoy_id, kind, value, created_at, password_sha256) VALUES (?, ?, ?, ?, ?, ?)`))
		if err != nil {
			return err
		}
		defer stmt.Close()
		for _, t := range tokens {
			created := t.CreatedAt
			if created.IsZero() {
				created = d.CreatedAt
			}
			var pw any
			if t.Password != "" {
				pw = passwordHash(t.Password)
			}
			if _, err := stmt.ExecContext(ctx, t.Sub, d.ID, t.Kind, t.Value, s.encodeTime(created), pw); err != nil {
				return fmt.Errorf("token %s: %w", t.Sub, err)
			}
		}
		return nil
	})
	return s.wrap(op, err)
}

// passwordHash is how a decoy credential's password is kept: unsalted
// SHA-256, because decoy passwords are random and fake, and the lookup must
// be an index probe.
func passwordHash(pw string) string {
	sum := sha256.Sum256([]byte(pw))
	return hex.EncodeToString(sum[:])
}

const decoyColumns = `id, created_at, seed, theme, subject, from_addr, message_id, sha256, profile`

// scanDecoy reads decoyColumns, plus raw when withRaw.
func (s *Store) scanDecoy(row interface{ Scan(...any) error }, withRaw bool) (Decoy, error) {
	var d Decoy
	var profile string
	dest := []any{&d.ID, s.scanTime(&d.CreatedAt), &d.Seed, &d.Theme, &d.Subject, &d.From,
		&d.MessageID, &d.SHA256, scanString(&profile)}
	if withRaw {
		dest = append(dest, &d.Raw)
	}
	if err := row.Scan(dest...); err != nil {
		return Decoy{}, err
	}
	if profile != "" {
		d.Profile = json.RawMessage(profile)
	}
	return d, nil
}

// Decoy returns the decoy with the given id, raw message included, or
// [ErrNotFound].
func (s *Store) Decoy(ctx context.Context, id string) (Decoy, error) {
	row := s.db.QueryRowContext(ctx, s.q(`SELECT `+decoyColumns+`, raw FROM decoys WHERE id = ?`), id)
	d, err := s.scanDecoy(row, true)
	return d, s.wrap("decoy "+id, err)
}

// Decoys lists decoys matching f, newest first. Raw is left out (nil) to
// keep listings small: read one decoy with [Store.Decoy] for its message.
func (s *Store) Decoys(ctx context.Context, f DecoyFilter) ([]Decoy, error) {
	var where []string
	var args []any
	if f.Theme != "" {
		where, args = append(where, "theme = ?"), append(args, f.Theme)
	}
	if f.MessageID != "" {
		where, args = append(where, "message_id = ?"), append(args, f.MessageID)
	}
	if !f.Since.IsZero() {
		where, args = append(where, "created_at >= ?"), append(args, s.encodeTime(f.Since))
	}
	q := `SELECT ` + decoyColumns + ` FROM decoys` + whereClause(where) + ` ORDER BY created_at DESC, id`
	q, args = limit(q, args, f.Limit)
	rows, err := s.db.QueryContext(ctx, s.q(q), args...)
	if err != nil {
		return nil, s.wrap("list decoys", err)
	}
	defer rows.Close()
	var out []Decoy
	for rows.Next() {
		d, err := s.scanDecoy(rows, false)
		if err != nil {
			return nil, s.wrap("list decoys", err)
		}
		out = append(out, d)
	}
	return out, s.wrap("list decoys", rows.Err())
}

const tokenColumns = `sub_id, decoy_id, kind, value, created_at`

func (s *Store) scanToken(row interface{ Scan(...any) error }) (TokenRecord, error) {
	var t TokenRecord
	err := row.Scan(&t.Sub, &t.DecoyID, &t.Kind, &t.Value, s.scanTime(&t.CreatedAt))
	return t, err
}

// LookupSub resolves a sub-id found in a URL, host name or address to its
// token, or [ErrNotFound].
func (s *Store) LookupSub(ctx context.Context, sub string) (TokenRecord, error) {
	row := s.db.QueryRowContext(ctx, s.q(`SELECT `+tokenColumns+` FROM tokens WHERE sub_id = ?`), sub)
	t, err := s.scanToken(row)
	return t, s.wrap("lookup sub-id", err)
}

// LookupCredential resolves a (user, password) pair tried against a trap to
// the decoy credential it belongs to, or [ErrNotFound]. Both must match
// exactly; a trap that wants case-insensitive user names folds them before
// minting and before the lookup.
func (s *Store) LookupCredential(ctx context.Context, user, password string) (TokenRecord, error) {
	row := s.db.QueryRowContext(ctx, s.q(`SELECT `+tokenColumns+` FROM tokens
	WHERE value = ? AND password_sha256 = ?`), user, passwordHash(password))
	t, err := s.scanToken(row)
	return t, s.wrap("lookup credential", err)
}

// Tokens returns a decoy's tokens, ordered by sub-id.
func (s *Store) Tokens(ctx context.Context, decoyID string) ([]TokenRecord, error) {
	rows, err := s.db.QueryContext(ctx, s.q(`SELECT `+tokenColumns+` FROM tokens WHERE decoy_id = ? ORDER BY sub_id`), decoyID)
	if err != nil {
		return nil, s.wrap("list tokens", err)
	}
	defer rows.Close()
	var out []TokenRecord
	for rows.Next() {
		t, err := s.scanToken(rows)
		if err != nil {
			return nil, s.wrap("list tokens", err)
		}
		out = append(out, t)
	}
	return out, s.wrap("list tokens", rows.Err())
}

// whereClause joins conditions with AND.
func whereClause(conds []string) string {
	if len(conds) == 0 {
		return ""
	}
	return " WHERE " + strings.Join(conds, " AND ")
}

// limit appends a LIMIT when n > 0.
func limit(q string, args []any, n int) (string, []any) {
	if n <= 0 {
		return q, args
	}
	return q + " LIMIT ?", append(args, n)
}
