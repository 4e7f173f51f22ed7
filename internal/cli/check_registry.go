package cli

import (
	"context"

	"github.com/evctl/evctl/internal/compat"
	"github.com/evctl/evctl/internal/config"
)

// runCheckRegistry compares the catalog with a registry's subjects.
func runCheckRegistry(ctx context.Context, app *App, cfg *config.Config, opts *checkOptions, level compat.Level, policy compat.Policy) error {
	return usageError("--against registry is not available yet in this build")
}
