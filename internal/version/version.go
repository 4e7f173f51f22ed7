// Package version owns evctl's version string: the one a release stamps at
// link time, else the module version Go records for `go install …@vX`
// builds, else "dev".
package version

import "runtime/debug"

// stamped is set at link time by release builds:
//
//	go build -ldflags "-X github.com/evctl/evctl/internal/version.stamped=v1.2.3" ./cmd/evctl
//
// It is the only package-level variable of evctl, because -X can only set one.
var stamped string

// Dev is the version of a build that carries none (a plain `go build` in a
// checkout).
const Dev = "dev"

// String returns the version of the running binary.
func String() string { return Resolve(stamped, debug.ReadBuildInfo) }

// Resolve picks the version: stamped if set, else the main module's version
// from readBuildInfo (set by `go install module@version`), else Dev.
func Resolve(stamped string, readBuildInfo func() (*debug.BuildInfo, bool)) string {
	if stamped != "" {
		return stamped
	}
	if readBuildInfo != nil {
		if bi, ok := readBuildInfo(); ok && bi != nil {
			if v := bi.Main.Version; v != "" && v != "(devel)" {
				return v
			}
		}
	}
	return Dev
}
