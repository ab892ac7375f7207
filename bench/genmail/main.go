// Command genmail writes a deterministic, labelled mail store for the
// benchmarks and for manual testing:
//
//	go run ./bench/genmail -size 1GiB -format mbox -out /tmp/bench.mbox -seed 1
//
// It writes the store (an mbox file, a Maildir++ root or a folder of .eml
// files) and the ground-truth labels, one JSON object per line, to
// PATH.labels.jsonl. Progress goes to stderr.
package main

import (
	"bufio"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/mailtrip/mailtrip/internal/mailgen"
)

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

func run(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("genmail", flag.ContinueOnError)
	fs.SetOutput(stderr)
	size := fs.String("size", "", "stop after about this many bytes (KiB, MiB, GiB suffixes; default 100MiB unless -messages is given)")
	count := fs.Int("messages", 0, "stop after this many messages (0: no limit)")
	format := fs.String("format", "mbox", "output format: mbox, maildir or eml")
	out := fs.String("out", "", "output path (mbox file, Maildir root or .eml folder)")
	seed := fs.Int64("seed", 1, "random seed")
	scenario := fs.String("scenario", "", "mailbox preset: hidden-rule, manual-forwarder, no-forwards (default: the default mix)")
	crlf := fs.Bool("crlf", false, "write CRLF line ends")
	labelsPath := fs.String("labels", "", "labels file (default OUT.labels.jsonl)")
	quiet := fs.Bool("q", false, "no progress")
	version := fs.Bool("version", false, "print the generator version (changes when output for a seed changes) and exit")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if *version {
		fmt.Fprintln(stdout, mailgen.Version)
		return 0
	}
	if *out == "" || fs.NArg() > 0 {
		fmt.Fprintln(stderr, "genmail: -out is required")
		fs.Usage()
		return 2
	}
	if *size == "" && *count == 0 {
		*size = "100MiB"
	}
	maxBytes, err := parseSize(*size)
	if err != nil {
		fmt.Fprintf(stderr, "genmail: -size: %v\n", err)
		return 2
	}
	cfg := mailgen.Config{Seed: *seed, Messages: *count, MaxBytes: maxBytes}
	if *scenario != "" {
		cfg = mailgen.ScenarioConfig(mailgen.Scenario(*scenario), *seed, *count)
		cfg.MaxBytes = maxBytes
	}
	cfg.CRLF = *crlf
	if cfg.Messages == 0 && cfg.MaxBytes == 0 {
		fmt.Fprintln(stderr, "genmail: give -size or -messages")
		return 2
	}

	start := time.Now()
	last := start
	progress := func(n int, b int64) {
		if *quiet || time.Since(last) < 500*time.Millisecond {
			return
		}
		last = time.Now()
		el := time.Since(start).Seconds()
		pct := ""
		if maxBytes > 0 {
			pct = fmt.Sprintf(" %5.1f%%", 100*float64(b)/float64(maxBytes))
		}
		fmt.Fprintf(stderr, "\rgenmail: %d messages, %.1f MiB%s, %.0f MiB/s   ", n, float64(b)/(1<<20), pct, float64(b)/(1<<20)/el)
	}

	var labels []mailgen.Label
	switch *format {
	case "mbox":
		f, err := os.Create(*out)
		if err != nil {
			fmt.Fprintf(stderr, "genmail: %v\n", err)
			return 1
		}
		labels, err = mailgen.WriteMboxProgress(f, cfg, progress)
		if cerr := f.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			fmt.Fprintf(stderr, "genmail: %v\n", err)
			return 1
		}
		for i := range labels {
			labels[i].Mailbox = *out
		}
	case "maildir":
		labels, err = mailgen.WriteMaildirProgress(*out, cfg, progress)
	case "eml":
		labels, err = mailgen.WriteEMLDirProgress(*out, cfg, progress)
	default:
		fmt.Fprintf(stderr, "genmail: unknown -format %q (mbox, maildir, eml)\n", *format)
		return 2
	}
	if err != nil {
		fmt.Fprintf(stderr, "genmail: %v\n", err)
		return 1
	}
	if *labelsPath == "" {
		*labelsPath = strings.TrimSuffix(*out, "/") + ".labels.jsonl"
	}
	if err := writeLabels(*labelsPath, labels); err != nil {
		fmt.Fprintf(stderr, "genmail: %v\n", err)
		return 1
	}
	var total int64
	counts := map[string]int{}
	for _, l := range labels {
		total += l.Size
		counts[l.Class]++
	}
	el := time.Since(start)
	if !*quiet {
		fmt.Fprintf(stderr, "\rgenmail: wrote %d messages, %d bytes (%.1f MiB) to %s in %.2fs (%.0f MiB/s)\n",
			len(labels), total, float64(total)/(1<<20), *out, el.Seconds(), float64(total)/(1<<20)/el.Seconds())
		for _, c := range mailgen.Classes {
			if counts[c] > 0 {
				fmt.Fprintf(stderr, "genmail:   %-22s %d\n", c, counts[c])
			}
		}
		fmt.Fprintf(stderr, "genmail: labels in %s\n", *labelsPath)
	}
	return 0
}

func writeLabels(path string, labels []mailgen.Label) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	bw := bufio.NewWriter(f)
	enc := json.NewEncoder(bw)
	enc.SetEscapeHTML(false) // Message-IDs keep their angle brackets
	for _, l := range labels {
		if err := enc.Encode(l); err != nil {
			f.Close()
			return fmt.Errorf("write labels: %w", err)
		}
	}
	if err := bw.Flush(); err != nil {
		f.Close()
		return fmt.Errorf("write labels: %w", err)
	}
	return f.Close()
}

// parseSize reads "1GiB", "20MiB", "512KiB", "1000" (bytes); "GB"/"MB"/"KB"
// and "G"/"M"/"K" are taken as binary units too.
func parseSize(s string) (int64, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return 0, nil
	}
	mult := int64(1)
	for _, u := range []struct {
		suffix string
		mult   int64
	}{{"GiB", 1 << 30}, {"MiB", 1 << 20}, {"KiB", 1 << 10}, {"GB", 1 << 30}, {"MB", 1 << 20}, {"KB", 1 << 10},
		{"G", 1 << 30}, {"M", 1 << 20}, {"K", 1 << 10}, {"B", 1}} {
		if strings.HasSuffix(s, u.suffix) {
			s, mult = strings.TrimSuffix(s, u.suffix), u.mult
			break
		}
	}
	f, err := strconv.ParseFloat(strings.TrimSpace(s), 64)
	if err != nil || f < 0 {
		return 0, errors.New("want a size like 1GiB, 20MiB or 4096")
	}
	return int64(f * float64(mult)), nil
}
