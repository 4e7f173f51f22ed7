package cli

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"

	"github.com/evctl/evctl/internal/schema"
)

// source is where check finds the earlier versions of the catalog.
type source interface {
	// Describe names the source for messages ("git:origin/main").
	Describe() string
	// Files returns the baseline schema files under the given catalog paths.
	Files(ctx context.Context, paths []string) ([]schema.FileSource, error)
	// History returns every committed version of a file, oldest first,
	// following renames. Sources without history return just the baseline.
	History(ctx context.Context, path string) ([]schema.FileSource, error)
}

func parseSource(s string) (source, error) {
	switch {
	case strings.HasPrefix(s, "git:"):
		ref := strings.TrimPrefix(s, "git:")
		if ref == "" {
			return nil, usageError("--against git: needs a ref, e.g. git:origin/main or git:HEAD~1")
		}
		return &gitSource{ref: ref}, nil
	case strings.HasPrefix(s, "dir:"):
		d := strings.TrimPrefix(s, "dir:")
		if d == "" {
			return nil, usageError("--against dir: needs a directory, e.g. dir:../old/schemas")
		}
		return &dirSource{dir: d}, nil
	case s == "registry" || strings.HasPrefix(s, "registry:"):
		return nil, usageError("--against registry is handled by the registry client")
	}
	return nil, usageError("invalid --against %q (want git:<ref>, dir:<path> or registry)", s)
}

type dirSource struct{ dir string }

func (d *dirSource) Describe() string { return "dir:" + d.dir }

func (d *dirSource) Files(_ context.Context, _ []string) ([]schema.FileSource, error) {
	files, err := schema.Discover([]string{d.dir}, nil)
	if err != nil {
		return nil, inputError(err)
	}
	var out []schema.FileSource
	for _, f := range files {
		data, err := readFile(f)
		if err != nil {
			return nil, inputError(err)
		}
		out = append(out, schema.FileSource{Path: f, Data: data})
	}
	return out, nil
}

func (d *dirSource) History(ctx context.Context, path string) ([]schema.FileSource, error) {
	data, err := readFile(path)
	if err != nil {
		return nil, inputError(err)
	}
	return []schema.FileSource{{Path: path, Data: data}}, nil
}

// gitSource reads blobs of a ref from the local repository, without cloning.
type gitSource struct {
	ref    string
	commit string
	// paths are the catalog paths Files was asked for; History reads the
	// history of all of them in one pass.
	paths    []string
	histOnce sync.Once
	hist     map[string][]schema.FileSource
	histErr  error
}

func (g *gitSource) Describe() string { return "git:" + g.ref }

func git(ctx context.Context, stdin io.Reader, args ...string) ([]byte, error) {
	cmd := exec.CommandContext(ctx, "git", args...)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr, cmd.Stdin = &out, &errb, stdin
	if err := cmd.Run(); err != nil {
		var ee *exec.ExitError
		if errors.As(err, &ee) {
			return out.Bytes(), fmt.Errorf("git %s: %s", strings.Join(args, " "), strings.TrimSpace(errb.String()))
		}
		return nil, fmt.Errorf("run git: %w", err)
	}
	return out.Bytes(), nil
}

func (g *gitSource) resolve(ctx context.Context) error {
	if g.commit != "" {
		return nil
	}
	if _, err := git(ctx, nil, "rev-parse", "--git-dir"); err != nil {
		return inputError(fmt.Errorf("--against %s: not inside a git repository: %w", g.Describe(), err))
	}
	out, err := git(ctx, nil, "rev-parse", "--verify", "--quiet", g.ref+"^{commit}")
	if err != nil || len(bytes.TrimSpace(out)) == 0 {
		return withHint(inputError(fmt.Errorf("git ref %q not found in this repository", g.ref)), "fetch it with: "+g.fetchHint(ctx))
	}
	g.commit = strings.TrimSpace(string(out))
	return nil
}

