package main

import (
	"context"
	"encoding/json"
	"errors"
	"github.com/evctl/evctl/internal/registry/server"
	"github.com/evctl/evctl/internal/registry/store/sqlite"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/rogpeppe/go-internal/testscript"
	"go.yaml.in/yaml/v3"
	"golang.org/x/crypto/bcrypt"

	"github.com/evctl/evctl/internal/cli"
	glueserver "github.com/evctl/evctl/internal/glue/server"
)

func TestMain(m *testing.M) {
	testscript.Main(m, map[string]func(){
		"evctl": func() { os.Exit(cli.Run(context.Background(), os.Args[1:], cli.SystemIO())) },
	})
}

func TestScripts(t *testing.T) {
	t.Parallel()
	testscript.Run(t, testscript.Params{
		Dir:                 "testdata/script",
		RequireExplicitExec: true,
		RequireUniqueNames:  true,
		UpdateScripts:       os.Getenv("EVCTL_UPDATE") != "",
		Cmds:                scriptCmds(),
		Setup: func(env *testscript.Env) error {
			env.Setenv("NO_COLOR", "1")
			env.Setenv("GITHUB_BASE_REF", "")
			env.Setenv("EVCTL_CONFIG", "")
			env.Setenv("GIT_AUTHOR_NAME", "evctl test")
			env.Setenv("GIT_AUTHOR_EMAIL", "test@evctl.invalid")
			env.Setenv("GIT_COMMITTER_NAME", "evctl test")
			env.Setenv("GIT_COMMITTER_EMAIL", "test@evctl.invalid")
			env.Setenv("GIT_CONFIG_NOSYSTEM", "1")
			env.Setenv("HOME", env.WorkDir)
			return nil
		},
	})
}

