// Command rediscluster runs `storage list --json` and `storage purge --older-than D --yes` of
// sessionctl on a Redis Cluster through the storage library, for bench/bench.py when the CLI of
// the build has no redis+cluster:// store URL (issue 17 item 2): the same Walk, the same batches
// of 1,000 entries given to RemoveUnchanged, the same JSON line per listed session.
//
//	rediscluster -addrs h1:p1,h2:p2,h3:p3 [-prefix sess:] list > out
//	rediscluster -addrs … purge -older-than 720h
package main

import (
	"bufio"
	"context"
	"flag"
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/sessionctl/sessionctl/pkg/sessions/storage"
)

func main() {
	addrs := flag.String("addrs", "", "the cluster's nodes, comma-separated")
	prefix := flag.String("prefix", "sess:", "key prefix")
	flag.Parse()
	if *addrs == "" || flag.NArg() < 1 {
		fmt.Fprintln(os.Stderr, "usage: rediscluster -addrs h:p,… list|purge -older-than D")
		os.Exit(2)
	}
	c := redis.NewClusterClient(&redis.ClusterOptions{Addrs: strings.Split(*addrs, ",")})
	defer c.Close()
	r := storage.NewRedis(c, *prefix, 0)
	ctx := context.Background()
	var err error
	switch flag.Arg(0) {
	case "list":
		err = list(ctx, r)
	case "purge":
		fs := flag.NewFlagSet("purge", flag.ExitOnError)
		older := fs.Duration("older-than", 0, "")
		fs.Parse(flag.Args()[1:])
		err = purge(ctx, r, *older)
	default:
		err = fmt.Errorf("unknown command %q", flag.Arg(0))
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "rediscluster:", err)
		os.Exit(3)
	}
}

func list(ctx context.Context, r *storage.Redis) error {
	w := bufio.NewWriterSize(os.Stdout, 256<<10)
	defer w.Flush()
	now := time.Now()
	var b []byte
	return r.Walk(ctx, storage.WalkOptions{Now: now}, func(e storage.Entry) error {
		b = append(b[:0], `{"id":"`...)
		b = append(b, e.ID...)
		b = append(b, `","size":`...)
		b = strconv.AppendInt(b, e.Size, 10)
		b = append(b, `,"modified":"`...)
		b = e.Modified.UTC().AppendFormat(b, time.RFC3339)
		b = append(b, `","age_seconds":`...)
		b = strconv.AppendInt(b, int64(now.Sub(e.Modified)/time.Second), 10)
		b = append(b, "}\n"...)
		_, err := w.Write(b)
		return err
	})
}

func purge(ctx context.Context, r *storage.Redis, older time.Duration) error {
	if older <= 0 {
		return fmt.Errorf("purge wants -older-than")
	}
	var done storage.RemoveCounts
	var pending []storage.Entry
	flush := func() error {
		if len(pending) == 0 {
			return nil
		}
		res, err := r.RemoveUnchanged(ctx, pending)
		done.Add(res.RemoveCounts)
		pending = pending[:0]
		return err
	}
	err := r.Walk(ctx, storage.WalkOptions{OlderThan: older, Now: time.Now()}, func(e storage.Entry) error {
		pending = append(pending, e)
		if len(pending) >= 1000 {
			return flush()
		}
		return nil
	})
	if err == nil {
		err = flush()
	}
	fmt.Fprintf(os.Stderr, "purged %d; changed %d, missing %d, not sessions %d, unknown %d\n",
		done.Removed, done.Changed, done.Missing, done.NotSession, done.Unknown)
	return err
}
