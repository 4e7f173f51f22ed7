package store

import (
	"context"
	"errors"
	"fmt"
	"sync"
)

// Writes is the group-commit queue both stores share: Update calls queue
// their fns, and one writer goroutine hands what queued while the previous
// batch ran (up to MaxBatch) to the store's commit function, which runs
// them in one transaction and sets each Write's Err. An update whose
// context ended while queued is answered with that error and never runs.
type Writes struct {
	commit func(batch []*Write)
	mu     sync.Mutex
	cond   *sync.Cond
	queue  []*Write
	closed bool
	done   chan struct{}
}

// Write is one queued update.
type Write struct {
	Ctx  context.Context
	Fn   func(Tx) error
	Err  error
	done chan struct{}
}

// MaxBatch bounds the updates of one group commit.
const MaxBatch = 64

// ErrClosed is an update after the store was closed.
var ErrClosed = errors.New("the store is closed")

// StartWrites starts the writer goroutine; commit runs one batch (never
// empty) and sets each Write's Err.
func StartWrites(commit func(batch []*Write)) *Writes {
	w := &Writes{commit: commit, done: make(chan struct{})}
	w.cond = sync.NewCond(&w.mu)
	go w.loop()
	return w
}

// Do queues fn and waits for its batch's outcome.
func (w *Writes) Do(ctx context.Context, fn func(Tx) error) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("store update: %w", err)
	}
	req := &Write{Ctx: ctx, Fn: fn, done: make(chan struct{})}
	w.mu.Lock()
	if w.closed {
		w.mu.Unlock()
		return &Error{Op: "update", Err: ErrClosed}
	}
	w.queue = append(w.queue, req)
	w.cond.Signal()
	w.mu.Unlock()
	<-req.done
	return req.Err
}

// Queued is the number of updates waiting for the writer (tests).
func (w *Writes) Queued() int {
	w.mu.Lock()
	defer w.mu.Unlock()
	return len(w.queue)
}

// Close runs what is queued, then stops the writer; later updates fail.
func (w *Writes) Close() {
	w.mu.Lock()
	w.closed = true
	w.cond.Broadcast()
	w.mu.Unlock()
	<-w.done
}

func (w *Writes) loop() {
	defer close(w.done)
	for {
		w.mu.Lock()
		for len(w.queue) == 0 && !w.closed {
			w.cond.Wait()
		}
		if len(w.queue) == 0 {
			w.mu.Unlock()
			return
		}
		n := min(len(w.queue), MaxBatch)
		batch := w.queue[:n:n]
		w.queue = append([]*Write(nil), w.queue[n:]...)
		w.mu.Unlock()
		live := batch[:0:0]
		for _, r := range batch {
			if err := r.Ctx.Err(); err != nil {
				r.Err = fmt.Errorf("store update: %w", err)
				close(r.done)
				continue
			}
			live = append(live, r)
		}
		if len(live) > 0 {
			w.commit(live)
		}
		for _, r := range live {
			close(r.done)
		}
	}
}

// RunFn calls fn, turning a panic into an error: fn runs on the writer
// goroutine, where a panic would end the process rather than one request.
func RunFn(fn func(Tx) error, tx Tx) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = &Error{Op: "update", Err: fmt.Errorf("panic: %v", r)}
		}
	}()
	return fn(tx)
}
