package decoy

import (
	"html"
	"regexp"
	"strings"
	"testing"
	"time"
)

var anchorRE = regexp.MustCompile(`<a href="([^"]+)">([^<]*)</a>`)

// TestAnchorNamesLinkedFile: a link whose text is a file name shows the
// file its URL opens, as a real share link does, not another file.
func TestAnchorNamesLinkedFile(t *testing.T) {
	org := DefaultOrg()
	now := time.Date(2026, 6, 1, 12, 0, 0, 0, time.UTC)
	fileLike := regexp.MustCompile(`^[\w .()-]+\.[a-z0-9]{2,5}$`)
	checked := 0
	for seed := int64(1); seed <= 400; seed++ {
		opt := Options{Seed: seed, Org: org, Now: now, Crumbs: crumbsFor(seed)}
		d, err := Generate(opt)
		if err != nil {
			t.Fatal(err)
		}
		p := parse(t, d.Raw)
		for _, m := range anchorRE.FindAllStringSubmatch(p.htmls[0], -1) {
			href, text := html.UnescapeString(m[1]), html.UnescapeString(m[2])
			doc := linkDocName(href)
			if doc == "" || !fileLike.MatchString(text) {
				continue
			}
			checked++
			if !strings.EqualFold(text, doc) {
				t.Errorf("seed %d: link text %q opens %q", seed, text, doc)
			}
		}
	}
	if checked == 0 {
		t.Fatal("no file-named link to a document in 400 decoys: test not effective")
	}
	t.Logf("%d file-named links checked", checked)
}
