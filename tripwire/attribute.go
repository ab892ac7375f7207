package tripwire

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/mailtrip/mailtrip/alert"
	"github.com/mailtrip/mailtrip/event"
	"github.com/mailtrip/mailtrip/store"
)

// Detector is the alert detector name of tripwire alerts.
const Detector = "tripwire"

// maxMembers caps the hit origins an incident alert lists.
const maxMembers = 100

type incidentKey struct{ decoy, source, kind string }

// attributeLoop attributes stored hits that are still new: woken by the
// writer, and every few seconds to pick up hits left over by a crash.
func (s *Service) attributeLoop(ctx context.Context) {
	tick := time.NewTicker(2 * time.Second)
	defer tick.Stop()
	for {
		for {
			n, err := s.attributeBatch(ctx)
			if err != nil {
				if ctx.Err() == nil {
					s.log.Error("attribute hits", "err", err)
				}
				break
			}
			if n == 0 {
				break
			}
		}
		s.attrMu.Lock()
		if err := s.flushAlerts(ctx); err != nil && ctx.Err() == nil {
			s.log.Error("refresh incident alerts", "err", err)
		}
		s.attrMu.Unlock()
		select {
		case <-ctx.Done():
			s.attrMu.Lock()
			_ = s.flushAlerts(context.WithoutCancel(ctx))
			s.attrMu.Unlock()
			return
		case <-s.wake:
		case <-tick.C:
		}
	}
}

// AttributePending attributes every hit still waiting, for callers that
// record without Run's loop (tests, `decoy test` in one process).
func (s *Service) AttributePending(ctx context.Context) error {
	for {
		n, err := s.attributeBatch(ctx)
		if err != nil || n == 0 {
			return err
		}
	}
}

// decoyInfo is what an alert says about a decoy.
type decoyInfo struct {
	subject   string
	messageID string
	plantings []store.Planting
}

func (s *Service) attributeBatch(ctx context.Context) (int, error) {
	hits, err := s.st.Hits(ctx, store.HitFilter{State: store.HitNew, Limit: 2048})
	if err != nil || len(hits) == 0 {
		return 0, err
	}
	s.attrMu.Lock()
	defer s.attrMu.Unlock()
	p, err := s.plan(ctx, hits)
	if err != nil {
		return 0, err
	}
	if err := s.st.Attribute(ctx, p.out); err != nil {
		// The cached incidents may hold state that was not stored: forget
		// them, the store is the truth.
		s.forgetIncidents()
		if errors.Is(err, store.ErrConflict) {
			s.log.Debug("attribution raced another attributor; retrying", "err", err)
			return 0, nil
		}
		return 0, err
	}
	s.stats.Pending.Add(-int64(len(hits)))
	s.done(p, len(hits))
	return len(hits), nil
}

// attribution is what attributing a batch of hits decided.
type attribution struct {
	out    []store.Attribution
	fresh  []alert.Alert           // new incidents' alerts
	alerts map[string]*alert.Alert // every touched incident's alert, by id
	hitInc map[int64]string        // hit id → incident id
	// notable marks incidents whose alert changed in a way worth writing
	// at once: a new trap, members still being listed.
	notable map[string]bool
}

