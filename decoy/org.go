package decoy

import (
	"errors"
	"fmt"
	"hash/fnv"
	"math/rand/v2"
	"net/mail"
	"strings"
	"sync"
	"time"
	_ "time/tzdata" // Org.TimeZone must resolve on hosts without a zoneinfo database.
)

// Person is one correspondent of the organisation.
type Person struct {
	Name, Title, Department, Email, Phone string
}

// History is the span of time a mailbox's mail covers; decoy dates fall
// inside it.
type History struct{ From, To time.Time }

// Org describes the organisation the decoys pretend to come from.
type Org struct {
	Name   string
	Domain string
	// People are the correspondents. When empty, a roster is generated
	// deterministically from Name and Domain; when it holds a single
	// person, generated colleagues are added so a thread has two sides.
	People []Person
	// MailServers are host names inside Domain (mx1.<domain>,
	// exch01.<domain>); Received chains use them in order of listing.
	MailServers []string
	// Departments are used for generated personas; empty means a built-in
	// list (Finance, Legal, IT, ...).
	Departments []string
	History     History
	// TimeZone is an IANA zone name ("America/Chicago"); Date fields carry
	// its offset at each instant, so daylight saving time is honoured.
	TimeZone string
}

// DefaultOrg returns a fictional company on a reserved top-level domain
// (RFC 2606), with two years of history ending 2025-06-30.
func DefaultOrg() Org {
	d := "northwind-meridian.example"
	return Org{
		Name:        "Northwind Meridian",
		Domain:      d,
		MailServers: []string{"mx1." + d, "mx2." + d, "exch01." + d, "exch02." + d},
		History: History{
			From: time.Date(2023, 7, 1, 0, 0, 0, 0, time.UTC),
			To:   time.Date(2025, 6, 30, 0, 0, 0, 0, time.UTC),
		},
		TimeZone: "America/Chicago",
	}
}

// Errors returned by Validate and Generate; wrapped with detail.
var (
	ErrInvalidOrg    = errors.New("invalid organisation")
	ErrInvalidCrumbs = errors.New("invalid breadcrumbs")
	ErrUnknownTheme  = errors.New("unknown theme")
)

// Validate reports the first problem with o, wrapping ErrInvalidOrg.
func (o Org) Validate() error {
	bad := func(format string, a ...any) error {
		return fmt.Errorf("%w: %s", ErrInvalidOrg, fmt.Sprintf(format, a...))
	}
	if strings.TrimSpace(o.Name) == "" {
		return bad("name is empty")
	}
	if !printable(o.Name) {
		return bad("name %q has control characters", o.Name)
	}
	if !validHost(o.Domain) || !strings.Contains(o.Domain, ".") {
		return bad("domain %q is not a DNS name", o.Domain)
	}
	if len(o.MailServers) == 0 {
		return bad("no mail servers")
	}
	for _, s := range o.MailServers {
		if !validHost(s) || !inDomain(s, o.Domain) {
			return bad("mail server %q is not a host in %s", s, o.Domain)
		}
	}
	for _, d := range o.Departments {
		if strings.TrimSpace(d) == "" || !printable(d) {
			return bad("department %q", d)
		}
	}
	for i, p := range o.People {
		if strings.TrimSpace(p.Name) == "" || !printable(p.Name+p.Title+p.Department+p.Phone) {
			return bad("person %d: empty name or control characters", i)
		}
		a, err := mail.ParseAddress(p.Email)
		if err != nil || a.Address != p.Email || !isASCII(p.Email) {
			return bad("person %d: email %q is not a plain address", i, p.Email)
		}
	}
	if o.History.From.IsZero() || o.History.To.IsZero() || !o.History.From.Before(o.History.To) {
		return bad("history %v..%v is empty", o.History.From, o.History.To)
	}
	if o.History.To.Sub(o.History.From) < 24*time.Hour {
		return bad("history shorter than a day")
	}
	if _, err := loadZone(o.TimeZone); err != nil {
		return bad("time zone %q: %v", o.TimeZone, err)
	}
	return nil
}

var zones sync.Map // name → *time.Location

func loadZone(name string) (*time.Location, error) {
	if name == "" {
		return nil, errors.New("empty")
	}
	if l, ok := zones.Load(name); ok {
		return l.(*time.Location), nil
	}
	l, err := time.LoadLocation(name)
	if err != nil {
		return nil, err
	}
	zones.Store(name, l)
	return l, nil
}

func inDomain(host, domain string) bool {
	h, d := strings.ToLower(host), strings.ToLower(domain)
	return h == d || strings.HasSuffix(h, "."+d)
}

// validHost reports whether s is a DNS host name (letters, digits,
// hyphens; labels of 1..63 bytes; at most 253 bytes).
func validHost(s string) bool {
	if s == "" || len(s) > 253 {
		return false
	}
	for _, l := range strings.Split(s, ".") {
		if l == "" || len(l) > 63 || l[0] == '-' || l[len(l)-1] == '-' {
			return false
		}
		for i := 0; i < len(l); i++ {
			c := l[i]
			if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-') {
				return false
			}
		}
	}
	return true
}

func printable(s string) bool {
	for _, r := range s {
		if r < ' ' || r == 0x7f || r == 0xfffd {
			return false
		}
	}
	return true
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			return false
		}
	}
	return true
}

