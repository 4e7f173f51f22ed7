package outbox_test

import (
	"context"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/evctl/evctl/internal/testpg"
)

// startPostgres runs a temporary PostgreSQL cluster (internal/testpg, the
// one the registry's tests use) and returns a pool connected to a new
// database in it.
func startPostgres(t *testing.T) *pgxpool.Pool {
	t.Helper()
	url := testpg.Start(t).NewDB(t)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	pool, err := pgxpool.New(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(pool.Close)
	if err := pool.Ping(ctx); err != nil {
		t.Fatal(err)
	}
	return pool
}