// plan attributes hits (each with its id) to incidents and alerts in
// memory, reading what it does not have cached from the store; the caller
// holds attrMu and writes the result. The hits are in id order.
func (s *Service) plan(ctx context.Context, hits []store.Hit) (*attribution, error) {
	decoys := make(map[string]*decoyInfo)
	incs := make(map[string]*store.Incident) // by incident id, within this batch
	byInc := make(map[string]*store.Attribution)
	p := &attribution{alerts: make(map[string]*alert.Alert), hitInc: make(map[int64]string, len(hits)), notable: make(map[string]bool)}
	var order []string // incident ids in order of first hit in this batch
	for _, h := range hits {
		if h.DecoyID == "" {
			continue
		}
		info, ok := decoys[h.DecoyID]
		if !ok {
			var err error
			info, err = s.decoyInfo(ctx, h.DecoyID)
			if err != nil {
				return nil, err
			}
			decoys[h.DecoyID] = info
		}
		// The hit's details are decoded only where a new incident or a new
		// trap needs them for its reasons; repeats keep them as stored.
		var detail map[string]any
		decoded := false
		decode := func() map[string]any {
			if !decoded {
				_ = json.Unmarshal(h.Data, &detail)
				decoded = true
			}
			return detail
		}
		kind := incidentKind(h)
		key := incidentKey{h.DecoyID, sourceKey(h), kind}
		inc := s.incidents[key]
		if inc == nil || h.Time.Sub(inc.LastAt) > s.opt.IncidentWindow {
			open, err := s.st.OpenIncident(ctx, key.decoy, key.source, key.kind, h.Time.Add(-s.opt.IncidentWindow))
			switch {
			case err == nil:
				inc = &open
			case errors.Is(err, store.ErrNotFound):
				inc = nil
			default:
				return nil, err
			}
		}
		var a *alert.Alert
		isNew := false
		if inc == nil {
			na := newIncidentAlert(h, decode(), kind, info)
			a = &na
			inc = &store.Incident{ID: a.ID, DecoyID: h.DecoyID, Source: key.source, Kind: kind,
				FirstAt: h.Time, LastAt: h.Time}
			isNew = true
		} else if a = p.alerts[inc.ID]; a == nil {
			if a = s.incAlerts[inc.ID]; a == nil {
				stored, err := s.st.Alert(ctx, inc.ID)
				if err != nil {
					return nil, fmt.Errorf("incident %s: %w", inc.ID, err)
				}
				a = &stored
			}
		}
		inc.Hits++
		if h.Time.After(inc.LastAt) {
			inc.LastAt = h.Time
		}
		// Concurrent touches reach attribution a little out of time
		// order: the incident spans the earliest of them.
		if h.Time.Before(inc.FirstAt) {
			inc.FirstAt = h.Time
		}
		newTrap := !slices.Contains(inc.Traps, h.Trigger)
		if newTrap {
			inc.Traps = append(inc.Traps, h.Trigger)
		}
		if newTrap && !isNew {
			decode()
		}
		addHit(a, h, detail, inc, newTrap && !isNew)
		if newTrap || a.MemberCount <= maxMembers {
			p.notable[inc.ID] = true
		}
		p.alerts[inc.ID] = a
		incs[inc.ID] = inc
		s.incidents[key] = inc
		s.incAlerts[inc.ID] = a
		if len(s.incidents) > 10_000 {
			clear(s.incidents)
			clear(s.incAlerts)
			s.incidents[key] = inc
			s.incAlerts[inc.ID] = a
		}
		at := byInc[inc.ID]
		if at == nil {
			at = &store.Attribution{NewAlert: isNew}
			byInc[inc.ID] = at
			order = append(order, inc.ID)
			if isNew {
				at.Enqueue = s.sinksFor(*a)
				p.fresh = append(p.fresh, *a)
			}
		}
		at.HitIDs = append(at.HitIDs, h.ID)
		p.hitInc[h.ID] = inc.ID
	}
	// Each incident is written once, in its state after the batch. The
	// alert of an incident that only repeats itself (no new trap, member
	// list full) is rewritten at most every alertRefresh; flushAlerts
	// writes what is left when things calm down.
	p.out = make([]store.Attribution, 0, len(order))
	now := time.Now()
	for _, id := range order {
		at := byInc[id]
		at.Alert, at.Incident = *p.alerts[id], *incs[id]
		if !at.NewAlert && !p.notable[id] && now.Sub(s.alertWritten[id]) < alertRefresh {
			at.SkipAlert = true
			s.alertDirty[id] = incs[id]
		} else {
			s.alertWritten[id] = now
			delete(s.alertDirty, id)
		}
		p.out = append(p.out, *at)
	}
	if len(s.alertWritten) > 10_000 {
		clear(s.alertWritten)
	}
	return p, nil
}

