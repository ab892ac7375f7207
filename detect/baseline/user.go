package baseline

import (
	"sort"
	"time"

	"github.com/mailtrip/mailtrip/detect"
)

// userRun evaluates one user's records in time order against, and into,
// the user's profile. It lives from one flush to the next (flush.go).
type userRun struct {
	d    *Detector
	p    *Profile
	key  string
	emit detect.Emit

	dirty  bool      // p changed since it was saved
	expiry time.Time // advance has nothing to close before this (zero: nothing open)

	// mailbox access
	windows   map[string]*accessWindow // per address + app
	newApps   map[string]bool          // apps alerted on in this run
	throttled map[string]*dayAgg       // per UTC day

	// sign-ins
	fails        []signIn // failures within FailWindow, oldest first
	brute        *episode
	sinceSuccess []signIn // failures since the last success
	legacy       map[string]bool
	countries    map[string]bool
	asns         map[uint32]bool
}

// ref points at one record of a userData.
type ref struct {
	kind recordKind
	i    int
	b    *base
}

// feed judges u's records in time order.
func (r *userRun) feed(u *userData) {
	refs := make([]ref, 0, len(u.signIns)+len(u.access)+len(u.sessions))
	for i := range u.signIns {
		refs = append(refs, ref{recSignIn, i, &u.signIns[i].base})
	}
	for i := range u.access {
		refs = append(refs, ref{recAccess, i, &u.access[i].base})
	}
	for i := range u.sessions {
		refs = append(refs, ref{recSession, i, &u.sessions[i].base})
	}
	sort.SliceStable(refs, func(i, j int) bool { return refs[i].b.before(refs[j].b) })
	for _, x := range refs {
		r.advance(x.b.t)
		switch x.kind {
		case recSignIn:
			r.signIn(&u.signIns[x.i])
		case recAccess:
			r.access(&u.access[x.i])
		case recSession:
			r.session(&u.sessions[x.i])
		}
	}
	if len(refs) > 0 {
		r.dirty = true
	}
}

// advance closes what no record dated t or later can extend — access
// episodes and a brute-force episode whose last record is a window
// before t, throttled days that ended — emitting their alerts, and
// forgets failures too old to count. feed calls it before each record,
// FlushSome with its cutoff, so the two see the same state.
func (r *userRun) advance(t time.Time) {
	if r.expiry.IsZero() || t.Before(r.expiry) {
		return
	}
	r.expiry = time.Time{}
	r.advanceAccess(t)
	r.advanceSignIns(t)
}

// expireAt notes that advance may have something to close at t.
func (r *userRun) expireAt(t time.Time) {
	if r.expiry.IsZero() || t.Before(r.expiry) {
		r.expiry = t
	}
}

// finish closes everything still open: the end of input.
func (r *userRun) finish() {
	r.finishAccess()
	r.finishSignIns()
	r.expiry = time.Time{}
}

// idle says whether nothing is open that a later record could extend;
// the run's profile aside, letting it go loses nothing.
func (r *userRun) idle() bool {
	return len(r.windows) == 0 && len(r.throttled) == 0 && r.brute == nil && len(r.fails) == 0 && len(r.sinceSuccess) == 0
}

// judging says whether the profile may judge a record at t.
func (r *userRun) judging(t time.Time) bool {
	return r.p.established(t, r.d.opt.LearningPeriod, r.d.opt.MinHistory)
}

// historyDays is how long the profile has known the user, for reasons.
func (r *userRun) historyDays(t time.Time) int {
	if r.p.FirstSeen.IsZero() {
		return 0
	}
	return int(t.Sub(r.p.FirstSeen).Hours() / 24)
}
