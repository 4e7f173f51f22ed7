package server

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/evctl/evctl/internal/registry/store/postgres"
	"github.com/jackc/pgx/v5"
)

// pgCluster is a throwaway PostgreSQL cluster made by the test: initdb in a
// temporary directory, listening on a unix socket there only, removed after
// the test. Debian's postgresql package provides the binaries (.ci/run
// installs it); as root, the server runs as the postgres user it creates.
type pgCluster struct {
	bin   string   // directory of initdb, pg_ctl
	dir   string   // socket directory; data in dir/data
	runAs []string // command prefix that drops root, or nil
}

var pgDBSeq atomic.Int64

func postgresBinDir(t testing.TB) string {
	t.Helper()
	if dirs, _ := filepath.Glob("/usr/lib/postgresql/*/bin"); len(dirs) > 0 {
		sort.Slice(dirs, func(i, j int) bool {
			vi, _ := strconv.Atoi(filepath.Base(filepath.Dir(dirs[i])))
			vj, _ := strconv.Atoi(filepath.Base(filepath.Dir(dirs[j])))
			return vi > vj
		})
		for _, d := range dirs {
			if _, err := os.Stat(filepath.Join(d, "initdb")); err == nil {
				return d
			}
		}
	}
	if p, err := exec.LookPath("initdb"); err == nil {
		return filepath.Dir(p)
	}
	t.Fatal("PostgreSQL server binaries not found: install Debian's postgresql package (.ci/run does)")
	return ""
}

func startPostgres(t testing.TB) *pgCluster {
	t.Helper()
	c := &pgCluster{bin: postgresBinDir(t)}
	dir, err := os.MkdirTemp("", "evctl-pg-")
	if err != nil {
		t.Fatal(err)
	}
	c.dir = dir
	if os.Geteuid() == 0 {
		u, err := user.Lookup("postgres")
		if err != nil {
			t.Fatalf("running as root, PostgreSQL needs an unprivileged user: %v (Debian's postgresql package creates postgres)", err)
		}
		uid, _ := strconv.Atoi(u.Uid)
		gid, _ := strconv.Atoi(u.Gid)
		if err := os.Chown(dir, uid, gid); err != nil {
			t.Fatal(err)
		}
		c.runAs = []string{"runuser", "-u", "postgres", "--"}
	}
	t.Cleanup(func() {
		c.pgctl(nil, "stop", "-m", "immediate")
		os.RemoveAll(dir)
	})
	c.run(t, "initdb", "-D", c.data(), "-U", "evctl", "-A", "trust", "-E", "UTF8", "--locale=C", "--no-sync")
	c.start(t)
	return c
}

func (c *pgCluster) data() string { return filepath.Join(c.dir, "data") }

func (c *pgCluster) command(name string, args ...string) *exec.Cmd {
	argv := append(append(append([]string{}, c.runAs...), filepath.Join(c.bin, name)), args...)
	cmd := exec.Command(argv[0], argv[1:]...)
	cmd.Dir = c.dir
	return cmd
}

func (c *pgCluster) run(t testing.TB, name string, args ...string) {
	t.Helper()
	if out, err := c.command(name, args...).CombinedOutput(); err != nil {
		t.Fatalf("%s %s: %v\n%s", name, strings.Join(args, " "), err, out)
	}
}

// pgctl runs pg_ctl; t may be nil (cleanup), then errors are ignored.
func (c *pgCluster) pgctl(t testing.TB, args ...string) {
	full := append([]string{"-D", c.data(), "-w", "-t", "60"}, args...)
	out, err := c.command("pg_ctl", full...).CombinedOutput()
	if err != nil && t != nil {
		t.Helper()
		t.Fatalf("pg_ctl %s: %v\n%s", strings.Join(args, " "), err, out)
	}
}

func (c *pgCluster) start(t testing.TB) {
	t.Helper()
	c.pgctl(t, "-l", filepath.Join(c.dir, "log"), "-o", "-k "+c.dir+" -c listen_addresses= -p 5432 -c max_connections=200", "start")
}

// stop stops the server: "fast" disconnects clients cleanly, "immediate"
// is a crash (recovery from the WAL at the next start).
func (c *pgCluster) stop(t testing.TB, mode string) {
	t.Helper()
	c.pgctl(t, "stop", "-m", mode)
}

func (c *pgCluster) url(db string) string {
	return fmt.Sprintf("postgres://evctl@/%s?host=%s&port=5432&sslmode=disable", db, c.dir)
}

// newDB creates an empty database and returns its URL.
func (c *pgCluster) newDB(t testing.TB) string {
	t.Helper()
	name := fmt.Sprintf("evctl_test_%d", pgDBSeq.Add(1))
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, c.url("postgres"))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, "CREATE DATABASE "+name); err != nil {
		t.Fatal(err)
	}
	return c.url(name)
}

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
