package token

import (
	"context"
	"errors"
	"fmt"
	"sync"
)

// Token is one breadcrumb as planted in one decoy.
type Token struct {
	Sub   SubID `json:"sub"`
	Decoy ID    `json:"decoy"`
	Kind  Kind  `json:"kind"`
	// Value is the breadcrumb as planted: the URL, host name, address,
	// user name (for a credential), Message-ID or file path.
	Value string `json:"value"`
}

// Registry finds the token a tripwire or a scan saw. Tripwires and
// scanning consume it; store implements it over SQL, [MemRegistry] in
// memory.
//
// A lookup that finds nothing returns (Token{}, false, nil); an error means
// the registry could not answer. Sub-ids compare exactly (callers pass what
// [Find] returns, already lower-case); user names and passwords compare
// exactly, as they were planted.
type Registry interface {
	LookupSub(ctx context.Context, sub SubID) (Token, bool, error)
	LookupCredential(ctx context.Context, user, password string) (Token, bool, error)
}

// ErrDuplicate is returned when a sub-id or credential is already
// registered to a different token.
var ErrDuplicate = errors.New("already registered")

var _ Registry = (*MemRegistry)(nil)

// MemRegistry is a [Registry] in memory, for tests and small tools. The
// zero value is empty and ready; it is safe for concurrent use.
type MemRegistry struct {
	mu    sync.RWMutex
	subs  map[SubID]Token
	creds map[credential]SubID
	pass  map[SubID]credential // so Remove can drop the pair
}

type credential struct{ user, password string }

// Add registers t. Adding a token that is already registered is not an
// error; adding a different token under the same sub-id is [ErrDuplicate].
// Credentials go through [MemRegistry.AddCredential].
func (m *MemRegistry) Add(t Token) error {
	if _, err := ParseSubID(string(t.Sub)); err != nil {
		return fmt.Errorf("add token: %w", err)
	}
	if t.Kind == KindCredential {
		return fmt.Errorf("add token %s: a credential needs its password: use AddCredential", t.Sub)
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.addLocked(t)
}

// AddCredential registers a credential token t (its Value the user name)
// with its password, so [MemRegistry.LookupCredential] finds it by the pair.
func (m *MemRegistry) AddCredential(t Token, password string) error {
	if _, err := ParseSubID(string(t.Sub)); err != nil {
		return fmt.Errorf("add credential: %w", err)
	}
	if t.Kind != KindCredential {
		return fmt.Errorf("add credential %s: kind is %q, want %q", t.Sub, t.Kind, KindCredential)
	}
	c := credential{t.Value, password}
	m.mu.Lock()
	defer m.mu.Unlock()
	if sub, ok := m.creds[c]; ok && sub != t.Sub {
		return fmt.Errorf("add credential %s: user %q with this password: %w (sub-id %s)", t.Sub, t.Value, ErrDuplicate, sub)
	}
	if old, ok := m.pass[t.Sub]; ok && old != c {
		return fmt.Errorf("add credential %s: %w with another user name or password", t.Sub, ErrDuplicate)
	}
	if err := m.addLocked(t); err != nil {
		return err
	}
	if m.creds == nil {
		m.creds = make(map[credential]SubID)
		m.pass = make(map[SubID]credential)
	}
	m.creds[c] = t.Sub
	m.pass[t.Sub] = c
	return nil
}

func (m *MemRegistry) addLocked(t Token) error {
	if old, ok := m.subs[t.Sub]; ok {
		if old != t {
			return fmt.Errorf("add token %s: %w to decoy %s (%s)", t.Sub, ErrDuplicate, old.Decoy, old.Kind)
		}
		return nil
	}
	if m.subs == nil {
		m.subs = make(map[SubID]Token)
	}
	m.subs[t.Sub] = t
	return nil
}

// Remove forgets the token with sub-id sub and reports whether there was one.
func (m *MemRegistry) Remove(sub SubID) bool {
	m.mu.Lock()
	defer m.mu.Unlock()
	if _, ok := m.subs[sub]; !ok {
		return false
	}
	delete(m.subs, sub)
	if c, ok := m.pass[sub]; ok {
		delete(m.creds, c)
		delete(m.pass, sub)
	}
	return true
}

// Len returns the number of tokens registered.
func (m *MemRegistry) Len() int {
	m.mu.RLock()
	defer m.mu.RUnlock()
	return len(m.subs)
}

// LookupSub implements [Registry].
func (m *MemRegistry) LookupSub(ctx context.Context, sub SubID) (Token, bool, error) {
	if err := ctx.Err(); err != nil {
		return Token{}, false, context.Cause(ctx)
	}
	m.mu.RLock()
	defer m.mu.RUnlock()
	t, ok := m.subs[sub]
	return t, ok, nil
}

// LookupCredential implements [Registry].
func (m *MemRegistry) LookupCredential(ctx context.Context, user, password string) (Token, bool, error) {
	if err := ctx.Err(); err != nil {
		return Token{}, false, context.Cause(ctx)
	}
	m.mu.RLock()
	defer m.mu.RUnlock()
	sub, ok := m.creds[credential{user, password}]
	if !ok {
		return Token{}, false, nil
	}
	return m.subs[sub], true, nil
}