// persona is a Person with what a signature needs.
type persona struct {
	Person
	first, last string
	office      int // index into the org's offices
	mobile      string
	cert        string // post-nominal letters, may be empty
}

// roster is the expanded organisation a decoy draws from.
type roster struct {
	people  []persona
	offices []office
	byDept  map[string][]int
	depts   []string
}

var rosters sync.Map // key → *roster

func orgKey(o Org) string {
	var b strings.Builder
	b.WriteString(o.Name + "\x00" + o.Domain + "\x00")
	for _, d := range o.Departments {
		b.WriteString(d + "\x01")
	}
	for _, p := range o.People {
		b.WriteString("\x00" + p.Name + "\x01" + p.Title + "\x01" + p.Department + "\x01" + p.Email + "\x01" + p.Phone)
	}
	return b.String()
}

// rosterFor returns the (cached) roster for o. The roster depends only on
// o, never on a decoy's seed, so every decoy of one org shares colleagues.
func rosterFor(o Org) *roster {
	key := orgKey(o)
	if r, ok := rosters.Load(key); ok {
		return r.(*roster)
	}
	h := fnv.New64a()
	h.Write([]byte(key))
	r := rand.New(rand.NewPCG(h.Sum64(), 0x6f7267))
	ro := &roster{byDept: map[string][]int{}}
	ro.depts = o.Departments
	if len(ro.depts) == 0 {
		ro.depts = defaultDepartments
	}
	ro.offices = makeOffices(r, 4+r.IntN(5))
	seen := map[string]bool{}
	add := func(p persona) {
		p.office = r.IntN(len(ro.offices))
		if p.mobile == "" && r.IntN(3) > 0 {
			p.mobile = phoneNumber(r, ro.offices[p.office])
		}
		if p.Phone == "" {
			p.Phone = phoneNumber(r, ro.offices[p.office])
		}
		seen[strings.ToLower(p.Email)] = true
		ro.byDept[p.Department] = append(ro.byDept[p.Department], len(ro.people))
		ro.people = append(ro.people, p)
	}
	for _, p := range o.People {
		first, last := splitName(p.Name)
		if p.Department == "" {
			p.Department = ro.depts[r.IntN(len(ro.depts))]
		}
		if p.Title == "" {
			p.Title = titleFor(r, p.Department)
		}
		add(persona{Person: p, first: first, last: last})
	}
	n := 0
	if len(o.People) == 0 {
		n = 140
	} else if len(o.People) < 2 {
		n = 6
	}
	for i := 0; i < n; i++ {
		dept := ro.depts[i%len(ro.depts)]
		if i >= len(ro.depts) && r.IntN(3) == 0 {
			dept = pickWeightedDept(r, ro.depts)
		}
		first, last := pick(r, firstNames), pick(r, lastNames)
		local := emailLocal(r, first, last)
		email := local + "@" + o.Domain
		for k := 2; seen[strings.ToLower(email)]; k++ {
			email = fmt.Sprintf("%s%d@%s", local, k, o.Domain)
		}
		p := persona{
			Person: Person{Name: first + " " + last, Title: titleFor(r, dept), Department: dept, Email: email},
			first:  first, last: last,
		}
		if pn := postNominals[dept]; len(pn) > 0 && r.IntN(7) == 0 {
			p.cert = pick(r, pn)
		}
		add(p)
	}
	actual, _ := rosters.LoadOrStore(key, ro)
	return actual.(*roster)
}

func pickWeightedDept(r *rand.Rand, depts []string) string {
	// Finance and IT are larger in most companies; lists without them
	// fall back to uniform choice.
	for _, want := range []string{"Finance", "IT", "Finance"} {
		if r.IntN(2) == 0 {
			for _, d := range depts {
				if d == want {
					return d
				}
			}
		}
	}
	return depts[r.IntN(len(depts))]
}

func splitName(n string) (first, last string) {
	f := strings.Fields(n)
	if len(f) == 0 {
		return n, ""
	}
	return f[0], f[len(f)-1]
}

// emailLocal derives the address local part in one of the conventions a
// company uses; one org uses several after mergers, as real ones do.
func emailLocal(r *rand.Rand, first, last string) string {
	f, l := asciiFold(first), asciiFold(last)
	switch r.IntN(5) {
	case 0:
		return f[:1] + l
	case 1:
		return f + "_" + l
	default:
		return f + "." + l
	}
}

var folder = strings.NewReplacer(
	"á", "a", "à", "a", "â", "a", "ä", "ae", "ã", "a", "å", "a", "ç", "c", "é", "e", "è", "e", "ê", "e",
	"ë", "e", "í", "i", "ï", "i", "ı", "i", "ñ", "n", "ó", "o", "ô", "o", "ö", "oe", "ø", "o", "ő", "o",
	"ś", "s", "ş", "s", "š", "s", "ú", "u", "ü", "ue", "ů", "u", "ý", "y", "ž", "z", "ł", "l", "ğ", "g",
	"ễ", "e", "ạ", "a", "ă", "a", "ř", "r", "č", "c", "'", "", " ", "", "-", "")

func asciiFold(s string) string {
	s = strings.ToLower(folder.Replace(s))
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if c := s[i]; c >= 'a' && c <= 'z' || c >= '0' && c <= '9' {
			b.WriteByte(c)
		}
	}
	if b.Len() == 0 {
		return "x"
	}
	return b.String()
}
