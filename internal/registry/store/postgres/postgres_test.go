package postgres

import (
	"context"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/evctl/evctl/internal/registry/store"
	"github.com/evctl/evctl/internal/testpg"
)

// appliedVersions returns the rows of evctl_schema_version, in order.
func appliedVersions(t *testing.T, url string) []int32 {
	t.Helper()
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	rows, err := conn.Query(ctx, `SELECT version FROM evctl_schema_version ORDER BY version`)
	if err != nil {
		t.Fatal(err)
	}
	v, err := pgx.CollectRows(rows, pgx.RowTo[int32])
	if err != nil {
		t.Fatal(err)
	}
	return v
}

func allVersions() []int32 {
	var want []int32
	for v := 1; v <= len(postgresMigrations); v++ {
		want = append(want, int32(v))
	}
	return want
}

// Replicas starting together on one database, new or older, migrate it
// once: the migration runs under the writers' advisory lock, and the later
// replicas find it done. A replica of an older release (whose newest
// migration is 2) starting beside them either migrates first or refuses to
// start on the newer schema; it never half-migrates it.
func TestConcurrentStartUpMigratesOnce(t *testing.T) {
	pg := testpg.Start(t)
	ctx := context.Background()
	for _, older := range []int{0, 2} {
		url := pg.NewDB(t)
		var wg sync.WaitGroup
		errs := make([]error, 12)
		for i := range errs {
			wg.Add(1)
			go func() {
				defer wg.Done()
				if older > 0 && i%2 == 1 {
					errs[i] = MigrateTo(ctx, url, older)
					return
				}
				st, err := Open(ctx, url)
				if err == nil {
					err = st.Close()
				}
				errs[i] = err
			}()
		}
		wg.Wait()
		for i, err := range errs {
			switch {
			case err == nil:
			case older > 0 && i%2 == 1 && strings.Contains(err.Error(), "is newer than this evctl (2)"):
			default:
				t.Errorf("replica %d (older %d): %v", i, older, err)
			}
		}
		if got := appliedVersions(t, url); !slices.Equal(got, allVersions()) {
			t.Errorf("evctl_schema_version holds %v after concurrent start-up, want %v", got, allVersions())
		}
		// And the database works.
		st, err := Open(ctx, url)
		if err != nil {
			t.Fatal(err)
		}
		if err := st.Update(ctx, func(tx store.Tx) error {
			id, err := tx.InsertSchema(store.StoredSchema{Hash: "h", Type: "AVRO", Text: `"string"`})
			if err != nil {
				return err
			}
			return tx.InsertVersion("s", 1, id)
		}); err != nil {
			t.Fatal(err)
		}
		st.Close()
	}
}

// A database migrated by a newer evctl is refused, and left as it is.
func TestOpenRefusesNewerSchema(t *testing.T) {
	pg := testpg.Start(t)
	ctx := context.Background()
	url := pg.NewDB(t)
	st, err := Open(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	st.Close()
	conn, err := pgx.Connect(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	newer := len(postgresMigrations) + 1
	if _, err := conn.Exec(ctx, `INSERT INTO evctl_schema_version (version) VALUES ($1)`, newer); err != nil {
		t.Fatal(err)
	}
	if _, err := Open(ctx, url); err == nil || !strings.Contains(err.Error(), "newer than this evctl") {
		t.Fatalf("Open on a database of schema version %d: %v, want it refused", newer, err)
	}
	if err := MigrateTo(ctx, url, 1); err == nil {
		t.Fatal("MigrateTo(1) on a migrated database succeeded")
	}
	if got, want := appliedVersions(t, url), append(allVersions(), int32(newer)); !slices.Equal(got, want) {
		t.Errorf("evctl_schema_version holds %v, want %v", got, want)
	}
}

// The foreign-key check of every version and reference insert looks a
// schema up by (context, id). Its generic plan, which a connection caches
// from its first checks on and keeps while the table grows, must take the
// primary key: with another key led by context, a plan made on a small
// table took that one and read every schema of the context per insert, so
// registration slowed down with the number of schemas.
func TestForeignKeyCheckUsesThePrimaryKey(t *testing.T) {
	pg := testpg.Start(t)
	ctx := context.Background()
	url := pg.NewDB(t)
	st, err := Open(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if err := st.Update(ctx, func(tx store.Tx) error {
		id, err := tx.InsertSchema(store.StoredSchema{Hash: "h", Type: "AVRO", Text: `"string"`})
		if err != nil {
			return err
		}
		return tx.InsertVersion("s", 1, id)
	}); err != nil {
		t.Fatal(err)
	}
	conn, err := pgx.Connect(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	// The query PostgreSQL's referential-integrity trigger runs (ri_triggers.c).
	for _, stmt := range []string{
		`SET plan_cache_mode = force_generic_plan`,
		`PREPARE fk (text, bigint) AS SELECT 1 FROM ONLY "public"."schemas" x WHERE "context" OPERATOR(pg_catalog.=) $1 AND "id" OPERATOR(pg_catalog.=) $2 FOR KEY SHARE OF x`,
	} {
		if _, err := conn.Exec(ctx, stmt); err != nil {
			t.Fatal(err)
		}
	}
	rows, err := conn.Query(ctx, `EXPLAIN EXECUTE fk('.', 1)`)
	if err != nil {
		t.Fatal(err)
	}
	lines, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		t.Fatal(err)
	}
	plan := strings.Join(lines, "\n")
	if !strings.Contains(plan, "Index Scan using schemas_pkey") || strings.Contains(plan, "Filter") {
		t.Errorf("generic plan of the foreign-key check:\n%s\nwant an index scan of schemas_pkey on (context, id)", plan)
	}
	// No index of schemas but the primary key is led by context.
	rows, err = conn.Query(ctx, `SELECT i.indexrelid::regclass::text FROM pg_index i JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = i.indkey[0]
		WHERE i.indrelid = 'schemas'::regclass AND a.attname = 'context' ORDER BY 1`)
	if err != nil {
		t.Fatal(err)
	}
	led, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(led, []string{"schemas_pkey"}) {
		t.Errorf("indexes of schemas led by context: %v, want only schemas_pkey", led)
	}
}
