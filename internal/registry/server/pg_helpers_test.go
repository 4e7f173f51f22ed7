package server

import (
	"context"
	"strings"
	"testing"

	"github.com/evctl/evctl/internal/registry/store/postgres"
	"github.com/evctl/evctl/internal/testpg"
)

// pgCluster is a throwaway PostgreSQL cluster (internal/testpg, shared with
// the nested modules' tests) under the names these tests use.
type pgCluster struct{ c *testpg.Cluster }

func startPostgres(t testing.TB) *pgCluster { return &pgCluster{testpg.Start(t)} }

// newDB creates an empty database and returns its URL.
func (p *pgCluster) newDB(t testing.TB) string { return p.c.NewDB(t) }

// start starts the server again after stop.
func (p *pgCluster) start(t testing.TB) { p.c.Start(t) }

// stop stops the server: "fast" disconnects clients cleanly, "immediate"
// is a crash (recovery from the WAL at the next start).
func (p *pgCluster) stop(t testing.TB, mode string) { p.c.Stop(t, mode) }

// openPostgresStore opens a store (a replica) on url, closed after the test.
func openPostgresStore(t testing.TB, url string) *postgres.Store {
	t.Helper()
	st, err := postgres.Open(context.Background(), url)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return st
}

func stringsReader(s string) *strings.Reader { return strings.NewReader(s) }