// forgetIncidents drops the cached incidents and their alerts after a
// write that failed: they may hold state the store does not, and the store
// is the truth. The caller holds attrMu.
func (s *Service) forgetIncidents() {
	clear(s.incidents)
	clear(s.incAlerts)
	clear(s.alertDirty)
}

// alertRefresh is how often a busy incident's stored alert is rewritten.
const alertRefresh = time.Second

// flushAlerts writes the alerts of incidents whose last refresh was
// skipped; the caller holds attrMu.
func (s *Service) flushAlerts(ctx context.Context) error {
	if len(s.alertDirty) == 0 {
		return nil
	}
	var out []store.Attribution
	for id, inc := range s.alertDirty {
		if a := s.incAlerts[id]; a != nil {
			out = append(out, store.Attribution{Incident: *inc, Alert: *a})
		}
	}
	if err := s.st.Attribute(ctx, out); err != nil {
		return err
	}
	clear(s.alertDirty)
	now := time.Now()
	for _, at := range out {
		s.alertWritten[at.Alert.ID] = now
	}
	return nil
}

// done counts what a stored attribution did and tells OnAlert.
func (s *Service) done(p *attribution, hits int) {
	s.stats.Attributed.Add(int64(hits))
	s.stats.Alerts.Add(int64(len(p.fresh)))
	if s.opt.OnAlert == nil {
		return
	}
	seen := make(map[string]bool)
	for _, a := range p.fresh {
		seen[a.ID] = true
		s.opt.OnAlert(*p.alerts[a.ID], true)
	}
	for id, a := range p.alerts {
		if !seen[id] {
			s.opt.OnAlert(*a, false)
		}
	}
}

func (s *Service) sinksFor(a alert.Alert) []string {
	var out []string
	for _, name := range s.opt.Sinks {
		min := alert.Low
		if l, ok := s.opt.SinkLevel[name]; ok {
			min = l
		}
		if a.Rule.Level >= min {
			out = append(out, name)
		}
	}
	return out
}

// decoyInfoTTL is how long what an alert says about a decoy (its subject
// and plantings) is cached.
const decoyInfoTTL = 30 * time.Second

// decoyInfo returns a decoy's subject and plantings, cached; the caller
// holds attrMu.
func (s *Service) decoyInfo(ctx context.Context, id string) (*decoyInfo, error) {
	if e, ok := s.decoyInfos[id]; ok && time.Since(e.fetched) < decoyInfoTTL {
		return e.info, nil
	}
	info, err := s.loadDecoyInfo(ctx, id)
	if err != nil {
		return nil, err
	}
	if len(s.decoyInfos) > 10_000 {
		clear(s.decoyInfos)
	}
	s.decoyInfos[id] = decoyInfoEntry{info: info, fetched: time.Now()}
	return info, nil
}

type decoyInfoEntry struct {
	info    *decoyInfo
	fetched time.Time
}

func (s *Service) loadDecoyInfo(ctx context.Context, id string) (*decoyInfo, error) {
	d, err := s.st.Decoy(ctx, id)
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		return nil, err
	}
	ps, err := s.st.Plantings(ctx, store.PlantingFilter{DecoyID: id})
	if err != nil {
		return nil, err
	}
	// Active plantings first, newest first within each group.
	slices.SortStableFunc(ps, func(a, b store.Planting) int {
		if a.Active() != b.Active() {
			if a.Active() {
				return -1
			}
			return 1
		}
		return b.PlantedAt.Compare(a.PlantedAt)
	})
	return &decoyInfo{subject: d.Subject, messageID: d.MessageID, plantings: ps}, nil
}

func incidentKind(h store.Hit) string {
	switch {
	case h.Test:
		return store.IncidentTest
	case h.Expected:
		return store.IncidentExpected
	case h.Scanner:
		return store.IncidentScanner
	}
	return store.IncidentPerson
}

