package baseline

import (
	"sort"
	"time"

	"github.com/mailtrip/mailtrip/detect"
)

// userRun evaluates one user's records in time order against, and into,
// the user's profile.
type userRun struct {
	d    *Detector
	p    *Profile
	key  string
	emit detect.Emit

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

func (r *userRun) evaluate(u *userData) {
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
		switch x.kind {
		case recSignIn:
			r.signIn(&u.signIns[x.i])
		case recAccess:
			r.access(&u.access[x.i])
		case recSession:
			r.session(&u.sessions[x.i])
		}
	}
	r.finishAccess()
	r.finishSignIns()
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
