// Command httpload measures requests per second through a real net/http
// server on loopback for each session library of internal/benchapp
// (sessionctl by value and by id, gorilla/sessions, alexedwards/scs, and the
// bare handler), side by side in one run.
//
//	httpload [-conns 8] [-duration 2s] [-max 200000] [-rounds 3] [-json out.json]
//
// Every application gets its own server on 127.0.0.1 (a free port), a
// session from one GET /write, then -conns keep-alive clients that send GET
// /read or GET /write with that cookie, as fast as they can, for -duration
// or until -max requests, whichever comes first. A round measures every
// application and operation once, the order rotated each round; the figure
// kept is the median of -rounds rounds. Only loopback is used, and nothing
// runs longer than rounds × 10 × duration.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"sort"
	"sync"
	"sync/atomic"
	"time"

	"github.com/sessionctl/sessionctl/internal/benchapp"
)

type result struct {
	App      string    `json:"app"`
	Op       string    `json:"op"`
	ReqPerS  float64   `json:"req_per_s"` // median of the rounds
	Rounds   []float64 `json:"rounds"`
	Requests int64     `json:"requests"` // of the median round
	Errors   int64     `json:"errors"`   // over every round
}

type report struct {
	Conns    int       `json:"conns"`
	Duration string    `json:"duration"`
	Max      int64     `json:"max"`
	Rounds   int       `json:"rounds"`
	Started  time.Time `json:"started"`
	Results  []result  `json:"results"`
}

func main() {
	conns := flag.Int("conns", 8, "concurrent keep-alive clients")
	duration := flag.Duration("duration", 2*time.Second, "time per measurement")
	maxReq := flag.Int64("max", 200000, "requests per measurement at most")
	rounds := flag.Int("rounds", 3, "rounds (the median is kept)")
	out := flag.String("json", "", "write the results as JSON to this file")
	flag.Parse()
	if *conns < 1 || *rounds < 1 || *duration <= 0 || *duration > time.Minute || *maxReq < 1 {
		fmt.Fprintln(os.Stderr, "httpload: -conns, -rounds, -max must be >= 1 and -duration in (0, 1m]")
		os.Exit(2)
	}
	if err := run(*conns, *duration, *maxReq, *rounds, *out); err != nil {
		fmt.Fprintln(os.Stderr, "httpload:", err)
		os.Exit(1)
	}
}

type target struct {
	app    benchapp.App
	url    string
	cookie string
	srv    *http.Server
}

func run(conns int, duration time.Duration, maxReq int64, rounds int, out string) error {
	apps, err := benchapp.Apps()
	if err != nil {
		return err
	}
	var targets []*target
	defer func() {
		for _, t := range targets {
			t.srv.Close()
		}
	}()
	for _, a := range apps {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return err
		}
		t := &target{app: a, url: "http://" + ln.Addr().String(), srv: &http.Server{Handler: a.Handler, ReadHeaderTimeout: 5 * time.Second}}
		go t.srv.Serve(ln)
		targets = append(targets, t)
	}
	client := &http.Client{Timeout: 5 * time.Second, Transport: &http.Transport{
		MaxIdleConns: conns * 2, MaxIdleConnsPerHost: conns * 2, DisableCompression: true, IdleConnTimeout: time.Minute,
	}}
	for _, t := range targets {
		if t.app.Name == "bare" {
			continue
		}
		res, err := client.Get(t.url + "/write")
		if err != nil {
			return err
		}
		io.Copy(io.Discard, res.Body)
		res.Body.Close()
		cs := res.Cookies()
		if len(cs) == 0 {
			return fmt.Errorf("%s: the first /write set no cookie", t.app.Name)
		}
		t.cookie = cs[0].Name + "=" + cs[0].Value
	}
	type key struct{ app, op string }
	samples := map[key][]float64{}
	counts := map[key][]int64{}
	errs := map[key]int64{}
	ops := []string{"read", "write"}
	rep := report{Conns: conns, Duration: duration.String(), Max: maxReq, Rounds: rounds, Started: time.Now().UTC()}
	for r := 0; r < rounds; r++ {
		for k := range targets {
			t := targets[(k+r)%len(targets)]
			for _, op := range ops {
				n, e, el := measure(client, t.url+"/"+op, t.cookie, conns, duration, maxReq)
				kk := key{t.app.Name, op}
				samples[kk] = append(samples[kk], float64(n)/el.Seconds())
				counts[kk] = append(counts[kk], n)
				errs[kk] += e
				fmt.Fprintf(os.Stderr, "httpload: round %d %-16s %-5s %9.0f req/s (%d requests, %d errors)\n", r+1, t.app.Name, op, float64(n)/el.Seconds(), n, e)
			}
		}
	}
	for _, a := range apps {
		for _, op := range ops {
			kk := key{a.Name, op}
			med, i := median(samples[kk])
			rep.Results = append(rep.Results, result{App: a.Name, Op: op, ReqPerS: med, Rounds: samples[kk], Requests: counts[kk][i], Errors: errs[kk]})
		}
	}
	printTable(rep)
	if out != "" {
		b, _ := json.MarshalIndent(rep, "", "  ")
		if err := os.WriteFile(out, append(b, '\n'), 0o644); err != nil {
			return err
		}
	}
	for _, r := range rep.Results {
		if r.Errors > 0 {
			return fmt.Errorf("%s %s: %d failed requests", r.App, r.Op, r.Errors)
		}
	}
	return nil
}

// measure runs conns clients against url until duration or maxReq.
func measure(client *http.Client, url, cookie string, conns int, duration time.Duration, maxReq int64) (n, errs int64, elapsed time.Duration) {
	ctx, cancel := context.WithTimeout(context.Background(), duration)
	defer cancel()
	var done, failed atomic.Int64
	var wg sync.WaitGroup
	start := time.Now()
	for range conns {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for ctx.Err() == nil {
				if done.Add(1) > maxReq {
					done.Add(-1)
					return
				}
				req, _ := http.NewRequestWithContext(ctx, "GET", url, nil)
				if cookie != "" {
					req.Header.Set("Cookie", cookie)
				}
				res, err := client.Do(req)
				if err != nil {
					done.Add(-1)
					if !errors.Is(err, context.DeadlineExceeded) && ctx.Err() == nil {
						failed.Add(1)
					}
					continue
				}
				io.Copy(io.Discard, res.Body)
				res.Body.Close()
				if res.StatusCode != 200 {
					failed.Add(1)
				}
			}
		}()
	}
	wg.Wait()
	return done.Load(), failed.Load(), time.Since(start)
}

func median(xs []float64) (float64, int) {
	idx := make([]int, len(xs))
	for i := range idx {
		idx[i] = i
	}
	sort.Slice(idx, func(a, b int) bool { return xs[idx[a]] < xs[idx[b]] })
	m := idx[len(idx)/2]
	return xs[m], m
}

func printTable(rep report) {
	by := map[string]float64{}
	for _, r := range rep.Results {
		by[r.App+"/"+r.Op] = r.ReqPerS
	}
	fmt.Printf("loopback, %d keep-alive clients, %s or %d requests per measurement, median of %d rounds\n", rep.Conns, rep.Duration, rep.Max, rep.Rounds)
	fmt.Printf("%-18s %-6s %12s %14s %10s\n", "app", "op", "req/s", "vs gorilla", "vs scs")
	for _, r := range rep.Results {
		fmt.Printf("%-18s %-6s %12.0f %13.2fx %9.2fx\n", r.App, r.Op, r.ReqPerS, r.ReqPerS/by["gorilla/"+r.Op], r.ReqPerS/by["scs/"+r.Op])
	}
}
