package decoy

import (
	"math/rand/v2"
	"testing"
	"time"
)

// TestTemplateNames: every {name} in every template is a variable or a
// pool, and every brace is balanced (an unknown name would be written out
// literally).
func TestTemplateNames(t *testing.T) {
	for _, th := range themes {
		c := &composer{r: rand.New(rand.NewPCG(1, 2)), org: DefaultOrg(), theme: th, ro: rosterFor(DefaultOrg()),
			crumbs: crumbsFor(1), top: time.Date(2024, 5, 6, 10, 0, 0, 0, time.UTC)}
		p := &c.ro.people[0]
		c.setVars(p, p, p)
		known := func(name string) bool {
			if _, ok := c.vars[name]; ok || name == "link" {
				return true
			}
			if _, ok := c.lazyVar(name); ok {
				return true
			}
			_, ok1 := th.pools[name]
			_, ok2 := pools[name]
			return ok1 || ok2
		}
		var walk func(where, s string)
		walk = func(where, s string) {
			depth := 0
			for i := 0; i < len(s); i++ {
				switch s[i] {
				case '{':
					if depth == 0 {
						end := matchBrace(s, i)
						if s[end] != '}' {
							t.Errorf("%s: unbalanced %q", where, s)
							return
						}
						inner := s[i+1 : end]
						if isName(inner) {
							if !known(inner) {
								t.Errorf("%s: unknown name {%s} in %q", where, inner, s)
							}
						} else {
							for _, alt := range splitAlts(inner) {
								walk(where, alt)
							}
						}
						i = end
					}
				case '}':
					t.Errorf("%s: stray } in %q", where, s)
				}
			}
		}
		lists := map[string][]string{"subjects": th.subjects, "opens": th.opens, "replies": th.replies, "details": th.details, "files": th.files}
		for k, l := range lists {
			for _, s := range l {
				walk(th.name+"."+k, s)
			}
		}
		for k, l := range th.pools {
			for _, s := range l {
				walk(th.name+".pool."+k, s)
			}
		}
		for k, l := range pools {
			for _, s := range l {
				walk("pool."+k, s)
			}
		}
	}
}

func splitAlts(inner string) []string {
	var out []string
	depth, start := 0, 0
	for j := 0; j < len(inner); j++ {
		switch inner[j] {
		case '{':
			depth++
		case '}':
			depth--
		case '|':
			if depth == 0 {
				out = append(out, inner[start:j])
				start = j + 1
			}
		}
	}
	return append(out, inner[start:])
}
