package baseline

import (
	"context"
	"fmt"
	"net/netip"
	"sort"
	"time"

	"github.com/mailtrip/mailtrip/detect"
)

// Flushing judges the records Detect filed. Flush, at the end of input,
// judges all of them. FlushSome, called every --flush-every while scan
// --follow reads on, judges only what input still to come can no longer
// change, under a watermark:
//
//	cutoff = newest record time seen − lag
//	lag    = the longest window a rule looks back over (AccessWindow, FailWindow)
//
// Records dated before the cutoff are judged in time order; later ones
// stay held for the next flush. The judging is done by a run per user
// (userRun) and per source address (sprayRun) that lives from one flush
// to the next: it keeps the user's profile and whatever is still open —
// an access episode, a brute-force episode, the failures a later success
// may follow, a UTC day of throttled records, an address's spraying
// window — so a window that straddles two flushes is judged whole, each
// record updates the profile once, and each finding is emitted once. A
// run closes what the cutoff has left a window behind (an episode whose
// last record is a window old, a day that has ended) and emits its
// alerts then, exactly as a single Flush would when the next record came.
//
// lag is also how far records may arrive behind the newest one (another
// file of the input, read at another pace) and still be judged in order.
// A record dated before an earlier cutoff is judged at the next flush,
// after records newer than it: late.

// Flush judges every record held, closes every open window and saves the
// profiles through State: the end of input. The detector is empty
// afterwards.
func (d *Detector) Flush(ctx context.Context, emit detect.Emit) error {
	return d.flush(ctx, emit, true)
}

// FlushSome judges the records that input still to come can no longer
// change — those dated a window (the longest a rule uses) before the
// newest record seen — emits what they complete and saves the profiles
// they changed. The other records stay held, and every user's profile and
// open windows are kept, for the next FlushSome or the final Flush.
func (d *Detector) FlushSome(ctx context.Context, emit detect.Emit) error {
	return d.flush(ctx, emit, false)
}

// lag is how far the watermark trails the newest record.
func (d *Detector) lag() time.Duration { return max(d.opt.AccessWindow, d.opt.FailWindow) }

func (d *Detector) flush(ctx context.Context, emit detect.Emit, final bool) error {
	d.flushMu.Lock()
	defer d.flushMu.Unlock()
	var cutoff time.Time // with final: none, everything is judged
	if !final {
		newest := d.newest()
		if newest.IsZero() {
			return nil
		}
		cutoff = newest.Add(-d.lag())
	}
	users, ips := d.take(cutoff, final)

	keys := make([]string, 0, max(len(users), len(d.runs)))
	for k := range users {
		keys = append(keys, k)
	}
	for k := range d.runs {
		if users[k] == nil {
			keys = append(keys, k)
		}
	}
	sort.Strings(keys)
	var errs []error
	for _, k := range keys {
		if err := context.Cause(ctx); err != nil {
			return err
		}
		r := d.runs[k]
		if r == nil {
			p, err := loadProfile(ctx, d.opt.State, k)
			if err != nil {
				errs = append(errs, err)
				p = newProfile()
			}
			r = &userRun{d: d, p: p, key: k}
		}
		r.emit = emit
		if u := users[k]; u != nil {
			r.feed(u)
		}
		if final {
			r.finish()
		} else {
			r.advance(cutoff)
		}
		if r.dirty && r.p.Records > 0 {
			if err := saveProfile(ctx, d.opt.State, k, r.p, d.opt.Retention); err != nil {
				errs = append(errs, err)
			}
		}
		r.dirty = false
		// An idle run is let go when nothing is lost with it: its profile
		// is in State, or it learned nothing (failures only).
		if final || (r.idle() && (d.opt.State != nil || r.p.Records == 0)) {
			delete(d.runs, k)
		} else {
			d.runs[k] = r
		}
	}

	addrs := make([]netip.Addr, 0, max(len(ips), len(d.sprays)))
	for a := range ips {
		addrs = append(addrs, a)
	}
	for a := range d.sprays {
		if ips[a] == nil {
			addrs = append(addrs, a)
		}
	}
	sort.Slice(addrs, func(i, j int) bool { return addrs[i].Less(addrs[j]) })
	for _, a := range addrs {
		if err := context.Cause(ctx); err != nil {
			return err
		}
		s := d.sprays[a]
		if s == nil {
			s = &sprayRun{d: d, ip: a}
		}
		if x := ips[a]; x != nil {
			s.feed(x.attempts, emit)
		}
		if final || s.done(cutoff) {
			s.end(emit)
			delete(d.sprays, a)
		} else {
			d.sprays[a] = s
		}
	}
	if len(errs) > 0 {
		return fmt.Errorf("baseline state: %w (and %d more)", errs[0], len(errs)-1)
	}
	return nil
}

