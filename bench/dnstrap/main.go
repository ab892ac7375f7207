// Command dnstrap-bench measures DNS trap queries per second with a Go
// load client: -c goroutines, each with its own UDP socket, send a query
// for a token name (vpn-<sub>.<zone>, sub-ids rotating over 1024) and wait
// for its answer. Queries are built by hand (this command does not import
// miekg/dns; only tripwire/dnstrap may). By default it serves the trap
// in-process on 127.0.0.1 with a no-op or a durable file recorder; with
// -addr it loads a trap that is already running.
//
//	go run ./bench/dnstrap -c 16 -d 10s -recorder file
package main

import (
	"context"
	"crypto/rand"
	"encoding/binary"
	"encoding/json"
	"flag"
	"fmt"
	"log/slog"
	"net"
	"net/netip"
	"os"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/mailtrip/mailtrip/bench/httptrap/filerec"
	"github.com/mailtrip/mailtrip/tripwire"
	"github.com/mailtrip/mailtrip/tripwire/dnstrap"
)

func main() { os.Exit(run()) }

func run() int {
	addr := flag.String("addr", "", "trap to load (host:port); empty: serve one in-process")
	zone := flag.String("zone", "canary.test", "zone of the query names")
	conc := flag.Int("c", 16, "concurrent clients")
	dur := flag.Duration("d", 10*time.Second, "duration")
	recName := flag.String("recorder", "noop", "in-process recorder: noop or file (JSON lines, group-committed fsync)")
	flag.Parse()

	var out = map[string]any{"clients": *conc, "duration": dur.String()}
	target := *addr
	if target == "" {
		pc, err := net.ListenPacket("udp", "127.0.0.1:0")
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			return 1
		}
		var rec tripwire.Recorder = tripwire.RecorderFunc(func(context.Context, tripwire.Hit) (tripwire.Result, error) {
			return tripwire.Result{}, nil
		})
		if *recName == "file" {
			f, err := os.CreateTemp("", "dnstrap-bench-*.jsonl")
			if err != nil {
				fmt.Fprintln(os.Stderr, err)
				return 1
			}
			f.Close()
			defer os.Remove(f.Name())
			fr, err := filerec.Open(f.Name(), 512, true)
			if err != nil {
				fmt.Fprintln(os.Stderr, err)
				return 1
			}
			defer func() {
				fr.Close()
				lines, batches := fr.Stats()
				fmt.Fprintf(os.Stderr, "file recorder: %d lines, %d fsyncs\n", lines, batches)
			}()
			rec = fr
		}
		s := dnstrap.New(dnstrap.Config{Zone: *zone, A: []netip.Addr{netip.MustParseAddr("127.0.0.1")}},
			rec, slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn})))
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan error, 1)
		go func() { done <- s.ServeUDP(ctx, pc) }()
		defer func() {
			cancel()
			<-done
		}()
		defer func() { out["stats"] = s.Stats(); json.NewEncoder(os.Stdout).Encode(out) }()
		target = pc.LocalAddr().String()
		out["recorder"] = *recName
	}

	names := make([][]byte, 1024)
	for i := range names {
		names[i] = packName("vpn-" + randSub() + "." + *zone)
	}
	var sent, answered, timeouts atomic.Int64
	lat := make([][]time.Duration, *conc)
	deadline := time.Now().Add(*dur)
	var wg sync.WaitGroup
	for c := range *conc {
		wg.Add(1)
		go func() {
			defer wg.Done()
			conn, err := net.Dial("udp", target)
			if err != nil {
				fmt.Fprintln(os.Stderr, err)
				return
			}
			defer conn.Close()
			buf := make([]byte, 1500)
			q := make([]byte, 0, 300)
			for i := c; time.Now().Before(deadline); i++ {
				id := uint16(i)
				q = query(q[:0], id, names[i%len(names)])
				began := time.Now()
				sent.Add(1)
				conn.SetReadDeadline(began.Add(time.Second))
				if _, err := conn.Write(q); err != nil {
					continue
				}
				for {
					n, err := conn.Read(buf)
					if err != nil {
						timeouts.Add(1)
						break
					}
					if n >= 12 && binary.BigEndian.Uint16(buf) == id {
						answered.Add(1)
						if i%16 == 0 {
							lat[c] = append(lat[c], time.Since(began))
						}
						break
					}
				}
			}
		}()
	}
	wg.Wait()
	all := slices.Concat(lat...)
	slices.Sort(all)
	pct := func(p float64) string {
		if len(all) == 0 {
			return "-"
		}
		return all[int(p*float64(len(all)-1))].String()
	}
	qps := float64(answered.Load()) / dur.Seconds()
	out["sent"], out["answered"], out["timeouts"] = sent.Load(), answered.Load(), timeouts.Load()
	out["queries_per_s"] = int(qps)
	out["p50"], out["p99"] = pct(0.50), pct(0.99)
	if *addr != "" {
		json.NewEncoder(os.Stdout).Encode(out)
	}
	return 0
}

// randSub returns 16 random characters of the token alphabet.
func randSub() string {
	const alpha = "abcdefghijklmnopqrstuvwxyz234567"
	b := make([]byte, 16)
	rand.Read(b)
	for i := range b {
		b[i] = alpha[b[i]%32]
	}
	return string(b)
}

// packName writes name in DNS wire form (RFC 1035 §3.1).
func packName(name string) []byte {
	var b []byte
	for l := range strings.SplitSeq(strings.TrimSuffix(name, "."), ".") {
		b = append(b, byte(len(l)))
		b = append(b, l...)
	}
	return append(b, 0)
}

// query appends a query for A of the wire name: header (id, no flags, one
// question), question, and an EDNS0 OPT record offering 1232 bytes.
func query(b []byte, id uint16, wire []byte) []byte {
	b = binary.BigEndian.AppendUint16(b, id)
	b = append(b, 0, 0, 0, 1, 0, 0, 0, 0, 0, 1)
	b = append(b, wire...)
	b = append(b, 0, 1, 0, 1)                             // A, IN
	b = append(b, 0, 0, 41, 0x04, 0xd0, 0, 0, 0, 0, 0, 0) // OPT: root, type 41, size 1232, ttl 0, rdlen 0
	return b
}
