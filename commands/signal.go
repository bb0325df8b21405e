package commands

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/signal"
	"sync/atomic"
	"syscall"
	"time"
)

// interrupts catches SIGINT and SIGTERM for a command that writes or removes (purge, invalidate,
// rotate -o): the first one cancels the command's context, so that it stops at its next safe
// point (between two sessions, between two input blocks), removes its temporary files, prints
// what it did and exits 128+signal (130, 143). A second signal is not caught: its default action
// ends the process at once.
type interrupts struct {
	sig  atomic.Value // os.Signal, once caught
	done chan struct{}
	ch   chan os.Signal
}

func catchInterrupts(parent context.Context) (context.Context, *interrupts) {
	ctx, cancel := context.WithCancel(parent)
	in := &interrupts{done: make(chan struct{}), ch: make(chan os.Signal, 1)}
	signal.Notify(in.ch, os.Interrupt, syscall.SIGTERM)
	go func() {
		defer cancel()
		select {
		case s := <-in.ch:
			in.sig.Store(s)
			signal.Stop(in.ch)
		case <-in.done:
		}
	}()
	return ctx, in
}

// release stops catching signals (the command is done).
func (in *interrupts) release() {
	signal.Stop(in.ch)
	select {
	case <-in.done:
	default:
		close(in.done)
	}
}

// caught is the signal that interrupted the command, nil if none did.
func (in *interrupts) caught() os.Signal {
	s, _ := in.sig.Load().(os.Signal)
	return s
}

// status is the exit status of a command the signal interrupted: 128 + its number.
func (in *interrupts) status() int {
	if s, ok := in.caught().(syscall.Signal); ok {
		return 128 + int(s)
	}
	return 128 + int(syscall.SIGINT)
}

// name is the signal's name as people know it ("SIGINT").
func (in *interrupts) name() string {
	switch in.caught() {
	case os.Interrupt:
		return "SIGINT"
	case syscall.SIGTERM:
		return "SIGTERM"
	}
	return fmt.Sprint(in.caught())
}

// interrupted is the error of a command stopped by a signal: it has printed its summary.
func (in *interrupts) interrupted() error { return silentExit(in.status()) }

// forceAfter: when a signal was caught and the command has not finished d after it (a read
// blocked on a pipe that sends nothing), cleanup runs and the signal is sent again, with its
// default action now: the process ends by it.
func (in *interrupts) forceAfter(ctx context.Context, d time.Duration, finished <-chan struct{}, cleanup func()) {
	go func() {
		select {
		case <-ctx.Done():
		case <-finished:
			return
		}
		s := in.caught()
		if s == nil {
			return
		}
		select {
		case <-finished:
		case <-time.After(d):
			cleanup()
			if p, err := os.FindProcess(os.Getpid()); err == nil {
				p.Signal(s)
			}
		}
	}()
}

// ctxReader stops reading once ctx ends: a command interrupted between two reads.
type ctxReader struct {
	ctx context.Context
	r   io.Reader
}

func (c ctxReader) Read(p []byte) (int, error) {
	if err := c.ctx.Err(); err != nil {
		return 0, err
	}
	return c.r.Read(p)
}
