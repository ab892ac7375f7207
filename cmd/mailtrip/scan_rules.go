package main

import (
	"fmt"
	"os"

	"github.com/mailtrip/mailtrip/detect"
	"github.com/mailtrip/mailtrip/detect/mailrules"
	"github.com/mailtrip/mailtrip/detect/sigma"
	"github.com/mailtrip/mailtrip/rules"
)

// logDetectors are the detectors of log and audit records: the Sigma
// engine with each rule directory (--rules, scan.rules in the config), and
// the inbox-rule and forwarding detector.
func (a *app) logDetectors(builtin bool, ruleDirs, mappingFiles []string, internalDomains []string, decoys *decoyIndex) ([]detect.Detector, error) {
	var out []detect.Detector
	var cfg sigma.Config
	for _, mf := range mappingFiles {
		f, err := os.Open(mf)
		if err != nil {
			return nil, usageError("--rules-mapping: %v", err)
		}
		m, err := sigma.ParseMapping(f, mf)
		f.Close()
		if err != nil {
			return nil, usageError("--rules-mapping: %v", err)
		}
		cfg.Mappings = append(cfg.Mappings, m)
	}
	if builtin {
		rs, _, err := rules.Load(cfg)
		if err != nil {
			return nil, fmt.Errorf("built-in rules: %w", err)
		}
		out = append(out, sigma.NewDetector(rs, sigma.Options{}))
	}
	for _, dir := range ruleDirs {
		fi, err := os.Stat(dir)
		if err != nil {
			return nil, usageError("--rules: %v", err)
		}
		if !fi.IsDir() {
			return nil, usageError("--rules %s: not a directory of Sigma rules", dir)
		}
		rs, rep, err := sigma.LoadDir(dir, cfg)
		if err != nil {
			return nil, usageError("--rules %s: %v", dir, err)
		}
		a.reportRules(dir, rep)
		out = append(out, sigma.NewDetector(rs, sigma.Options{}))
	}
	mopt := mailrules.Options{InternalDomains: internalDomains}
	if decoys != nil && decoys.reg != nil && decoys.reg.Len() > 0 {
		mopt.Decoys = mailrulesDecoys{decoys}
	}
	out = append(out, mailrules.New(mopt))
	return out, nil
}

// reportRules says on stderr what a rule directory held and which rules
// could not be used, by id and reason.
func (a *app) reportRules(dir string, rep *sigma.Report) {
	if rep == nil || a.quiet {
		return
	}
	fmt.Fprintf(a.stderr, "mailtrip: rules %s: %s\n", dir, rep.Summary())
}
