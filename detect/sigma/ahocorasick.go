package sigma

// acAutomaton is an Aho-Corasick automaton: it finds which of many literal
// patterns occur in a text in one pass. Bytes are first mapped to classes
// (one per byte that occurs in some pattern, upper-case letters sharing
// their lower-case letter's class when folding, everything else class 0),
// and each state holds a dense row of next states per class, completed
// with the failure links at build time. A table entry is the next state's
// row offset shifted left by one, with the low bit set when some pattern
// ends in that state, so scanning is two table lookups per byte, no
// multiplication, and a look at the outputs only where a pattern ends.
type acAutomaton struct {
	class  [256]uint8
	width  int
	next   []int32   // len(states)*width: row offset<<1 | has output
	out    [][]int32 // pattern ids ending at each state, merged along failure links
	n      int       // number of patterns
	states int
}

// newAC builds an automaton for pats (lower-cased already when fold).
func newAC(pats []string, fold bool) *acAutomaton {
	a := &acAutomaton{n: len(pats)}
	w := 1
	for _, p := range pats {
		for i := 0; i < len(p); i++ {
			if c := p[i]; a.class[c] == 0 {
				if w == 256 {
					break
				}
				a.class[c] = uint8(w)
				w++
			}
		}
	}
	if fold {
		for c := 'A'; c <= 'Z'; c++ {
			if a.class[c] == 0 {
				a.class[c] = a.class[c+'a'-'A']
			}
		}
	}
	a.width = w
	// Trie.
	goTo := [][]int32{make([]int32, w)}
	a.out = [][]int32{nil}
	for id, p := range pats {
		s := int32(0)
		for i := 0; i < len(p); i++ {
			c := a.class[p[i]]
			if goTo[s][c] == 0 {
				goTo = append(goTo, make([]int32, w))
				a.out = append(a.out, nil)
				goTo[s][c] = int32(len(goTo) - 1)
			}
			s = goTo[s][c]
		}
		a.out[s] = append(a.out[s], int32(id))
	}
	// Breadth-first: failure links; complete the table.
	fail := make([]int32, len(goTo))
	queue := make([]int32, 0, len(goTo))
	for c := 1; c < w; c++ {
		if t := goTo[0][c]; t != 0 {
			queue = append(queue, t)
		}
	}
	for len(queue) > 0 {
		s := queue[0]
		queue = queue[1:]
		if f := fail[s]; len(a.out[f]) > 0 {
			a.out[s] = append(a.out[s], a.out[f]...)
		}
		for c := 0; c < w; c++ {
			t := goTo[s][c]
			if t == 0 {
				goTo[s][c] = goTo[fail[s]][c]
				continue
			}
			if c == 0 {
				// Class 0 never starts or continues a pattern.
				goTo[s][c] = 0
				continue
			}
			fail[t] = goTo[fail[s]][c]
			queue = append(queue, t)
		}
	}
	a.states = len(goTo)
	a.next = make([]int32, 0, len(goTo)*w)
	for _, row := range goTo {
		for _, t := range row {
			e := t * int32(w) << 1
			if len(a.out[t]) > 0 {
				e |= 1
			}
			a.next = append(a.next, e)
		}
	}
	return a
}

// any reports whether some pattern occurs in s.
func (a *acAutomaton) any(s string) bool {
	next, class := a.next, &a.class
	row := int32(0)
	for i := 0; i < len(s); i++ {
		e := next[row+int32(class[s[i]])]
		if e&1 != 0 {
			return true
		}
		row = e >> 1
	}
	return false
}
