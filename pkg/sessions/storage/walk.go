package storage

import (
	"context"
	"errors"
	"io/fs"
	"path/filepath"
	"runtime"
	"sort"
	"strings"
	"sync"
	"syscall"
)

const (
	kindOther uint8 = iota
	kindDir
	kindReg
	kindUnknown
)

type rawEnt struct {
	name string
	kind uint8
}

type walkTask struct {
	rel string // the directory, relative to the root ("" = the root), '/'-separated
	id  string // the id so far: the directory names below the root
	fd  int    // the directory already open (linux), or 0 = open rel below the root
}

// childRel is the path of name in the directory rel.
func childRel(rel, name string) string {
	if rel == "" {
		return name
	}
	return rel + "/" + name
}

// walker is the state of one Directory.Walk.
type walker struct {
	d    *Directory
	o    WalkOptions
	m    matcher
	ctx  context.Context
	root walkRoot // the root, opened once: every directory is opened below it

	noAhead bool // sorted walks open every directory by path

	mu      sync.Mutex
	cond    *sync.Cond
	stack   []walkTask
	pending int  // tasks pushed and not finished
	stopped bool // an error or the consumer ended the walk
	err     error
	stats   WalkStats

	out chan []Entry
}

// defaultWorkers: directory reads block in the kernel, on disk when the tree
// is cold, and on hosts that page out idle page cache (DAMON) a tree is
// block-cold again a minute after a walk even while its inodes stay cached.
// Far more goroutines than cores keep the disk queue full then: on 2 cores,
// 64 walked such a 200,000-session tree 16% faster than 8, a cold one 12%
// faster, and a fully cached one as fast (measured in issue 7).
func defaultWorkers() int {
	return min(max(32*runtime.GOMAXPROCS(0), 32), 256)
}

// purgeWorkers: how many files and directories are removed at once. On the
// VM issue 7 was measured on (ext4 mounted -o discard, without a journal)
// every unlink and rmdir waits for a synchronous discard of the block it
// frees; removals in flight overlap those round trips up to what the disk
// serves: removing the old half of a cached 20,000-session tree took 8.84 s
// with 8 workers and 8.75 s with 32 (bench medians, both ~17,000 discards/s;
// find -delete, one at a time, ~3,800/s), and on a block-cold subtree, where
// the reads dominate, 64 were no faster than 8.
func purgeWorkers() int {
	return min(max(4*runtime.GOMAXPROCS(0), 8), 32)
}

// Walk streams the sessions under the root. Directories are read by a
// bounded pool of goroutines (o.Workers); fn is called from the calling
// goroutine only. Files and directories that do not follow Ktor's layout
// (temporary files of interrupted writes, stray names), symbolic links (never
// followed, also one swapped in for a directory during the walk) and anything
// that is not a regular file are skipped and counted in o.Stats. A directory
// that vanishes during the walk (a concurrent purge) is not an error. Entries
// carry the file's Version, for RemoveUnchanged.
func (d *Directory) Walk(ctx context.Context, o WalkOptions, fn func(Entry) error) error {
	root, err := d.openWalkRoot()
	if err != nil {
		return &Error{Store: d.store, Op: "walk", Err: err}
	}
	defer root.close()
	if o.Sorted {
		return d.walkSorted(ctx, root, o, fn)
	}
	parent := ctx
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	workers := o.Workers
	if workers <= 0 {
		workers = defaultWorkers()
	}
	w := &walker{d: d, o: o, m: o.matcher(), ctx: ctx, root: root, out: make(chan []Entry, 2*workers)}
	w.cond = sync.NewCond(&w.mu)
	w.stack = append(w.stack, walkTask{})
	w.pending = 1

	var wg sync.WaitGroup
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			w.work()
		}()
	}
	go func() {
		wg.Wait()
		close(w.out)
	}()
	// stop the workers when the caller's context ends
	stopOnDone := context.AfterFunc(ctx, w.stop)
	defer stopOnDone()

	var fnErr error
	var matched int64
	limit := int64(o.Limit)
	for batch := range w.out {
		if fnErr != nil || (limit > 0 && matched >= limit) {
			continue // drain
		}
		for _, e := range batch {
			if limit > 0 && matched >= limit {
				w.stop()
				break
			}
			matched++
			if err := fn(e); err != nil {
				fnErr = err
				w.stop()
				break
			}
		}
	}
	if o.Stats != nil {
		*o.Stats = w.stats
		o.Stats.Matched = matched
	}
	if fnErr != nil {
		return fnErr
	}
	if w.err != nil {
		return &Error{Store: d.store, Op: "walk", Err: w.err}
	}
	if limit > 0 && matched >= limit {
		return nil
	}
	if err := parent.Err(); err != nil {
		return &Error{Store: d.store, Op: "walk", Err: err}
	}
	return nil
}

func (w *walker) stop() {
	w.mu.Lock()
	w.stopped = true
	w.cond.Broadcast()
	w.mu.Unlock()
}

