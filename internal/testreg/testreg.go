// Package testreg starts evctl's own Confluent-API schema registry (a
// SQLite store in the test's temporary directory) on an httptest server,
// for the tests of the wire runtime, the broker adapters and the examples
// (nested modules import it by path).
package testreg

import (
	"net/http/httptest"
	"path/filepath"
	"testing"

	"github.com/evctl/evctl/internal/registry/server"
	"github.com/evctl/evctl/internal/registry/store/sqlite"
	"github.com/evctl/evctl/wire"
)

// Server starts a registry for the test and returns its URL and a
// wire.Registry talking to it; both are closed when the test ends.
func Server(t testing.TB) (string, *wire.SRRegistry) {
	t.Helper()
	store, err := sqlite.Open(filepath.Join(t.TempDir(), "registry.db"))
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(server.NewServer(store, server.ServerOptions{}))
	t.Cleanup(func() {
		srv.Close()
		store.Close()
	})
	reg, err := wire.NewSRRegistry(srv.URL, srv.Client())
	if err != nil {
		t.Fatal(err)
	}
	return srv.URL, reg
}
