package postgres

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/evctl/evctl/internal/compat"
	"github.com/evctl/evctl/internal/registry/server"
	"github.com/evctl/evctl/internal/registry/store"
	"github.com/evctl/evctl/internal/testpg"
)

// tripCounter records what the store sends to the database: each
// statement sent alone, and each pipeline (pgx.Batch), is one round trip.
type tripCounter struct {
	mu    sync.Mutex
	trips []string
}

func (c *tripCounter) add(s string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.trips = append(c.trips, strings.Join(strings.Fields(s), " "))
}

func (c *tripCounter) take() []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	t := c.trips
	c.trips = nil
	return t
}

func (c *tripCounter) TraceQueryStart(ctx context.Context, _ *pgx.Conn, d pgx.TraceQueryStartData) context.Context {
	c.add(d.SQL)
	return ctx
}

func (c *tripCounter) TraceQueryEnd(context.Context, *pgx.Conn, pgx.TraceQueryEndData) {}

func (c *tripCounter) TraceBatchStart(ctx context.Context, _ *pgx.Conn, d pgx.TraceBatchStartData) context.Context {
	var qs []string
	for _, q := range d.Batch.QueuedQueries {
		qs = append(qs, q.SQL)
	}
	c.add("pipeline[" + strings.Join(qs, " | ") + "]")
	return ctx
}

func (c *tripCounter) TraceBatchQuery(context.Context, *pgx.Conn, pgx.TraceBatchQueryData) {}
func (c *tripCounter) TraceBatchEnd(context.Context, *pgx.Conn, pgx.TraceBatchEndData)     {}

// writerTx returns the round trips of the last write transaction in trips:
// from its BEGIN (READ COMMITTED) to its COMMIT.
func writerTx(trips []string) []string {
	start := -1
	for i, s := range trips {
		if strings.HasPrefix(s, "begin isolation level read committed") {
			start = i
		}
	}
	if start < 0 {
		return nil
	}
	return trips[start:]
}

func register(t *testing.T, url, subject, schema string) {
	t.Helper()
	body := fmt.Sprintf(`{"schema": %q}`, schema)
	resp, err := http.Post(url+"/subjects/"+subject+"/versions", "application/vnd.schemaregistry.v1+json", strings.NewReader(body))
	if err != nil {
		t.Error(err)
		return
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Errorf("register %s: %s", subject, resp.Status)
	}
}

func newEvent(i int) string {
	return fmt.Sprintf(`{"type":"record","name":"E%d","fields":[{"name":"id","type":"string"}]}`, i)
}

