package rules

import (
	"embed"
	"io/fs"

	"github.com/mailtrip/mailtrip/detect/sigma"
)

// pack holds the rule files and their test events.
//
//go:embed windows linux macos cloud tests
var pack embed.FS

// FS returns the built-in pack: rule files (.yml) in folders by platform
// and their test events under tests/.
func FS() fs.FS { return pack }

// Load compiles the built-in pack with cfg.
func Load(cfg sigma.Config) (*sigma.Ruleset, *sigma.Report, error) {
	return sigma.LoadFS(pack, ".", cfg)
}

// TestCases returns the built-in pack's test cases.
func TestCases() ([]Case, error) { return Cases(pack, ".") }
