package baseline

import (
	"context"
	"encoding/json"
	"fmt"
	"sort"
	"strings"
	"time"
)

// profileVersion is written in every saved profile; a profile of another
// version is discarded and relearned.
const profileVersion = 1

// Caps on what one profile keeps; the least recently seen go first.
const (
	maxIPs      = 256
	maxSet      = 64 // countries, ASNs, user agents, clients, apps
	maxPlaces   = 64
	maxSessions = 100
)

// Profile is one user's learned norms: what they sign in from and with,
// which apps read their mail, how much they download. It is what State
// stores, as JSON, under [ProfileKey].
type Profile struct {
	Version    int                  `json:"v"`
	FirstSeen  time.Time            `json:"first_seen"`
	LastSeen   time.Time            `json:"last_seen"`
	Records    int                  `json:"records"`
	Countries  map[string]time.Time `json:"countries,omitempty"`
	ASNs       map[string]time.Time `json:"asns,omitempty"`
	IPs        map[string]time.Time `json:"ips,omitempty"`
	UserAgents map[string]time.Time `json:"user_agents,omitempty"`
	Clients    map[string]time.Time `json:"clients,omitempty"` // Entra clientAppUsed of successful sign-ins
	Apps       map[string]time.Time `json:"apps,omitempty"`    // AppIds that read mail through an API
	Peaks      map[string]Peak      `json:"peaks,omitempty"`   // per app (or client) largest burst
	Places     []Place              `json:"places,omitempty"`
	Sessions   []Sample             `json:"sessions,omitempty"`
	// Last is the last successful sign-in with coordinates.
	Last *Fix `json:"last,omitempty"`
}

// Peak is the largest Sync and Bind burst an app made for the user.
type Peak struct {
	SyncFolders int `json:"sync_folders,omitempty"`
	BindItems   int `json:"bind_items,omitempty"`
}

// Place is a location the user signed in from (rounded to 0.1°).
type Place struct {
	Lat  float64   `json:"lat"`
	Lon  float64   `json:"lon"`
	Seen time.Time `json:"seen"`
}

// Sample is one IMAP/POP3 session's download.
type Sample struct {
	Msgs  int64 `json:"msgs"`
	Bytes int64 `json:"bytes"`
}

// Fix is a located successful sign-in.
type Fix struct {
	Time    time.Time `json:"time"`
	Lat     float64   `json:"lat"`
	Lon     float64   `json:"lon"`
	IP      string    `json:"ip,omitempty"`
	Country string    `json:"country,omitempty"`
}

// ProfileKey is the State key of a user's profile.
func ProfileKey(user string) string { return "baseline/v1/user/" + strings.ToLower(user) }

func newProfile() *Profile { return &Profile{Version: profileVersion} }

// loadProfile reads a user's profile from st; a missing or unreadable
// one starts empty (a corrupt profile is relearned, not fatal).
func loadProfile(ctx context.Context, st State, user string) (*Profile, error) {
	if st == nil {
		return newProfile(), nil
	}
	b, err := st.Load(ctx, ProfileKey(user))
	if err != nil {
		return nil, fmt.Errorf("load baseline of %s: %w", user, err)
	}
	p := newProfile()
	if len(b) == 0 {
		return p, nil
	}
	if json.Unmarshal(b, p) != nil || p.Version != profileVersion {
		return newProfile(), nil
	}
	return p, nil
}

func saveProfile(ctx context.Context, st State, user string, p *Profile, retention time.Duration) error {
	if st == nil {
		return nil
	}
	p.prune(retention)
	b, err := json.Marshal(p)
	if err != nil {
		return fmt.Errorf("encode baseline of %s: %w", user, err)
	}
	if err := st.Save(ctx, ProfileKey(user), b); err != nil {
		return fmt.Errorf("save baseline of %s: %w", user, err)
	}
	return nil
}

// established says whether the profile may judge a record at t: the
// user was first seen at least learning ago and has enough history.
func (p *Profile) established(t time.Time, learning time.Duration, minHistory int) bool {
	return !p.FirstSeen.IsZero() && t.Sub(p.FirstSeen) >= learning && p.Records >= minHistory
}

// touch records that the user was active at t.
func (p *Profile) touch(t time.Time) {
	if t.IsZero() {
		return
	}
	if p.FirstSeen.IsZero() || t.Before(p.FirstSeen) {
		p.FirstSeen = t
	}
	if t.After(p.LastSeen) {
		p.LastSeen = t
	}
	p.Records++
}

func seen(m *map[string]time.Time, k string, t time.Time, limit int) {
	if k == "" {
		return
	}
	if *m == nil {
		*m = map[string]time.Time{}
	}
	if old, ok := (*m)[k]; !ok || t.After(old) {
		(*m)[k] = t
	}
	if len(*m) > limit {
		trimOldest(*m, limit)
	}
}

func known(m map[string]time.Time, k string) bool {
	_, ok := m[k]
	return ok
}

func trimOldest(m map[string]time.Time, limit int) {
	type kv struct {
		k string
		t time.Time
	}
	all := make([]kv, 0, len(m))
	for k, t := range m {
		all = append(all, kv{k, t})
	}
	sort.Slice(all, func(i, j int) bool {
		if !all[i].t.Equal(all[j].t) {
			return all[i].t.Before(all[j].t)
		}
		return all[i].k < all[j].k
	})
	for _, x := range all[:len(all)-limit] {
		delete(m, x.k)
	}
}

func roundPlace(x float64) float64 {
	if x < 0 {
		return -float64(int(-x*10+0.5)) / 10
	}
	return float64(int(x*10+0.5)) / 10
}

// learnPlace adds a location; places within 50 km count as one.
func (p *Profile) learnPlace(lat, lon float64, t time.Time) {
	for i := range p.Places {
		if haversineKm(p.Places[i].Lat, p.Places[i].Lon, lat, lon) < 50 {
			if t.After(p.Places[i].Seen) {
				p.Places[i].Seen = t
			}
			return
		}
	}
	p.Places = append(p.Places, Place{Lat: roundPlace(lat), Lon: roundPlace(lon), Seen: t})
	if len(p.Places) > maxPlaces {
		sort.Slice(p.Places, func(i, j int) bool { return p.Places[i].Seen.After(p.Places[j].Seen) })
		p.Places = p.Places[:maxPlaces]
	}
}

// knownPlace says whether the user signed in within 100 km of a point.
func (p *Profile) knownPlace(lat, lon float64) bool {
	for _, pl := range p.Places {
		if haversineKm(pl.Lat, pl.Lon, lat, lon) < 100 {
			return true
		}
	}
	return false
}

func (p *Profile) addSession(s Sample) {
	p.Sessions = append(p.Sessions, s)
	if len(p.Sessions) > maxSessions {
		p.Sessions = append(p.Sessions[:0], p.Sessions[len(p.Sessions)-maxSessions:]...)
	}
}

// prune forgets entries not seen within retention of the last activity.
func (p *Profile) prune(retention time.Duration) {
	if p.LastSeen.IsZero() {
		return
	}
	cut := p.LastSeen.Add(-retention)
	for _, m := range []map[string]time.Time{p.Countries, p.ASNs, p.IPs, p.UserAgents, p.Clients, p.Apps} {
		for k, t := range m {
			if t.Before(cut) {
				delete(m, k)
			}
		}
	}
	places := p.Places[:0]
	for _, pl := range p.Places {
		if !pl.Seen.Before(cut) {
			places = append(places, pl)
		}
	}
	p.Places = places
}
