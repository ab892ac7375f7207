package baseline

import (
	"fmt"
	"net/netip"
	"sort"
	"strings"
	"time"

	"github.com/mailtrip/mailtrip/alert"
	"github.com/mailtrip/mailtrip/detect"
)

// sprayRun walks one source address's sign-in attempts in time order,
// flush after flush: many users failing from it within FailWindow, and
// few successes, is password spraying. An episode is a run of attempts
// less than FailWindow apart; it alerts at most once.
type sprayRun struct {
	d  *Detector
	ip netip.Addr

	win       []signIn       // attempts within FailWindow of the last, oldest first
	failUsers map[string]int // failures per lower-case user in win
	fails     int            // failures in win
	succ      int            // successes in win
	cur       sprayEpisode
}

type sprayEpisode struct {
	mem       members
	al        *alert.Alert
	users     map[string]bool
	succeeded map[string]bool
	failures  int
}

// feed sorts attempts by time and walks them.
func (s *sprayRun) feed(at []signIn, emit detect.Emit) {
	sort.SliceStable(at, func(i, j int) bool { return at[i].before(&at[j].base) })
	for i := range at {
		s.add(&at[i], emit)
	}
}

// done says whether no attempt at t or later can extend the episode: the
// last attempt is FailWindow before t (or there is none).
func (s *sprayRun) done(t time.Time) bool {
	return len(s.win) == 0 || !t.Before(s.win[len(s.win)-1].t.Add(s.d.opt.FailWindow))
}

// end emits the episode's alert, if it raised one, and starts the next.
func (s *sprayRun) end(emit detect.Emit) {
	cur := &s.cur
	if al := cur.al; al != nil {
		cur.mem.set(al)
		users := make([]string, 0, len(cur.users))
		for u := range cur.users {
			users = append(users, u)
		}
		sort.Strings(users)
		al.Evidence["users"] = len(users)
		al.Evidence["failures"] = cur.failures
		if len(users) > 50 {
			users = users[:50]
		}
		al.Evidence["user_sample"] = users
		al.Reasons = append(al.Reasons, fmt.Sprintf("%d distinct users and %d failures from this address in the whole episode", len(cur.users), cur.failures))
		if len(cur.succeeded) > 0 {
			var ok []string
			for u := range cur.succeeded {
				ok = append(ok, u)
			}
			sort.Strings(ok)
			al.Rule.Level = alert.Critical
			al.Reasons = append(al.Reasons, fmt.Sprintf("then signed in successfully as %s: those accounts are likely compromised", strings.Join(ok, ", ")))
			al.Evidence["succeeded"] = ok
		}
		emit(*al)
	}
	s.cur = sprayEpisode{}
}

func (s *sprayRun) add(a *signIn, emit detect.Emit) {
	opt := &s.d.opt
	if len(s.win) > 0 && a.t.Sub(s.win[len(s.win)-1].t) >= opt.FailWindow {
		s.end(emit)
	}
	drop := 0
	for drop < len(s.win) && a.t.Sub(s.win[drop].t) >= opt.FailWindow {
		old := &s.win[drop]
		if old.out == outFailure {
			s.fails -= old.attempts
			k := strings.ToLower(old.user)
			if s.failUsers[k] -= old.attempts; s.failUsers[k] <= 0 {
				delete(s.failUsers, k)
			}
		} else {
			s.succ--
		}
		drop++
	}
	clear(s.win[:drop])
	s.win = append(s.win[drop:], *a)
	cur := &s.cur
	if cur.users == nil {
		cur.users, cur.succeeded = map[string]bool{}, map[string]bool{}
	}
	if s.failUsers == nil {
		s.failUsers = map[string]int{}
	}
	user := strings.ToLower(a.user)
	if a.out == outFailure {
		s.fails += a.attempts
		if user != "" {
			s.failUsers[user] += a.attempts
			cur.users[user] = true
		}
		cur.failures += a.attempts
		cur.mem.add(a.o, opt.MaxMembers)
	} else {
		s.succ++
		if cur.users[user] && cur.al != nil {
			cur.succeeded[user] = true
			cur.mem.add(a.o, opt.MaxMembers)
		}
	}
	ratio := float64(s.fails) / float64(max(s.fails+s.succ, 1))
	if cur.al == nil && len(s.failUsers) >= opt.SprayMinUsers && ratio >= opt.SprayMinFailRatio {
		ip := ipString(s.ip)
		al := newAlert(RuleSpray, &a.base, ip)
		al.Mailbox = ""
		al.Actor = &alert.Actor{IP: ip, UserAgent: a.ua}
		al.Summary = fmt.Sprintf("Password spraying from %s: %d users failed to sign in within %s", ip, len(s.failUsers), opt.FailWindow)
		al.Reasons = []string{fmt.Sprintf("failed sign-ins for %d distinct users from one address within %s (threshold %d), %.0f%% of its attempts failed (threshold %.0f%%)",
			len(s.failUsers), opt.FailWindow, opt.SprayMinUsers, 100*ratio, 100*opt.SprayMinFailRatio)}
		if opt.Geo != nil || a.loc.Country != "" {
			al.Evidence["country"] = a.loc.Country
			al.Evidence["asn"] = a.loc.ASN
		}
		al.Evidence["source"] = a.source
		cur.al = &al
		// Successes of sprayed users earlier in the window count too.
		failed := map[string]bool{}
		for i := range s.win {
			w := &s.win[i]
			u := strings.ToLower(w.user)
			if w.out == outFailure {
				failed[u] = true
			} else if failed[u] {
				cur.succeeded[u] = true
				cur.mem.add(w.o, opt.MaxMembers)
			}
		}
	}
}
