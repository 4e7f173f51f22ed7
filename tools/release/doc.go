// Package release holds the release tooling of evctl in a module of its
// own, so that the core module does not depend on it: goreleaser, pinned as
// a Go tool dependency (`go tool goreleaser`), and the tests that validate
// the repository's .goreleaser.yaml with it.
package release
