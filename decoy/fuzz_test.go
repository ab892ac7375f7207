package decoy

import (
	"testing"
)

// FuzzGenerate: any seed, theme and breadcrumb strings either give an
// error (invalid breadcrumbs) or a decoy that parses and carries every
// breadcrumb.
func FuzzGenerate(f *testing.F) {
	c := crumbsFor(1)
	f.Add(int64(1), 0, c.Links[0], c.ImageURL, c.Host, c.CanaryAddress, c.CredUser, c.CredPassword, c.CredService)
	f.Add(int64(-5), 3, "https://x.example/a?b=c&d=e", "", "h.example", "a@b.example", "u", "p=w&d<>", "")
	f.Add(int64(1<<62), 8, "", "", "", "", "", "", "")
	f.Fuzz(func(t *testing.T, seed int64, theme int, link, img, host, canary, user, pass, svc string) {
		opt := Options{Seed: seed, Org: DefaultOrg(), Crumbs: Breadcrumbs{
			ImageURL: img, Host: host, CanaryAddress: canary, CredUser: user, CredPassword: pass, CredService: svc,
		}}
		if link != "" {
			opt.Crumbs.Links = []string{link}
		}
		if theme >= 0 && theme < len(themes) {
			opt.Theme = themes[theme].name
		}
		d, err := Generate(opt)
		if err != nil {
			return
		}
		checkDecoy(t, opt, d)
	})
}
