package pipeline

import (
	"sort"

	"github.com/mailtrip/mailtrip/alert"
	"github.com/mailtrip/mailtrip/event"
)

// MergeByOrigin folds alerts that point at the same record (same origin)
// into one: the alert of the highest level (then detector, then rule id,
// so the choice does not depend on the order detectors ran in) keeps its
// id and rule; the others' reasons are added, prefixed with their rule's
// title, their tags joined, and evidence "also" lists them (detector, rule
// id, title, level, their own alert id). Alerts without a record origin
// (aggregates) pass unchanged. The result keeps the order of first
// appearance.
func MergeByOrigin(as []alert.Alert) []alert.Alert {
	if len(as) < 2 {
		return as
	}
	as = append([]alert.Alert(nil), as...)
	type group struct{ idx []int }
	groups := map[event.Origin]*group{}
	var order []event.Origin
	var out []alert.Alert
	for i, a := range as {
		if a.Origin.File == "" || len(a.Members) > 0 {
			continue
		}
		g := groups[a.Origin]
		if g == nil {
			g = &group{}
			groups[a.Origin] = g
			order = append(order, a.Origin)
		}
		g.idx = append(g.idx, i)
	}
	merged := map[int]bool{}
	for _, o := range order {
		g := groups[o]
		if len(g.idx) < 2 {
			continue
		}
		sort.SliceStable(g.idx, func(x, y int) bool {
			a, b := as[g.idx[x]], as[g.idx[y]]
			if a.Rule.Level != b.Rule.Level {
				return a.Rule.Level > b.Rule.Level
			}
			if a.Detector != b.Detector {
				return a.Detector < b.Detector
			}
			return a.Rule.ID < b.Rule.ID
		})
		primary := as[g.idx[0]]
		primary.Reasons = append([]string(nil), primary.Reasons...)
		primary.Rule.Tags = append([]string(nil), primary.Rule.Tags...)
		ev := make(map[string]any, len(primary.Evidence)+1)
		for k, v := range primary.Evidence {
			ev[k] = v
		}
		var also []map[string]any
		for _, i := range g.idx[1:] {
			o := as[i]
			for _, r := range o.Reasons {
				primary.Reasons = append(primary.Reasons, o.Rule.Title+": "+r)
			}
			for _, t := range o.Rule.Tags {
				if !contains(primary.Rule.Tags, t) {
					primary.Rule.Tags = append(primary.Rule.Tags, t)
				}
			}
			also = append(also, map[string]any{"detector": o.Detector, "rule_id": o.Rule.ID, "title": o.Rule.Title,
				"level": o.Rule.Level.String(), "alert_id": o.ID, "evidence": o.Evidence})
			merged[i] = true
		}
		ev["also"] = also
		primary.Evidence = ev
		as[g.idx[0]] = primary
	}
	for i, a := range as {
		if !merged[i] {
			out = append(out, a)
		}
	}
	return out
}

func contains(xs []string, s string) bool {
	for _, x := range xs {
		if x == s {
			return true
		}
	}
	return false
}