// ruleFor names the rule a touch raises, by trap and breadcrumb kind.
func ruleFor(trap, tokenKind string) alert.Rule {
	base := []string{alert.TagCollection, alert.TagT1114, "engage.eac0005"}
	switch trap {
	case TrapHTTP:
		if tokenKind == "image" {
			return alert.Rule{ID: "mailtrip-decoy-image-loaded", Title: "Decoy email rendered: its remote image was fetched",
				Level: alert.High, Tags: append(base, alert.TagT1114_002)}
		}
		return alert.Rule{ID: "mailtrip-decoy-link-opened", Title: "Link in a decoy email opened",
			Level: alert.High, Tags: append(base, alert.TagT1114_002)}
	case TrapDNS:
		return alert.Rule{ID: "mailtrip-decoy-host-resolved", Title: "Host name from a decoy email resolved",
			Level: alert.High, Tags: append(base, alert.TagT1114_002)}
	case TrapSMTP:
		if tokenKind == "email" {
			return alert.Rule{ID: "mailtrip-decoy-canary-mailed", Title: "Mail sent to a decoy's canary address",
				Level: alert.High, Tags: append(base, alert.TagT1114_002)}
		}
		return alert.Rule{ID: "mailtrip-decoy-mail-forwarded", Title: "Decoy email arrived at the canary mail trap: it was forwarded or exfiltrated",
			Level: alert.Critical, Tags: append(base, alert.TagT1114_003)}
	case TrapCred:
		return alert.Rule{ID: "mailtrip-decoy-credential-used", Title: "Decoy credential from a decoy email used to log in",
			Level: alert.Critical, Tags: append(base, alert.TagT1114_002, "attack.t1078")}
	case TrapFile:
		return alert.Rule{ID: "mailtrip-decoy-file-opened", Title: "Decoy mail file opened on disk",
			Level: alert.High, Tags: append(base, alert.TagT1114_001)}
	}
	return alert.Rule{ID: "mailtrip-decoy-touched", Title: "Decoy breadcrumb touched", Level: alert.High, Tags: base}
}

// hitOrigin is where an alert points for one hit: the store's hits table.
func hitOrigin(h store.Hit) event.Origin {
	return event.Origin{File: "tripwire:" + h.Trigger, Offset: -1, RecordID: "hit:" + strconv.FormatInt(h.ID, 10), Format: "hit"}
}

var triggerWords = map[string]string{
	TrapHTTP: "its link was opened",
	TrapDNS:  "its host name was resolved",
	TrapSMTP: "mail reached its canary address",
	TrapCred: "its decoy credential was used",
	TrapFile: "its file was opened",
}

func newIncidentAlert(h store.Hit, detail map[string]any, kind string, info *decoyInfo) alert.Alert {
	tokenKind, _ := detail["token_kind"].(string)
	rule := ruleFor(h.Trigger, tokenKind)
	switch kind {
	case store.IncidentScanner:
		rule.Level = alert.Low
		rule.Tags = append(rule.Tags, "mailtrip.scanner")
	case store.IncidentExpected:
		rule.Level = alert.Informational
		rule.Tags = append(rule.Tags, "mailtrip.expected")
	case store.IncidentTest:
		rule.Level = alert.Informational
		rule.Tags = append(rule.Tags, "mailtrip.test")
	}
	a := alert.New(Detector, rule, hitOrigin(h), "decoy:"+h.DecoyID)
	a.Time = h.Time
	a.DetectedAt = time.Now().UTC()
	a.Decoy = &alert.Decoy{ID: h.DecoyID, Trigger: h.Trigger}
	if tokenKind != "" {
		a.Decoy.Trigger += "/" + tokenKind
	}
	where := "a decoy that is not planted anywhere now"
	if len(info.plantings) > 0 {
		p := info.plantings[0]
		a.Decoy.Mailbox, a.Decoy.Folder = p.Mailbox, p.Folder
		a.Mailbox, a.Folder = p.Mailbox, p.Folder
		a.MessageID = p.MessageID
		where = fmt.Sprintf("decoy %q in %s", info.subject, placeName(p))
	}
	if a.MessageID == "" {
		a.MessageID = info.messageID
	}
	a.Actor = &alert.Actor{IP: h.SourceIP, UserAgent: h.UserAgent}
	if u, ok := detail["user"].(string); ok {
		a.Actor.User = u
	}
	prefix := ""
	switch kind {
	case store.IncidentTest:
		prefix = "[TEST] "
	case store.IncidentScanner:
		prefix = "[scanner] "
	case store.IncidentExpected:
		prefix = "[expected] "
	}
	from := h.SourceIP
	if from == "" {
		from = "this machine"
	}
	a.Summary = fmt.Sprintf("%s%s: %s from %s", prefix, strings.ToUpper(where[:1])+where[1:], triggerWords[h.Trigger], from)
	a.Reasons = append(a.Reasons, touchReason(h, detail))
	if r, ok := detail["scanner"].(string); ok {
		a.Reasons = append(a.Reasons, "judged a scanner, not a person: "+r)
	}
	if r, ok := detail["expected"].(string); ok {
		a.Reasons = append(a.Reasons, "expected by the allow-list: "+r)
	}
	if len(info.plantings) > 1 {
		a.Reasons = append(a.Reasons, fmt.Sprintf("the decoy is planted in %d places; the newest active one is named", len(info.plantings)))
	}
	ev := map[string]any{"hit": detail, "source_ip": h.SourceIP, "source_port": h.SourcePort}
	if h.SubID != "" {
		ev["sub_id"] = h.SubID
	}
	if len(info.plantings) > 0 {
		var ps []map[string]any
		for _, p := range info.plantings[:min(len(info.plantings), 10)] {
			ps = append(ps, map[string]any{"target": p.Target, "kind": p.TargetKind, "mailbox": p.Mailbox,
				"folder": p.Folder, "path": p.Path, "uid": p.UID, "uidvalidity": p.UIDValidity,
				"planted_at": p.PlantedAt, "active": p.Active()})
		}
		ev["plantings"] = ps
	}
	a.Evidence = ev
	return a
}

