package token

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"sync"
	"testing"
)

func TestMemRegistry(t *testing.T) {
	ctx := context.Background()
	decoy, _ := NewFrom(rand.NewChaCha8([32]byte{11}))
	link := Token{Sub: Derive(testSecret, decoy, KindURL, 0), Decoy: decoy, Kind: KindURL, Value: "https://files.example.com/s/x/Q3.pdf"}
	cred := Token{Sub: Derive(testSecret, decoy, KindCredential, 0), Decoy: decoy, Kind: KindCredential, Value: "svc-backup"}

	var m MemRegistry // the zero value is ready
	if _, ok, err := m.LookupSub(ctx, link.Sub); ok || err != nil {
		t.Fatalf("empty registry: %v, %v", ok, err)
	}
	if err := m.Add(link); err != nil {
		t.Fatal(err)
	}
	if err := m.AddCredential(cred, "Harbor-Maple-42!"); err != nil {
		t.Fatal(err)
	}

	tests := []struct {
		name string
		err  error
		add  func() error
	}{
		{"same token again", nil, func() error { return m.Add(link) }},
		{"same credential again", nil, func() error { return m.AddCredential(cred, "Harbor-Maple-42!") }},
		{"sub-id taken", ErrDuplicate, func() error { l := link; l.Value = "other"; return m.Add(l) }},
		{"pair taken", ErrDuplicate, func() error {
			c := cred
			c.Sub = Derive(testSecret, decoy, KindCredential, 1)
			return m.AddCredential(c, "Harbor-Maple-42!")
		}},
		{"sub-id has another password", ErrDuplicate, func() error { return m.AddCredential(cred, "other") }},
		{"bad sub-id", ErrInvalidSubID, func() error { return m.Add(Token{Sub: "nope", Kind: KindURL}) }},
		{"credential through Add", errAny, func() error { return m.Add(cred) }},
		{"link through AddCredential", errAny, func() error {
			l := link
			l.Sub = Derive(testSecret, decoy, KindURL, 9)
			return m.AddCredential(l, "pw")
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.add()
			switch {
			case tt.err == nil && err != nil:
				t.Errorf("error %v", err)
			case tt.err == errAny && err == nil:
				t.Error("no error")
			case tt.err != nil && tt.err != errAny && !errors.Is(err, tt.err):
				t.Errorf("error %v, want %v", err, tt.err)
			}
		})
	}

	lookups := []struct {
		name     string
		lookup   func() (Token, bool, error)
		want     Token
		wantFind bool
	}{
		{"sub", func() (Token, bool, error) { return m.LookupSub(ctx, link.Sub) }, link, true},
		{"credential sub", func() (Token, bool, error) { return m.LookupSub(ctx, cred.Sub) }, cred, true},
		{"credential pair", func() (Token, bool, error) { return m.LookupCredential(ctx, "svc-backup", "Harbor-Maple-42!") }, cred, true},
		{"wrong password", func() (Token, bool, error) { return m.LookupCredential(ctx, "svc-backup", "harbor-maple-42!") }, Token{}, false},
		{"wrong user", func() (Token, bool, error) { return m.LookupCredential(ctx, "svc-backup2", "Harbor-Maple-42!") }, Token{}, false},
		{"unknown sub", func() (Token, bool, error) { return m.LookupSub(ctx, "aaaaaaaaaaaaaaaa") }, Token{}, false},
		{"upper-case sub", func() (Token, bool, error) { return m.LookupSub(ctx, SubID(fmt.Sprintf("%X", link.Sub))) }, Token{}, false},
	}
	for _, tt := range lookups {
		t.Run("lookup "+tt.name, func(t *testing.T) {
			got, ok, err := tt.lookup()
			if err != nil || ok != tt.wantFind || got != tt.want {
				t.Errorf("= %+v, %v, %v; want %+v, %v", got, ok, err, tt.want, tt.wantFind)
			}
		})
	}

	t.Run("cancelled", func(t *testing.T) {
		cause := errors.New("shutting down")
		ctx, cancel := context.WithCancelCause(ctx)
		cancel(cause)
		if _, _, err := m.LookupSub(ctx, link.Sub); !errors.Is(err, cause) {
			t.Errorf("LookupSub: %v, want the cause", err)
		}
		if _, _, err := m.LookupCredential(ctx, "svc-backup", "Harbor-Maple-42!"); !errors.Is(err, cause) {
			t.Errorf("LookupCredential: %v, want the cause", err)
		}
	})

	t.Run("remove", func(t *testing.T) {
		if m.Len() != 2 {
			t.Fatalf("Len = %d, want 2", m.Len())
		}
		if !m.Remove(cred.Sub) || m.Remove(cred.Sub) {
			t.Fatal("Remove did not report once")
		}
		if _, ok, _ := m.LookupCredential(ctx, "svc-backup", "Harbor-Maple-42!"); ok {
			t.Error("credential still found after Remove")
		}
		c := cred
		c.Sub = Derive(testSecret, decoy, KindCredential, 1)
		if err := m.AddCredential(c, "Harbor-Maple-42!"); err != nil {
			t.Errorf("pair not free after Remove: %v", err)
		}
	})
}

var errAny = errors.New("any error")

// TestMemRegistryConcurrent is for -race: writers add and remove while
// readers look up, by sub-id and by pair.
func TestMemRegistryConcurrent(t *testing.T) {
	ctx := context.Background()
	var m MemRegistry
	const workers, per = 8, 300
	var wg sync.WaitGroup
	for w := range workers {
		wg.Add(2)
		go func() {
			defer wg.Done()
			r := rand.NewChaCha8([32]byte{byte(w)})
			for i := range per {
				decoy, _ := NewFrom(r)
				tok := Token{Sub: Derive(testSecret, decoy, KindURL, i), Decoy: decoy, Kind: KindURL, Value: "u"}
				if err := m.Add(tok); err != nil {
					t.Error(err)
					return
				}
				c := Token{Sub: Derive(testSecret, decoy, KindCredential, i), Decoy: decoy, Kind: KindCredential, Value: fmt.Sprintf("u%d-%d", w, i)}
				if err := m.AddCredential(c, "pw"); err != nil {
					t.Error(err)
					return
				}
				if got, ok, err := m.LookupSub(ctx, tok.Sub); !ok || err != nil || got != tok {
					t.Errorf("LookupSub after Add: %+v, %v, %v", got, ok, err)
					return
				}
				if i%2 == 0 {
					m.Remove(tok.Sub)
				}
			}
		}()
		go func() {
			defer wg.Done()
			for i := range per {
				m.LookupCredential(ctx, fmt.Sprintf("u%d-%d", (w+1)%workers, i), "pw")
				m.LookupSub(ctx, "aaaaaaaaaaaaaaaa")
				m.Len()
			}
		}()
	}
	wg.Wait()
	if want := workers * (per + per/2); m.Len() != want {
		t.Errorf("Len = %d, want %d", m.Len(), want)
	}
	for w := range workers {
		for i := range per {
			if _, ok, _ := m.LookupCredential(ctx, fmt.Sprintf("u%d-%d", w, i), "pw"); !ok {
				t.Fatalf("credential u%d-%d lost", w, i)
			}
		}
	}
}
