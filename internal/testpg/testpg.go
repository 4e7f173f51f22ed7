// Package testpg owns the throwaway PostgreSQL clusters tests run against:
// initdb in a temporary directory, a server listening on a unix socket
// there only, removed when the test ends. Debian's postgresql package
// provides the binaries (`make test` and .ci/run install it); as root, the
// server runs as the postgres user that package creates, since PostgreSQL
// refuses to run as root.
//
// It is importable from the nested modules of this repository (adapters,
// examples), whose import paths lie under github.com/evctl/evctl, and
// depends on nothing beyond the standard library and pgx.
package testpg

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

	"github.com/jackc/pgx/v5"
)

// Cluster is a running throwaway cluster. Its superuser is evctl, trusted
// on the socket.
type Cluster struct {
	bin   string   // directory of initdb, pg_ctl
	dir   string   // socket directory; data in dir/data
	runAs []string // command prefix that drops root, or nil
}

var dbSeq atomic.Int64

// binDir finds the directory of initdb: Debian's newest
// /usr/lib/postgresql/<major>/bin, else initdb on PATH.
func binDir(t testing.TB) string {
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
	t.Fatal("PostgreSQL server binaries not found: install Debian's postgresql package (make test and .ci/run do)")
	return ""
}

// Start creates a cluster and starts its server; both are gone when the
// test ends.
func Start(t testing.TB) *Cluster {
	t.Helper()
	c := &Cluster{bin: binDir(t)}
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
	c.Start(t)
	return c
}

func (c *Cluster) data() string { return filepath.Join(c.dir, "data") }

func (c *Cluster) command(name string, args ...string) *exec.Cmd {
	argv := append(append(append([]string{}, c.runAs...), filepath.Join(c.bin, name)), args...)
	cmd := exec.Command(argv[0], argv[1:]...)
	cmd.Dir = c.dir
	return cmd
}

func (c *Cluster) run(t testing.TB, name string, args ...string) {
	t.Helper()
	if out, err := c.command(name, args...).CombinedOutput(); err != nil {
		t.Fatalf("%s %s: %v\n%s", name, strings.Join(args, " "), err, out)
	}
}

// pgctl runs pg_ctl; t may be nil (cleanup), then errors are ignored.
func (c *Cluster) pgctl(t testing.TB, args ...string) {
	full := append([]string{"-D", c.data(), "-w", "-t", "60"}, args...)
	out, err := c.command("pg_ctl", full...).CombinedOutput()
	if err != nil && t != nil {
		t.Helper()
		log, _ := os.ReadFile(filepath.Join(c.dir, "log"))
		t.Fatalf("pg_ctl %s: %v\n%s\n%s", strings.Join(args, " "), err, out, log)
	}
}

// Start starts the server (again, after Stop).
func (c *Cluster) Start(t testing.TB) {
	t.Helper()
	c.pgctl(t, "-l", filepath.Join(c.dir, "log"), "-o", "-k "+c.dir+" -c listen_addresses= -p 5432 -c max_connections=200", "start")
}

// Stop stops the server: mode "fast" disconnects clients cleanly,
// "immediate" is a crash (recovery from the WAL at the next Start).
func (c *Cluster) Stop(t testing.TB, mode string) {
	t.Helper()
	c.pgctl(t, "stop", "-m", mode)
}

// URL is the connection URL of database db, over the unix socket.
func (c *Cluster) URL(db string) string {
	return fmt.Sprintf("postgres://evctl@/%s?host=%s&port=5432&sslmode=disable", db, c.dir)
}

// NewDB creates an empty database and returns its URL.
func (c *Cluster) NewDB(t testing.TB) string {
	t.Helper()
	name := fmt.Sprintf("evctl_test_%d", dbSeq.Add(1))
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, c.URL("postgres"))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, "CREATE DATABASE "+name); err != nil {
		t.Fatal(err)
	}
	return c.URL(name)
}
