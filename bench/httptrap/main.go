// Command httptrap-bench serves the HTTP trap (or, for comparison, a bare
// net/http handler returning the same 1×1 PNG) for wrk to load; see
// bench.sh. It runs until SIGINT or SIGTERM and then prints its counters
// as one JSON line on stdout.
//
//	go run ./bench/httptrap -addr 127.0.0.1:18025 -mode trap -recorder file -file /tmp/hits.jsonl
package main

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"image"
	"image/png"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"runtime/pprof"
	"strconv"
	"syscall"
	"time"

	"github.com/mailtrip/mailtrip/bench/httptrap/filerec"
	"github.com/mailtrip/mailtrip/tripwire"
	"github.com/mailtrip/mailtrip/tripwire/httptrap"
)

func main() { os.Exit(run()) }

func run() int {
	addr := flag.String("addr", "127.0.0.1:18025", "listen address")
	mode := flag.String("mode", "trap", "trap: the HTTP trap; bare: a bare net/http handler returning the same image")
	recName := flag.String("recorder", "file", "trap recorder: file (JSON lines, group-committed fsync) or noop")
	file := flag.String("file", "", "file for -recorder file (default: a temporary file, removed at exit)")
	batch := flag.Int("batch", 512, "most hits one fsync covers")
	nosync := flag.Bool("nosync", false, "file recorder without fsync (page cache only)")
	cpuProfile := flag.String("cpuprofile", "", "write a CPU profile of the run to FILE")
	flag.Parse()
	if *cpuProfile != "" {
		f, err := os.Create(*cpuProfile)
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			return 2
		}
		if err := pprof.StartCPUProfile(f); err != nil {
			fmt.Fprintln(os.Stderr, err)
			return 2
		}
		defer func() { pprof.StopCPUProfile(); f.Close() }()
	}

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 2
	}
	log := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))

	var out = map[string]any{"mode": *mode}
	switch *mode {
	case "bare":
		srv := &http.Server{Handler: bare(), ReadHeaderTimeout: 5 * time.Second}
		go func() { <-ctx.Done(); srv.Shutdown(context.Background()) }()
		if err := srv.Serve(ln); err != nil && err != http.ErrServerClosed {
			fmt.Fprintln(os.Stderr, err)
			return 1
		}
	case "trap":
		var rec tripwire.Recorder = tripwire.RecorderFunc(func(context.Context, tripwire.Hit) (tripwire.Result, error) {
			return tripwire.Result{}, nil
		})
		var fr *filerec.Recorder
		if *recName == "file" {
			path := *file
			if path == "" {
				f, err := os.CreateTemp("", "httptrap-bench-*.jsonl")
				if err != nil {
					fmt.Fprintln(os.Stderr, err)
					return 1
				}
				f.Close()
				path = f.Name()
				defer os.Remove(path)
			}
			if fr, err = filerec.Open(path, *batch, !*nosync); err != nil {
				fmt.Fprintln(os.Stderr, err)
				return 1
			}
			rec = fr
		}
		s := httptrap.New(httptrap.Config{}, rec, log)
		if err := s.Serve(ctx, ln); err != nil {
			fmt.Fprintln(os.Stderr, err)
			return 1
		}
		out["recorder"] = *recName
		out["stats"] = s.Stats()
		if fr != nil {
			fr.Close()
			lines, batches := fr.Stats()
			out["lines"], out["fsyncs"] = lines, batches
			if batches > 0 {
				out["hits_per_fsync"] = float64(lines) / float64(batches)
			}
		}
	default:
		fmt.Fprintf(os.Stderr, "unknown -mode %q\n", *mode)
		return 2
	}
	json.NewEncoder(os.Stdout).Encode(out)
	return 0
}

// bare answers every request with a 1×1 transparent PNG and the same
// headers the trap sends, and does nothing else.
func bare() http.Handler {
	var b bytes.Buffer
	png.Encode(&b, image.NewNRGBA(image.Rect(0, 0, 1, 1)))
	body := b.Bytes()
	n := strconv.Itoa(len(body))
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("Cache-Control", "no-store, no-cache, must-revalidate, private")
		h.Set("Pragma", "no-cache")
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Referrer-Policy", "no-referrer")
		h.Set("Content-Type", "image/png")
		h.Set("Content-Length", n)
		w.WriteHeader(http.StatusOK)
		w.Write(body)
	})
}