// fetchHint is the git fetch command that makes the ref available.
func (g *gitSource) fetchHint(ctx context.Context) string {
	shallow := false
	if out, err := git(ctx, nil, "rev-parse", "--is-shallow-repository"); err == nil {
		shallow = strings.TrimSpace(string(out)) == "true"
	}
	ref := g.ref
	if i := strings.IndexAny(ref, "~^"); i >= 0 {
		base := ref[:i]
		n := 1
		if rest := ref[i+1:]; rest != "" {
			if v, err := strconv.Atoi(rest); err == nil {
				n = v
			}
		}
		if shallow {
			return fmt.Sprintf("git fetch --deepen=%d", n)
		}
		if base == "HEAD" {
			return "git fetch --unshallow"
		}
		ref = base
	}
	if remote, branch, ok := strings.Cut(ref, "/"); ok && !strings.HasPrefix(ref, "refs/") {
		if remotes, err := git(ctx, nil, "remote"); err == nil {
			for _, r := range strings.Fields(string(remotes)) {
				if r == remote {
					return fmt.Sprintf("git fetch --no-tags %s %s:refs/remotes/%s/%s", remote, branch, remote, branch)
				}
			}
		}
	}
	if shallow {
		return "git fetch --unshallow"
	}
	return fmt.Sprintf("git fetch origin %s", ref)
}

func (g *gitSource) Files(ctx context.Context, paths []string) ([]schema.FileSource, error) {
	if err := g.resolve(ctx); err != nil {
		return nil, err
	}
	g.paths = paths
	args := append([]string{"ls-tree", "-r", "-z", g.commit, "--"}, paths...)
	out, err := git(ctx, nil, args...)
	if err != nil {
		return nil, inputError(err)
	}
	// Each entry is "<mode> <type> <object>\t<path>". Reading blobs by
	// object id spares git a tree walk per file.
	var names, objects []string
	for _, entry := range strings.Split(string(out), "\x00") {
		meta, name, ok := strings.Cut(entry, "\t")
		if !ok {
			continue
		}
		f := strings.Fields(meta)
		if len(f) != 3 || f[1] != "blob" {
			continue
		}
		if _, _, ok := schema.FormatOf(name); ok && !hiddenPath(name) {
			names = append(names, name)
			objects = append(objects, f[2])
		}
	}
	blobs, err := catObjects(ctx, objects, names)
	if err != nil {
		return nil, inputError(err)
	}
	return blobs, nil
}

func hiddenPath(p string) bool {
	for _, part := range strings.Split(filepath.ToSlash(p), "/") {
		if strings.HasPrefix(part, ".") && part != "." && part != ".." {
			return true
		}
	}
	return false
}

// catObjects reads many blobs with one git cat-file --batch; specs are
// object ids or rev:path expressions, names the paths to report them under.
func catObjects(ctx context.Context, specs, names []string) ([]schema.FileSource, error) {
	if len(specs) == 0 {
		return nil, nil
	}
	var in bytes.Buffer
	for _, s := range specs {
		in.WriteString(s)
		in.WriteByte('\n')
	}
	out, err := git(ctx, &in, "cat-file", "--batch")
	if err != nil {
		return nil, err
	}
	r := bufio.NewReader(bytes.NewReader(out))
	res := make([]schema.FileSource, 0, len(specs))
	for i, n := range names {
		header, err := r.ReadString('\n')
		if err != nil {
			return nil, fmt.Errorf("read git cat-file output: %w", err)
		}
		fields := strings.Fields(header)
		if len(fields) < 3 || fields[1] != "blob" {
			return nil, fmt.Errorf("git cat-file %s: %s", specs[i], strings.TrimSpace(header))
		}
		size, err := strconv.Atoi(fields[2])
		if err != nil {
			return nil, fmt.Errorf("git cat-file: bad size in %q", header)
		}
		data := make([]byte, size)
		if _, err := io.ReadFull(r, data); err != nil {
			return nil, fmt.Errorf("read git blob %s: %w", n, err)
		}
		if _, err := r.ReadByte(); err != nil {
			return nil, fmt.Errorf("read git blob %s: %w", n, err)
		}
		res = append(res, schema.FileSource{Path: n, Data: data})
	}
	return res, nil
}