// The round trips of a registration (a new event in a new subject, what
// each event of a fresh `evctl push` is) are counted, so that a change that
// adds one fails here: the writers' transaction holds the advisory lock for
// every round trip it makes, and round trips set how many registrations a
// second a replica commits. Counts are of statements and pipelines sent
// (the first use of a statement on a connection also prepares it).
func TestRegistrationRoundTrips(t *testing.T) {
	pg := testpg.Start(t)
	ctx := context.Background()
	cfg, err := pgxpool.ParseConfig(pg.NewDB(t))
	if err != nil {
		t.Fatal(err)
	}
	trips := &tripCounter{}
	cfg.ConnConfig.Tracer = trips
	st, err := openConfig(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	srv := httptest.NewServer(server.NewServer(st, server.ServerOptions{}))
	defer srv.Close()
	register(t, srv.URL, "warm-up", newEvent(0))

	// Alone: the read-side check (a read transaction), then the writer's
	// own transaction.
	trips.take()
	register(t, srv.URL, "alone", newEvent(1))
	all := trips.take()
	w := writerTx(all)
	const (
		// BEGIN; lock + subject (mode, config, versions); schema by hash;
		// insert schema; insert version; NOTIFY; COMMIT
		wantWriter = 7
		// read: BEGIN, subject (versions, config), schema by hash, COMMIT
		wantAll = 4 + wantWriter
	)
	if len(all) != wantAll || len(w) != wantWriter {
		t.Errorf("one registration alone: %d round trips (%d in the write transaction), want %d (%d):\n%s",
			len(all), len(w), wantAll, wantWriter, strings.Join(all, "\n"))
	}

	// Grouped: k registrations queued behind a held writer are committed
	// in one transaction, a savepoint each.
	const k = 6
	hold, held := make(chan struct{}), make(chan struct{})
	holder := make(chan error, 1)
	go func() {
		holder <- st.Update(ctx, func(tx store.Tx) error {
			_, err := tx.Mode("")
			close(held)
			<-hold
			if errors.Is(err, store.ErrNotFound) {
				err = nil
			}
			return err
		})
	}()
	<-held
	var wg sync.WaitGroup
	for i := range k {
		wg.Add(1)
		go func() {
			defer wg.Done()
			register(t, srv.URL, fmt.Sprintf("grouped-%d", i), newEvent(10+i))
		}()
	}
	deadline := time.Now().Add(30 * time.Second)
	for st.writes.Queued() < k {
		if time.Now().After(deadline) {
			t.Fatalf("%d updates queued, want %d", st.writes.Queued(), k)
		}
		time.Sleep(time.Millisecond)
	}
	trips.take()
	close(hold)
	if err := <-holder; err != nil {
		t.Fatal(err)
	}
	wg.Wait()
	all = trips.take()
	w = writerTx(all)
	// BEGIN; per registration: (RELEASE,) SAVEPOINT, lock (the first) +
	// subject (mode, config, versions); schema by hash; insert schema;
	// insert version; then RELEASE + NOTIFY; COMMIT.
	const perRegistration = 4
	if want := 1 + k*perRegistration + 2; len(w) != want {
		t.Errorf("%d registrations in one group commit: %d round trips, want %d (%d each):\n%s",
			k, len(w), want, perRegistration, strings.Join(w, "\n"))
	}
}

// What a transaction keeps follows its own writes: after a write, a read
// of the same thing in the same transaction sees it, and a rolled-back
// update's writes are not seen by the next update of the group commit.
func TestTxCacheFollowsWrites(t *testing.T) {
	pg := testpg.Start(t)
	ctx := context.Background()
	st, err := Open(ctx, pg.NewDB(t))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	// check reads subject's highest and latest live versions (0: none),
	// mode and level ("": none).
	check := func(tx store.Tx, subject string, wantMax, wantLatest int, wantMode, wantLevel string) error {
		m, err := tx.MaxVersion(subject)
		if err != nil || m != wantMax {
			return fmt.Errorf("max version of %s: %d, %v; want %d", subject, m, err, wantMax)
		}
		l, err := tx.LatestVersion(subject, false)
		if wantLatest == 0 && !errors.Is(err, store.ErrNotFound) || wantLatest > 0 && (err != nil || l.Version != wantLatest) {
			return fmt.Errorf("latest version of %s: %+v, %v; want %d", subject, l, err, wantLatest)
		}
		mode, err := tx.Mode(subject)
		if wantMode == "" && !errors.Is(err, store.ErrNotFound) || wantMode != "" && (err != nil || mode != wantMode) {
			return fmt.Errorf("mode of %s: %q, %v; want %q", subject, mode, err, wantMode)
		}
		c, err := tx.Config(subject)
		if wantLevel == "" && !errors.Is(err, store.ErrNotFound) || wantLevel != "" && (err != nil || string(c.Compatibility) != wantLevel) {
			return fmt.Errorf("config of %s: %+v, %v; want %q", subject, c, err, wantLevel)
		}
		return nil
	}
	register := func(tx store.Tx, subject string, version int, hash string) error {
		if _, err := tx.SchemaByHash("", hash); !errors.Is(err, store.ErrNotFound) {
			return fmt.Errorf("schema %s before it is inserted: %v", hash, err)
		}
		if _, err := tx.GUIDByHash(hash); !errors.Is(err, store.ErrNotFound) {
			return fmt.Errorf("guid of %s before it is inserted: %v", hash, err)
		}
		id, err := tx.InsertSchema(store.StoredSchema{Hash: hash, Type: compat.Avro, Text: `"string"`})
		if err != nil {
			return err
		}
		if sc, err := tx.SchemaByHash("", hash); err != nil || sc.ID != id {
			return fmt.Errorf("schema %s after it is inserted: %+v, %v", hash, sc, err)
		}
		return tx.InsertVersion(subject, version, id)
	}
	errFail := errors.New("refused by the test")
	steps := []func(store.Tx) error{
		func(tx store.Tx) error {
			if err := check(tx, "a", 0, 0, "", ""); err != nil {
				return err
			}
			if err := register(tx, "a", 1, "h1"); err != nil {
				return err
			}
			if err := tx.SetConfig("a", store.SubjectConfig{Compatibility: compat.Full}); err != nil {
				return err
			}
			if err := tx.SetMode("a", "READONLY"); err != nil {
				return err
			}
			return check(tx, "a", 1, 1, "READONLY", "FULL")
		},
		func(tx store.Tx) error {
			if err := check(tx, "a", 1, 1, "READONLY", "FULL"); err != nil {
				return err
			}
			if err := register(tx, "a", 2, "h2"); err != nil {
				return err
			}
			if err := tx.DeleteMode("a"); err != nil {
				return err
			}
			if err := tx.DeleteConfig("a"); err != nil {
				return err
			}
			if err := check(tx, "a", 2, 2, "", ""); err != nil {
				return err
			}
			return errFail
		},
		func(tx store.Tx) error {
			if err := check(tx, "a", 1, 1, "READONLY", "FULL"); err != nil {
				return err
			}
			if err := register(tx, "a", 2, "h2"); err != nil {
				return err
			}
			if err := tx.SoftDeleteVersion("a", 2); err != nil {
				return err
			}
			if err := check(tx, "a", 2, 1, "READONLY", "FULL"); err != nil {
				return err
			}
			if err := tx.HardDeleteVersion("a", 2); err != nil {
				return err
			}
			return check(tx, "a", 1, 1, "READONLY", "FULL")
		},
	}
	// All in one group commit: queued, in order, behind a held writer.
	hold, held := make(chan struct{}), make(chan struct{})
	holder := make(chan error, 1)
	go func() {
		holder <- st.Update(ctx, func(store.Tx) error {
			close(held)
			<-hold
			return nil
		})
	}()
	<-held
	errs := make([]chan error, len(steps))
	for i, fn := range steps {
		errs[i] = make(chan error, 1)
		go func() { errs[i] <- st.Update(ctx, fn) }()
		deadline := time.Now().Add(30 * time.Second)
		for st.writes.Queued() < i+1 {
			if time.Now().After(deadline) {
				t.Fatalf("update %d not queued", i)
			}
			time.Sleep(time.Millisecond)
		}
	}
	before := st.commits.Load()
	close(hold)
	if err := <-holder; err != nil {
		t.Fatal(err)
	}
	for i, want := range []error{nil, errFail, nil} {
		if err := <-errs[i]; !errors.Is(err, want) || want == nil && err != nil {
			t.Errorf("update %d: %v, want %v", i, err, want)
		}
	}
	if n := st.commits.Load() - before; n != 2 {
		t.Errorf("%d commits, want 2 (the held writer's, then the group's)", n)
	}
	if err := st.View(ctx, func(tx store.Tx) error { return check(tx, "a", 1, 1, "READONLY", "FULL") }); err != nil {
		t.Errorf("committed: %v", err)
	}
}
