// Package wiretest starts evctl's own schema registry server (SQLite store)
// on an httptest server for the tests of the wire runtime.
package wiretest

import (
	"net/http/httptest"
	"path/filepath"
	"testing"

	"github.com/evctl/evctl/internal/registry"
	"github.com/evctl/evctl/wire"
)

// Registry starts a registry server for the test and returns its URL and a
// wire.Registry talking to it.
func Registry(t testing.TB) (string, *wire.SRRegistry) {
	t.Helper()
	store, err := registry.OpenSQLite(filepath.Join(t.TempDir(), "registry.db"))
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(registry.NewServer(store, registry.ServerOptions{}))
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
