//go:build !race

package mailgen_test

const race = false