// newest is the latest record time filed (the watermark's base).
func (d *Detector) newest() time.Time {
	var t time.Time
	for i := range d.users {
		sh := &d.users[i]
		sh.mu.Lock()
		if sh.newest.After(t) {
			t = sh.newest
		}
		sh.mu.Unlock()
	}
	for i := range d.ips {
		sh := &d.ips[i]
		sh.mu.Lock()
		if sh.newest.After(t) {
			t = sh.newest
		}
		sh.mu.Unlock()
	}
	return t
}

// take removes from the shards the records a flush judges: those dated
// before cutoff, or all of them when final (which also forgets the
// watermark). The others stay, in the order they were filed.
func (d *Detector) take(cutoff time.Time, final bool) (map[string]*userData, map[netip.Addr]*ipData) {
	users := map[string]*userData{}
	for i := range d.users {
		sh := &d.users[i]
		sh.mu.Lock()
		if final {
			for k, u := range sh.m {
				users[k] = u
			}
			sh.m, sh.newest = map[string]*userData{}, time.Time{}
		} else {
			for k, u := range sh.m {
				if x := u.take(cutoff); x != nil {
					users[k] = x
				}
				if len(u.signIns)+len(u.access)+len(u.sessions) == 0 {
					delete(sh.m, k)
				}
			}
		}
		sh.mu.Unlock()
	}
	ips := map[netip.Addr]*ipData{}
	for i := range d.ips {
		sh := &d.ips[i]
		sh.mu.Lock()
		if final {
			for a, x := range sh.m {
				ips[a] = x
			}
			sh.m, sh.newest = map[netip.Addr]*ipData{}, time.Time{}
		} else {
			for a, x := range sh.m {
				var taken []signIn
				x.attempts, taken = splitBefore(x.attempts, cutoff, func(s *signIn) time.Time { return s.t })
				if len(taken) > 0 {
					ips[a] = &ipData{attempts: taken}
				}
				if len(x.attempts) == 0 {
					delete(sh.m, a)
				}
			}
		}
		sh.mu.Unlock()
	}
	return users, ips
}

// take moves u's records dated before cutoff to a new userData, nil when
// there are none.
func (u *userData) take(cutoff time.Time) *userData {
	x := &userData{user: u.user}
	u.signIns, x.signIns = splitBefore(u.signIns, cutoff, func(s *signIn) time.Time { return s.t })
	u.access, x.access = splitBefore(u.access, cutoff, func(a *access) time.Time { return a.t })
	u.sessions, x.sessions = splitBefore(u.sessions, cutoff, func(s *session) time.Time { return s.t })
	if len(x.signIns)+len(x.access)+len(x.sessions) == 0 {
		return nil
	}
	return x
}

// splitBefore returns the records of s dated before cutoff (taken) and
// the others (keep, in s's array, nil when none are left), each in s's
// order.
func splitBefore[T any](s []T, cutoff time.Time, at func(*T) time.Time) (keep, taken []T) {
	keep = s[:0]
	for i := range s {
		if at(&s[i]).Before(cutoff) {
			taken = append(taken, s[i])
		} else {
			keep = append(keep, s[i])
		}
	}
	clear(s[len(keep):]) // let go of what the taken records point to
	if len(keep) == 0 {
		keep = nil
	}
	return keep, taken
}
