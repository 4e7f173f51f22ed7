// Package wiretest starts evctl's own schema registry servers (the
// Confluent API and the Glue API, SQLite stores) on httptest servers for the
// tests of the wire runtime.
package wiretest

import (
	"context"
	"net/http/httptest"
	"path/filepath"
	"testing"
	"time"

	glueserver "github.com/evctl/evctl/internal/glue/server"
	"github.com/evctl/evctl/internal/testreg"
	"github.com/evctl/evctl/wire"
)

// Registry starts a registry server for the test and returns its URL and a
// wire.Registry talking to it.
func Registry(t testing.TB) (string, *wire.SRRegistry) {
	t.Helper()
	return testreg.Server(t)
}

// GlueRegistry starts evctl's Glue-API server (versions PENDING for 20ms)
// with registry "wire" for the test and returns a wire.GlueClient on it.
func GlueRegistry(t testing.TB) *wire.GlueClient {
	t.Helper()
	srv, err := glueserver.OpenServer(filepath.Join(t.TempDir(), "glue.db"), glueserver.ServerOptions{Pending: 20 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	if err := srv.EnsureRegistry(context.Background(), "wire"); err != nil {
		t.Fatal(err)
	}
	hs := httptest.NewServer(srv)
	t.Cleanup(func() {
		hs.Close()
		srv.Close()
	})
	c, err := wire.NewGlueClient(wire.GlueClientOptions{RegistryName: "wire", Region: "us-east-1", Endpoint: hs.URL,
		AccessKeyID: "AKIDEXAMPLE", SecretAccessKey: "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", HTTPClient: hs.Client()})
	if err != nil {
		t.Fatal(err)
	}
	return c
}