func placeName(p store.Planting) string {
	box := p.Mailbox
	if box == "" {
		box = p.Target
	}
	if p.Folder != "" {
		return box + " folder " + p.Folder
	}
	return box
}

func touchReason(h store.Hit, d map[string]any) string {
	str := func(k string) string { s, _ := d[k].(string); return s }
	switch h.Trigger {
	case TrapHTTP:
		return fmt.Sprintf("HTTP %s %s (Host %s) carried the decoy's breadcrumb %s", str("method"), str("path"), str("host"), h.SubID)
	case TrapDNS:
		return fmt.Sprintf("DNS query %s %s from resolver %s carried the breadcrumb %s", str("qtype"), str("qname"), h.SourceIP, h.SubID)
	case TrapSMTP:
		return fmt.Sprintf("SMTP message from %s carried the breadcrumb %s (%s)", str("mail_from"), h.SubID, str("token_kind"))
	case TrapCred:
		return fmt.Sprintf("%s login as %q with the decoy's password", str("protocol"), str("user"))
	case TrapFile:
		return fmt.Sprintf("%s of %s by %s (pid %v)", str("event"), str("path"), str("exe"), d["pid"])
	}
	return "breadcrumb " + h.SubID + " touched"
}

// addHit folds one hit into its incident's alert: members, counts, the
// traps touched so far and the last touch.
func addHit(a *alert.Alert, h store.Hit, detail map[string]any, inc *store.Incident, newTrap bool) {
	a.MemberCount++
	if len(a.Members) < maxMembers {
		a.Members = append(a.Members, hitOrigin(h))
	}
	if a.Evidence == nil {
		a.Evidence = map[string]any{}
	}
	a.Evidence["hits"] = inc.Hits
	a.Evidence["traps"] = inc.Traps
	a.Evidence["first_at"] = inc.FirstAt
	a.Evidence["last_at"] = inc.LastAt
	if a.MemberCount > 1 && len(h.Data) > 0 {
		a.Evidence["last_hit"] = json.RawMessage(h.Data)
	}
	// A touch through another trap (the host name resolved, then the link
	// opened) is worth a line of its own; repeats are counted, not listed.
	if newTrap && len(a.Reasons) < 20 {
		a.Reasons = append(a.Reasons, "then: "+touchReason(h, detail))
	}
}
