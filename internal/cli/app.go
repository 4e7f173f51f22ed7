package cli

import (
	"os"
	"path/filepath"

	"github.com/fatih/color"

	"github.com/evctl/evctl/internal/config"
)

// App is the state shared by the commands of one run.
type App struct {
	IO IOStreams
	// ConfigPath is the --config flag.
	ConfigPath string
	// ColorMode is the --color flag: auto, always or never.
	ColorMode string

	cfg *config.Config
	ws  *workspace
}

// Workspace locates the run (after loading the config, whose directory is
// the catalog root).
func (a *App) Workspace() (workspace, error) {
	if a.ws != nil {
		return *a.ws, nil
	}
	cfg, err := a.Config()
	if err != nil {
		return workspace{}, err
	}
	dir := ""
	if cfg.Path != "" {
		dir = cfg.Dir
	}
	ws := newWorkspace(a.dir(), dir, config.Default().Roots[0])
	a.ws = &ws
	return ws, nil
}

// Config loads evctl.yaml once: the --config path, else EVCTL_CONFIG, else
// evctl.yaml found at the repository root, else the defaults.
func (a *App) Config() (*config.Config, error) {
	if a.cfg != nil {
		return a.cfg, nil
	}
	path := a.ConfigPath
	if path == "" {
		path = a.IO.Getenv("EVCTL_CONFIG")
	}
	if path == "" {
		path = config.Find(a.dir())
		if path != "" {
			if rel, err := filepath.Rel(a.dir(), path); err == nil {
				path = rel
			}
		}
	}
	var cfg *config.Config
	var err error
	if path == "" {
		cfg = config.Default()
	} else {
		cfg, err = config.Load(path)
		if err != nil {
			if ce, ok := err.(*config.Error); ok {
				ce.Path = path
			}
			return nil, err
		}
		cfg.Path = path
		cfg.Dir = filepath.Dir(path)
		if err := validateConfig(cfg); err != nil {
			return nil, err
		}
	}
	a.cfg = cfg
	return cfg, nil
}

func (a *App) dir() string {
	d, err := os.Getwd()
	if err != nil {
		return "."
	}
	return d
}

// UseColor decides colour for Out from --color, NO_COLOR and the terminal.
func (a *App) UseColor() bool {
	switch a.ColorMode {
	case "always":
		return a.IO.Getenv("NO_COLOR") == ""
	case "never":
		return false
	}
	if a.IO.Getenv("NO_COLOR") != "" || a.IO.Getenv("TERM") == "dumb" {
		return false
	}
	return a.IO.OutTTY
}

// colorize returns a colour that honours UseColor.
func (a *App) colorize(attrs ...color.Attribute) *color.Color {
	c := color.New(attrs...)
	if a.UseColor() {
		c.EnableColor()
	} else {
		c.DisableColor()
	}
	return c
}

// display maps a catalog path for messages: relative to the working directory.
func (a *App) display(p string) string {
	if ws, err := a.Workspace(); err == nil {
		return ws.display(p)
	}
	return p
}