func (w *walker) fail(err error) {
	w.mu.Lock()
	if w.err == nil {
		w.err = err
	}
	w.stopped = true
	w.cond.Broadcast()
	w.mu.Unlock()
}

// pop takes a task, waiting while others may still push some; false when
// the walk is over.
func (w *walker) pop() (walkTask, bool) {
	w.mu.Lock()
	defer w.mu.Unlock()
	for len(w.stack) == 0 && w.pending > 0 && !w.stopped {
		w.cond.Wait()
	}
	if w.stopped || len(w.stack) == 0 {
		return walkTask{}, false
	}
	t := w.stack[len(w.stack)-1]
	w.stack = w.stack[:len(w.stack)-1]
	return t, true
}

func (w *walker) push(ts []walkTask) {
	w.mu.Lock()
	w.stack = append(w.stack, ts...)
	w.pending += len(ts)
	w.mu.Unlock()
	if len(ts) == 1 {
		w.cond.Signal()
	} else {
		w.cond.Broadcast()
	}
}

func (w *walker) done() {
	w.mu.Lock()
	w.pending--
	if w.pending == 0 {
		w.cond.Broadcast()
	}
	w.mu.Unlock()
}

const batchSize = 128

// work is one worker: it takes a directory, reads it, keeps going into its
// first subdirectory and leaves the others to whoever is free.
func (w *walker) work() {
	l := newLister(w.root)
	var local WalkStats
	var batch []Entry
	var subs []walkTask
	flush := func() bool {
		if len(batch) == 0 {
			return true
		}
		select {
		case w.out <- batch:
			batch = nil
			return true
		case <-w.ctx.Done():
			return false
		}
	}
	defer func() {
		flush()
		w.mu.Lock()
		w.stats.Dirs += local.Dirs
		w.stats.Files += local.Files
		w.stats.Skipped += local.Skipped
		w.stats.Vanished += local.Vanished
		w.stats.EmptyDirs += local.EmptyDirs
		w.stats.Pruned += local.Pruned
		w.mu.Unlock()
	}()
	for {
		w.mu.Lock()
		idle := len(w.stack) == 0
		w.mu.Unlock()
		if idle && !flush() {
			return
		}
		t, ok := w.pop()
		if !ok {
			return
		}
		for {
			subs = subs[:0]
			var err error
			batch, subs, err = w.readDir(l, t, batch, subs, &local)
			if err != nil {
				w.fail(err)
				closeSubs(subs)
				w.done()
				return
			}
			if len(batch) >= batchSize && !flush() {
				closeSubs(subs)
				w.done()
				return
			}
			if len(subs) == 0 {
				break
			}
			t = subs[0]
			if len(subs) > 1 {
				w.push(subs[1:])
			}
			if w.ctx.Err() != nil {
				closeSubs(subs[:1])
				break
			}
		}
		w.done()
	}
}

// dirOK reports whether a directory name can be a piece of an id under
// prefix id: two UTF-16 code units, and compatible with the id prefix filter.
func (w *walker) dirOK(id, name string) (string, bool) {
	if pieceUnits(name) != 2 {
		return "", false
	}
	nid := id + name
	if p := w.m.prefix; p != "" && !strings.HasPrefix(nid, p) && !strings.HasPrefix(p, nid) {
		return "", true
	}
	return nid, true
}

// readDir reads the directory of t, appends the matching sessions to batch
// and the subdirectories to walk to subs.
func (w *walker) readDir(l *lister, t walkTask, batch []Entry, subs []walkTask, st *WalkStats) ([]Entry, []walkTask, error) {
	if t.fd > 0 {
		l.adopt(t.fd)
	} else if err := l.open(t.rel); err != nil {
		switch {
		case t.rel == "":
		case vanished(err):
			st.Vanished++
			return batch, subs, nil
		case isLink(err): // a directory replaced by a link since it was listed: not followed
			st.Skipped++
			return batch, subs, nil
		}
		return batch, subs, &fs.PathError{Op: "open", Path: w.d.root + string(filepath.Separator) + t.rel, Err: err}
	}
	defer l.close()
	st.Dirs++
	if err := l.read(); err != nil {
		if vanished(err) && t.rel != "" {
			st.Vanished++
			return batch, subs, nil
		}
		return batch, subs, &fs.PathError{Op: "readdir", Path: w.d.root + string(filepath.Separator) + t.rel, Err: err}
	}
	if len(l.ents) == 0 && t.rel != "" {
		st.EmptyDirs++
		if w.o.PruneEmpty {
			if mod, err := l.modTime(); err == nil && w.m.now.Sub(mod) >= EmptyDirGrace {
				st.Pruned += int64(l.prune(t.rel))
			}
		}
		return batch, subs, nil
	}
	for _, e := range l.ents {
		k := e.kind
		if k == kindUnknown {
			sk, err := l.kind(e.name)
			if err != nil {
				st.Vanished++
				continue
			}
			k = sk
		}
		switch k {
		case kindDir:
			nid, ok := w.dirOK(t.id, e.name)
			if !ok {
				st.Skipped++
				continue
			}
			if nid == "" {
				continue // outside the id prefix
			}
			subs = append(subs, walkTask{rel: childRel(t.rel, e.name), id: nid})
		case kindReg:
			en, ok, err := w.file(l, t, e.name, st)
			if err != nil {
				return batch, subs, err
			}
			if ok {
				batch = append(batch, en)
			}
		default:
			st.Skipped++
		}
	}
	// the worker goes on into the first subdirectory: open it relative to
	// this one while it is still open
	if len(subs) > 0 && !w.noAhead {
		_, name := splitRel(subs[0].rel)
		if fd := l.openChild(name); fd > 0 {
			subs[0].fd = fd
		}
	}
	return batch, subs, nil
}

