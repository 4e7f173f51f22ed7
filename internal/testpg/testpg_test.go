package testpg

import (
	"context"
	"testing"

	"github.com/jackc/pgx/v5"
)

// TestCluster: two databases of one cluster are separate, and data
// committed before a crash (immediate stop) is there after a restart.
func TestCluster(t *testing.T) {
	c := Start(t)
	a, b := c.NewDB(t), c.NewDB(t)
	if a == b {
		t.Fatalf("NewDB returned %s twice", a)
	}
	ctx := context.Background()
	exec := func(url, sql string) {
		t.Helper()
		conn, err := pgx.Connect(ctx, url)
		if err != nil {
			t.Fatal(err)
		}
		defer conn.Close(ctx)
		if _, err := conn.Exec(ctx, sql); err != nil {
			t.Fatal(err)
		}
	}
	exec(a, "CREATE TABLE t (x int); INSERT INTO t VALUES (42)")
	c.Stop(t, "immediate")
	c.Start(t)
	conn, err := pgx.Connect(ctx, a)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	var x int
	if err := conn.QueryRow(ctx, "SELECT x FROM t").Scan(&x); err != nil || x != 42 {
		t.Fatalf("after restart: %d, %v", x, err)
	}
	connB, err := pgx.Connect(ctx, b)
	if err != nil {
		t.Fatal(err)
	}
	defer connB.Close(ctx)
	if err := connB.QueryRow(ctx, "SELECT x FROM t").Scan(&x); err == nil {
		t.Fatal("table t is visible in the other database")
	}
}
