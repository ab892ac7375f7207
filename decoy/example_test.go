package decoy_test

import (
	"fmt"

	"github.com/mailtrip/mailtrip/decoy"
)

func ExampleGenerate() {
	d, err := decoy.Generate(decoy.Options{
		Seed:  42,
		Theme: "payments",
		Org:   decoy.DefaultOrg(),
		Crumbs: decoy.Breadcrumbs{
			Links:         []string{"https://files.canary.example/s/k2x7/bank-letter.pdf"},
			CanaryAddress: "ap.k2x7@canary.example",
		},
	})
	if err != nil {
		panic(err)
	}
	fmt.Println(d.Theme, d.Thread > 0, len(d.Raw) > 1000)
	// Output: payments true true
}
