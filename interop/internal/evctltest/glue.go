package evctltest

import (
	"path/filepath"
	"testing"
)

// ServeGlue starts `evctl registry serve --api glue` on a loopback port
// over a fresh SQLite file, with new versions PENDING for pending (a Go
// duration such as "100ms"), and returns its endpoint URL.
func ServeGlue(t testing.TB, pending string) string {
	t.Helper()
	bin := Binary(t)
	dir := t.TempDir()
	return start(t, bin, []string{"registry", "serve", "--api", "glue", "--glue-pending", pending,
		"--addr", "127.0.0.1:0", "--data", filepath.Join(dir, "glue.db"), "--log-format", "json"})
}