// scriptCmds are the custom testscript commands.
func scriptCmds() map[string]func(ts *testscript.TestScript, neg bool, args []string) {
	return map[string]func(ts *testscript.TestScript, neg bool, args []string){
		// validjson FILE... fails unless every FILE is one valid JSON document.
		"validjson": func(ts *testscript.TestScript, neg bool, args []string) {
			if len(args) == 0 {
				ts.Fatalf("usage: validjson FILE...")
			}
			for _, f := range args {
				var v any
				err := json.Unmarshal([]byte(ts.ReadFile(f)), &v)
				if neg && err == nil {
					ts.Fatalf("%s is valid JSON", f)
				}
				if !neg && err != nil {
					ts.Fatalf("%s is not valid JSON: %v", f, err)
				}
			}
		},
		// bundled copies the repository's schemas/ into $WORK/schemas.
		"bundled": func(ts *testscript.TestScript, neg bool, args []string) {
			if neg || len(args) != 0 {
				ts.Fatalf("usage: bundled")
			}
			src, err := filepath.Abs(filepath.Join("..", "..", "schemas"))
			ts.Check(err)
			ts.Check(os.CopyFS(ts.MkAbs("schemas"), os.DirFS(src)))
		},
		// catalog NAME copies the real-world catalog testdata/catalogs/NAME
		// (its schemas/, SOURCE and LICENCE) into $WORK.
		"catalog": func(ts *testscript.TestScript, neg bool, args []string) {
			if neg || len(args) != 1 {
				ts.Fatalf("usage: catalog NAME")
			}
			src, err := filepath.Abs(filepath.Join("testdata", "catalogs", args[0]))
			ts.Check(err)
			ts.Check(os.CopyFS(ts.MkAbs("."), os.DirFS(src)))
		},
		// registry-start [-data FILE] [-user NAME:PASSWORD:ROLE]... serves the
		// registry handler over httptest on a SQLite store in $WORK (default
		// registry.db), sets EVCTL_REGISTRY_URL, and stops at the script's end.
		"registry-start": func(ts *testscript.TestScript, neg bool, args []string) {
			if neg {
				ts.Fatalf("usage: registry-start [-data FILE] [-user NAME:PASSWORD:ROLE]...")
			}
			data := "registry.db"
			var users []server.User
			for len(args) > 0 {
				if len(args) < 2 {
					ts.Fatalf("usage: registry-start [-data FILE] [-user NAME:PASSWORD:ROLE]...")
				}
				switch args[0] {
				case "-data":
					data = args[1]
				case "-user":
					parts := strings.SplitN(args[1], ":", 3)
					if len(parts) != 3 {
						ts.Fatalf("registry-start: -user wants NAME:PASSWORD:ROLE")
					}
					hash, err := bcrypt.GenerateFromPassword([]byte(parts[1]), bcrypt.MinCost)
					ts.Check(err)
					users = append(users, server.User{Name: parts[0], Hash: string(hash), Role: server.Role(parts[2])})
				default:
					ts.Fatalf("registry-start: unknown option %q", args[0])
				}
				args = args[2:]
			}
			store, err := sqlite.Open(ts.MkAbs(data))
			ts.Check(err)
			srv := httptest.NewServer(server.NewServer(store, server.ServerOptions{Users: users}))
			ts.Defer(func() {
				srv.Close()
				store.Close()
			})
			ts.Setenv("EVCTL_REGISTRY_URL", srv.URL)
		},
		// local-hooks FILE writes a .pre-commit-config.yaml whose local
		// hooks are the repository's shipped .pre-commit-hooks.yaml, run as
		// system commands (evctl is on PATH) rather than built by pre-commit.
		"local-hooks": func(ts *testscript.TestScript, neg bool, args []string) {
			if neg || len(args) != 1 {
				ts.Fatalf("usage: local-hooks FILE")
			}
			data, err := os.ReadFile(filepath.Join("..", "..", ".pre-commit-hooks.yaml"))
			ts.Check(err)
			var hooks []map[string]any
			ts.Check(yaml.Unmarshal(data, &hooks))
			if len(hooks) == 0 {
				ts.Fatalf("no hooks in .pre-commit-hooks.yaml")
			}
			for _, h := range hooks {
				h["language"] = "system"
			}
			out, err := yaml.Marshal(map[string]any{"repos": []any{map[string]any{"repo": "local", "hooks": hooks}}})
			ts.Check(err)
			ts.Check(os.WriteFile(ts.MkAbs(args[0]), out, 0o644))
		},
		// glue-start [REGISTRY...] serves the Glue API (registry serve --api
		// glue) over httptest on a SQLite file in $WORK with the named
		// registries, versions PENDING for 50ms, sets GLUE_ENDPOINT and
		// AWS credentials, and stops at the script's end.
		"glue-start": func(ts *testscript.TestScript, neg bool, args []string) {
			if neg {
				ts.Fatalf("usage: glue-start [REGISTRY...]")
			}
			srv, err := glueserver.OpenServer(ts.MkAbs("glue.db"), glueserver.ServerOptions{Pending: 50 * time.Millisecond})
			ts.Check(err)
			for _, r := range args {
				ts.Check(srv.EnsureRegistry(context.Background(), r))
			}
			hs := httptest.NewServer(srv)
			ts.Defer(func() {
				hs.Close()
				srv.Close()
			})
			ts.Setenv("GLUE_ENDPOINT", hs.URL)
			ts.Setenv("AWS_ACCESS_KEY_ID", "AKIDEXAMPLE")
			ts.Setenv("AWS_SECRET_ACCESS_KEY", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY")
			ts.Setenv("AWS_REGION", "eu-west-1")
		},
		// glue-import REGISTRY SCHEMA FORMAT MODE STATUS FILE appends FILE as
		// a version of SCHEMA with a status recorded elsewhere (server.Import)
		// to the server of glue-start.
		"glue-import": func(ts *testscript.TestScript, neg bool, args []string) {
			if neg || len(args) != 6 {
				ts.Fatalf("usage: glue-import REGISTRY SCHEMA FORMAT MODE STATUS FILE")
			}
			srv, err := glueserver.OpenServer(ts.MkAbs("glue.db"), glueserver.ServerOptions{})
			ts.Check(err)
			defer srv.Close()
			ts.Check(srv.Import(context.Background(), args[0], args[1], args[2], args[3], ts.ReadFile(args[5]), args[4]))
		},
		// exitcode N cmd args... runs cmd and asserts its exact exit status.
		"action":       actionStep,
		"workflow":     workflowCmd,
		"configschema": configSchemaCmd,
		// envfrom VAR FILE REGEXP sets VAR to the first submatch of REGEXP
		// in FILE (e.g. a value a command printed on stderr).
		"envfrom": func(ts *testscript.TestScript, neg bool, args []string) {
			if neg || len(args) != 3 {
				ts.Fatalf("usage: envfrom VAR FILE REGEXP")
			}
			re, err := regexp.Compile(args[2])
			ts.Check(err)
			m := re.FindStringSubmatch(ts.ReadFile(args[1]))
			if len(m) < 2 {
				ts.Fatalf("envfrom: %s has no match for %s", args[1], args[2])
			}
			ts.Setenv(args[0], m[1])
		},
		"exitcode": func(ts *testscript.TestScript, neg bool, args []string) {
			if neg || len(args) < 2 {
				ts.Fatalf("usage: exitcode N command [args...]")
			}
			want, err := strconv.Atoi(args[0])
			if err != nil {
				ts.Fatalf("exitcode: bad status %q", args[0])
			}
			err = ts.Exec(args[1], args[2:]...)
			got := 0
			if err != nil {
				var ee *exec.ExitError
				if !errors.As(err, &ee) {
					ts.Fatalf("exitcode: %v", err)
				}
				got = ee.ExitCode()
			}
			if got != want {
				ts.Fatalf("exit status %d, want %d", got, want)
			}
		},
	}
}
