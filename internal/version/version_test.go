package version

import (
	"runtime/debug"
	"testing"
)

func TestResolve(t *testing.T) {
	info := func(v string) func() (*debug.BuildInfo, bool) {
		return func() (*debug.BuildInfo, bool) {
			return &debug.BuildInfo{Main: debug.Module{Path: "github.com/evctl/evctl", Version: v}}, true
		}
	}
	none := func() (*debug.BuildInfo, bool) { return nil, false }
	for _, tc := range []struct {
		name    string
		stamped string
		read    func() (*debug.BuildInfo, bool)
		want    string
	}{
		{"go install @v", "", info("v1.4.2"), "v1.4.2"},
		{"go install pseudo-version", "", info("v0.0.0-20261128120000-abcdef012345"), "v0.0.0-20261128120000-abcdef012345"},
		{"ldflags wins over build info", "v2.0.0", info("v1.4.2"), "v2.0.0"},
		{"ldflags without build info", "v2.0.0", none, "v2.0.0"},
		{"go build in a checkout", "", info("(devel)"), Dev},
		{"empty module version", "", info(""), Dev},
		{"no build info", "", none, Dev},
		{"nil reader", "", nil, Dev},
		{"nil info", "", func() (*debug.BuildInfo, bool) { return nil, true }, Dev},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := Resolve(tc.stamped, tc.read); got != tc.want {
				t.Errorf("Resolve(%q) = %q, want %q", tc.stamped, got, tc.want)
			}
		})
	}
}
