package main

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/rogpeppe/go-internal/testscript"
	"go.yaml.in/yaml/v3"
)

// actionFile is the subset of action.yml the action command runs.
type actionFile struct {
	Inputs map[string]struct {
		Default string `yaml:"default"`
	} `yaml:"inputs"`
	Runs struct {
		Using string `yaml:"using"`
		Steps []struct {
			ID               string            `yaml:"id"`
			Shell            string            `yaml:"shell"`
			Run              string            `yaml:"run"`
			WorkingDirectory string            `yaml:"working-directory"`
			Env              map[string]string `yaml:"env"`
		} `yaml:"steps"`
	} `yaml:"runs"`
}

var actionExpr = regexp.MustCompile(`\$\{\{\s*(.*?)\s*\}\}`)

// actionStep is the testscript command
//
//	action [-exit N] STEP
//
// which runs the step with id STEP of the repository's action.yml as the
// Actions runner does: its run: script under bash -eo pipefail, with
// GITHUB_ACTION_PATH at the repository root, the step's env and
// working-directory, ${{ inputs.NAME }} taken from $INPUT_NAME (else the
// input's default) and ${{ github.action_ref }} from $GITHUB_ACTION_REF. The
// step must exit with N (default 0).
func actionStep(ts *testscript.TestScript, neg bool, args []string) {
	want := 0
	if len(args) == 3 && args[0] == "-exit" {
		n, err := strconv.Atoi(args[1])
		if err != nil {
			ts.Fatalf("action: bad -exit %q", args[1])
		}
		want, args = n, args[2:]
	}
	if neg || len(args) != 1 {
		ts.Fatalf("usage: action [-exit N] STEP")
	}
	root, err := filepath.Abs(filepath.Join("..", ".."))
	ts.Check(err)
	data, err := os.ReadFile(filepath.Join(root, "action.yml"))
	ts.Check(err)
	var a actionFile
	dec := yaml.NewDecoder(strings.NewReader(string(data)))
	ts.Check(dec.Decode(&a))
	if a.Runs.Using != "composite" {
		ts.Fatalf("action.yml: runs.using is %q, want composite", a.Runs.Using)
	}
	eval := func(s string) string {
		return actionExpr.ReplaceAllStringFunc(s, func(m string) string {
			e := actionExpr.FindStringSubmatch(m)[1]
			switch {
			case strings.HasPrefix(e, "inputs."):
				name := strings.TrimPrefix(e, "inputs.")
				in, ok := a.Inputs[name]
				if !ok {
					ts.Fatalf("action.yml uses undeclared input %q", name)
				}
				if v := ts.Getenv("INPUT_" + strings.ToUpper(strings.ReplaceAll(name, "-", "_"))); v != "" {
					return v
				}
				return in.Default
			case e == "github.action_ref":
				return ts.Getenv("GITHUB_ACTION_REF")
			}
			ts.Fatalf("action: cannot evaluate ${{ %s }}", e)
			return ""
		})
	}
	for _, st := range a.Runs.Steps {
		if st.ID != args[0] {
			continue
		}
		if st.Shell != "bash" {
			ts.Fatalf("action.yml: step %s: shell %q, want bash", st.ID, st.Shell)
		}
		var b strings.Builder
		fmt.Fprintf(&b, "export GITHUB_ACTION_PATH=%s\n", shellQuote(root))
		for k, v := range st.Env {
			fmt.Fprintf(&b, "export %s=%s\n", k, shellQuote(eval(v)))
		}
		if wd := eval(st.WorkingDirectory); wd != "" {
			fmt.Fprintf(&b, "cd %s\n", shellQuote(wd))
		}
		b.WriteString(eval(st.Run) + "\n")
		f, err := os.CreateTemp(ts.Getenv("TMPDIR"), "action-step-*.sh")
		ts.Check(err)
		_, err = f.WriteString(b.String())
		ts.Check(errors.Join(err, f.Close()))
		err = ts.Exec("bash", "--noprofile", "--norc", "-eo", "pipefail", f.Name())
		got := 0
		if err != nil {
			var ee *exec.ExitError
			if !errors.As(err, &ee) {
				ts.Fatalf("action: %v", err)
			}
			got = ee.ExitCode()
		}
		if got != want {
			ts.Fatalf("action step %s: exit status %d, want %d", st.ID, got, want)
		}
		return
	}
	ts.Fatalf("action.yml has no step with id %q", args[0])
}

func shellQuote(s string) string { return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'" }

// checkWorkflow fails unless the GitHub workflow at path has a step that
// uses the evctl action and every step using it passes only inputs that
// action.yml declares.
func checkWorkflow(path string) error {
	root, err := filepath.Abs(filepath.Join("..", ".."))
	if err != nil {
		return err
	}
	var a actionFile
	data, err := os.ReadFile(filepath.Join(root, "action.yml"))
	if err != nil {
		return err
	}
	if err := yaml.Unmarshal(data, &a); err != nil {
		return err
	}
	var wf struct {
		Jobs map[string]struct {
			Steps []struct {
				Uses string            `yaml:"uses"`
				With map[string]string `yaml:"with"`
			} `yaml:"steps"`
		} `yaml:"jobs"`
	}
	data, err = os.ReadFile(path)
	if err != nil {
		return err
	}
	if err := yaml.Unmarshal(data, &wf); err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	uses := 0
	for job, j := range wf.Jobs {
		for _, st := range j.Steps {
			if !strings.HasPrefix(st.Uses, "evctl/evctl@") {
				continue
			}
			uses++
			for k := range st.With {
				if _, ok := a.Inputs[k]; !ok {
					return fmt.Errorf("%s: job %s passes %q, which action.yml does not declare", path, job, k)
				}
			}
		}
	}
	if uses == 0 {
		return fmt.Errorf("%s: no step uses evctl/evctl@...", path)
	}
	return nil
}

// workflowCmd is the testscript command `workflow FILE`: see checkWorkflow.
func workflowCmd(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 1 {
		ts.Fatalf("usage: workflow FILE")
	}
	ts.Check(checkWorkflow(ts.MkAbs(args[0])))
}

func TestExampleWorkflow(t *testing.T) {
	t.Parallel()
	if err := checkWorkflow(filepath.Join("..", "..", "examples", "github-workflow.yml")); err != nil {
		t.Fatal(err)
	}
}