// History lists every committed version of path reachable from the ref,
// following renames, oldest first, skipping consecutive duplicates. The
// history of the whole catalog is read once, with one git log and one git
// cat-file.
func (g *gitSource) History(ctx context.Context, path string) ([]schema.FileSource, error) {
	if err := g.resolve(ctx); err != nil {
		return nil, err
	}
	g.histOnce.Do(func() { g.hist, g.histErr = g.readHistory(ctx) })
	if g.histErr != nil {
		return nil, g.histErr
	}
	return g.hist[path], nil
}

// readHistory walks `git log --raw -M` from the ref, newest commit first,
// and collects for every file present at the ref the blob of each commit
// that touched it, following it back through renames.
func (g *gitSource) readHistory(ctx context.Context) (map[string][]schema.FileSource, error) {
	top, err := git(ctx, nil, "rev-parse", "--show-prefix")
	if err != nil {
		return nil, inputError(err)
	}
	prefix := strings.TrimSpace(string(top))
	paths := g.paths
	if len(paths) == 0 {
		paths = []string{"."}
	}
	args := append([]string{"log", "--raw", "--no-abbrev", "-M", "-z", "--format=%x01%H", g.commit, "--"}, paths...)
	out, err := git(ctx, nil, args...)
	if err != nil {
		return nil, inputError(err)
	}
	type version struct{ commit, blob, path string }
	tracked := map[string]string{} // name at this point of history -> path at the ref
	versions := map[string][]version{}
	// Files present at the ref start out tracked under their own name.
	files, err := git(ctx, nil, append([]string{"ls-tree", "-r", "-z", "--full-name", "--name-only", g.commit, "--"}, paths...)...)
	if err != nil {
		return nil, inputError(err)
	}
	for _, f := range strings.Split(string(files), "\x00") {
		if f != "" {
			tracked[f] = strings.TrimPrefix(f, prefix)
		}
	}
	for _, rec := range strings.Split(string(out), "\x01") {
		if rec == "" {
			continue
		}
		commit, rest, _ := strings.Cut(rec, "\x00")
		commit = strings.TrimSpace(commit)
		fields := strings.Split(rest, "\x00")
		for i := 0; i < len(fields); i++ {
			meta := strings.TrimSpace(fields[i])
			if !strings.HasPrefix(meta, ":") {
				continue
			}
			m := strings.Fields(meta)
			if len(m) < 5 || i+1 >= len(fields) {
				break
			}
			status, blob := m[4], m[3]
			src := fields[i+1]
			dst := src
			i++
			if status[0] == 'R' || status[0] == 'C' {
				if i+1 >= len(fields) {
					break
				}
				dst = fields[i+1]
				i++
			}
			key, ok := tracked[dst]
			if !ok || status[0] == 'D' {
				continue
			}
			versions[key] = append(versions[key], version{commit: commit, blob: blob, path: dst})
			switch status[0] {
			case 'A', 'C':
				delete(tracked, dst) // created here: nothing older
			case 'R':
				delete(tracked, dst)
				tracked[src] = key
			}
		}
	}
	var specs, names []string
	seen := map[string]bool{}
	for _, vs := range versions {
		for _, v := range vs {
			if !seen[v.blob] {
				seen[v.blob] = true
				specs = append(specs, v.blob)
				names = append(names, v.blob)
			}
		}
	}
	blobs, err := catObjects(ctx, specs, names)
	if err != nil {
		return nil, inputError(err)
	}
	data := make(map[string][]byte, len(blobs))
	for _, b := range blobs {
		data[b.Path] = b.Data
	}
	hist := make(map[string][]schema.FileSource, len(versions))
	for key, vs := range versions {
		var res []schema.FileSource
		for i := len(vs) - 1; i >= 0; i-- {
			v := vs[i]
			if len(res) > 0 && bytes.Equal(res[len(res)-1].Data, data[v.blob]) {
				continue
			}
			res = append(res, schema.FileSource{Path: v.commit[:12] + ":" + strings.TrimPrefix(v.path, prefix), Data: data[v.blob]})
		}
		hist[key] = res
	}
	return hist, nil
}
