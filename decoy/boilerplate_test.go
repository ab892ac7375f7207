package decoy

import (
	"html"
	"regexp"
	"sort"
	"strings"
	"testing"
)

var (
	tagRE   = regexp.MustCompile(`(?s)<style.*?</style>|<[^>]*>`)
	spaceRE = regexp.MustCompile(`\s+`)
	sentRE  = regexp.MustCompile(`[.!?]\s+`)
)

// normalize lower-cases a line, drops quote markers and collapses white
// space.
func normalize(s string) string {
	s = strings.TrimLeft(s, "> ")
	return strings.TrimSpace(spaceRE.ReplaceAllString(strings.ToLower(s), " "))
}

// phrases returns the distinct lines and sentences of a decoy's decoded
// text and tag-stripped HTML.
func phrases(p *parsed) map[string]bool {
	out := map[string]bool{}
	add := func(doc string) {
		var kept []string
		for _, l := range strings.Split(strings.ReplaceAll(doc, "\r\n", "\n"), "\n") {
			n := normalize(l)
			if n != "" {
				kept = append(kept, n)
			}
			if len(n) > 24 {
				out[n] = true
			}
		}
		// Sentences across wrapped lines.
		for _, s := range sentRE.Split(strings.Join(kept, " "), -1) {
			if s = strings.TrimSpace(s); len(s) > 24 {
				out[s] = true
			}
		}
	}
	add(p.texts[0])
	stripped := tagRE.ReplaceAllStringFunc(p.htmls[0], func(t string) string {
		if strings.HasPrefix(t, "<br") || strings.HasPrefix(t, "</p") || strings.HasPrefix(t, "</div") {
			return "\n"
		}
		return ""
	})
	add(html.UnescapeString(stripped))
	return out
}

// TestBoilerplate measures how often any phrase or header shape recurs:
// a filter keyed on one must not catch more than 5% of decoys. Nothing is
// excluded from counting (not even org or person names); breadcrumbs are
// unique per decoy in this test as in real use.
func TestBoilerplate(t *testing.T) {
	const n = 1000
	org := DefaultOrg()
	count := map[string]int{}
	shapes := map[string]int{}
	for seed := int64(1); seed <= n; seed++ {
		d, err := Generate(Options{Seed: seed * 7919, Org: org, Crumbs: crumbsFor(seed)})
		if err != nil {
			t.Fatal(err)
		}
		p := parse(t, d.Raw)
		for ph := range phrases(p) {
			count[ph]++
		}
		shapes[headerShape(d.Raw)]++
	}
	type kv struct {
		k string
		v int
	}
	var top []kv
	for k, v := range count {
		top = append(top, kv{k, v})
	}
	sort.Slice(top, func(i, j int) bool { return top[i].v > top[j].v || top[i].v == top[j].v && top[i].k < top[j].k })
	for i := 0; i < 10 && i < len(top); i++ {
		t.Logf("phrase %5.1f%%  %q", 100*float64(top[i].v)/n, top[i].k)
	}
	for _, e := range top {
		if e.v*100 > 5*n {
			t.Errorf("phrase in %.1f%% of decoys: %q", 100*float64(e.v)/n, e.k)
		}
	}
	var sh []kv
	for k, v := range shapes {
		sh = append(sh, kv{k, v})
	}
	sort.Slice(sh, func(i, j int) bool { return sh[i].v > sh[j].v || sh[i].v == sh[j].v && sh[i].k < sh[j].k })
	t.Logf("%d distinct header shapes; largest covers %.1f%%: %s", len(sh), 100*float64(sh[0].v)/n, sh[0].k)
	if sh[0].v*100 > 5*n {
		t.Errorf("header shape in %.1f%% of decoys", 100*float64(sh[0].v)/n)
	}
}

// headerShape is the sequence of header field names.
func headerShape(raw []byte) string {
	s := string(raw)
	if i := strings.Index(s, "\r\n\r\n"); i >= 0 {
		s = s[:i]
	}
	var names []string
	for _, l := range strings.Split(s, "\r\n") {
		if l == "" || l[0] == ' ' || l[0] == '\t' {
			continue
		}
		if i := strings.IndexByte(l, ':'); i > 0 {
			names = append(names, strings.ToLower(l[:i]))
		}
	}
	return strings.Join(names, ",")
}