// closeSubs closes a directory opened ahead for a task that will not run.
func closeSubs(subs []walkTask) {
	for _, s := range subs {
		if s.fd > 0 {
			closeFD(s.fd)
		}
	}
}

// file turns one regular file into an Entry, if it is a session that matches.
func (w *walker) file(l *lister, t walkTask, name string, st *WalkStats) (Entry, bool, error) {
	stem, ok := strings.CutSuffix(name, ".dat")
	if u := pieceUnits(stem); !ok || u < 1 || u > 2 {
		st.Skipped++
		return Entry{}, false, nil
	}
	id := t.id + stem
	if ValidateID(id) != nil {
		st.Skipped++
		return Entry{}, false, nil
	}
	st.Files++
	if !w.m.id(id) {
		return Entry{}, false, nil
	}
	var e Entry
	var k uint8
	var err error
	if w.o.WithValue {
		// opened without following a link or blocking, checked to be a regular file, read up to
		// MaxSessionSize: the Version is the one of the file read
		e, k, err = l.readFile(name)
	} else {
		e, k, err = l.stat(name)
	}
	if err != nil {
		if vanished(err) {
			st.Vanished++
			return Entry{}, false, nil
		}
		if isLink(err) || errors.Is(err, ErrTooLarge) {
			st.Skipped++
			return Entry{}, false, nil
		}
		return Entry{}, false, &fs.PathError{Op: "read", Path: w.d.root + string(filepath.Separator) + childRel(t.rel, name), Err: err}
	}
	if k != kindReg {
		st.Skipped++
		return Entry{}, false, nil
	}
	if !w.m.age(e.Modified) {
		return Entry{}, false, nil
	}
	e.ID, e.TTL = id, -1
	return e, true, nil
}

func vanished(err error) bool {
	return errors.Is(err, fs.ErrNotExist) || errors.Is(err, syscall.ENOTDIR)
}

// walkSorted is the deterministic walk: one goroutine, depth first, entries
// in id order (at each level a file "ab.dat" comes before the directory "ab").
func (d *Directory) walkSorted(ctx context.Context, root walkRoot, o WalkOptions, fn func(Entry) error) error {
	w := &walker{d: d, o: o, m: o.matcher(), ctx: ctx, root: root, noAhead: true}
	l := newLister(root)
	var matched int64
	var stop = errors.New("stop")
	var visit func(t walkTask) error
	visit = func(t walkTask) error {
		if err := ctx.Err(); err != nil {
			return err
		}
		var subs []walkTask
		batch, subs, err := w.readDir(l, t, nil, subs, &w.stats)
		if err != nil {
			return err
		}
		type item struct {
			key  string
			e    *Entry
			task *walkTask
		}
		items := make([]item, 0, len(batch)+len(subs))
		for i := range batch {
			items = append(items, item{key: batch[i].ID, e: &batch[i]})
		}
		for i := range subs {
			items = append(items, item{key: subs[i].id, task: &subs[i]})
		}
		sort.Slice(items, func(i, j int) bool {
			if items[i].key != items[j].key {
				return items[i].key < items[j].key
			}
			return items[i].e != nil && items[j].e == nil
		})
		for _, it := range items {
			if it.e != nil {
				if o.Limit > 0 && matched >= int64(o.Limit) {
					return stop
				}
				matched++
				if err := fn(*it.e); err != nil {
					return &fnError{err}
				}
				continue
			}
			if err := visit(*it.task); err != nil {
				return err
			}
		}
		return nil
	}
	err := visit(walkTask{})
	if o.Stats != nil {
		*o.Stats = w.stats
		o.Stats.Matched = matched
	}
	var fe *fnError
	switch {
	case err == nil || err == stop:
		return nil
	case errors.As(err, &fe):
		return fe.err
	default:
		return &Error{Store: d.store, Op: "walk", Err: err}
	}
}

type fnError struct{ err error }

func (e *fnError) Error() string { return e.err.Error() }
