package cli

import (
	"time"

	"github.com/spf13/cobra"

	glueserver "github.com/evctl/evctl/internal/glue/server"
)

// glueServeFlags are the flags of `registry serve` for the Glue API mode.
type glueServeFlags struct {
	API         string
	GlueRegion  string
	GluePending time.Duration
	Registries  []string
}

func addGlueServeFlags(cmd *cobra.Command, g *glueServeFlags) {
	f := cmd.Flags()
	f.StringVar(&g.API, "api", "confluent", "API to serve: confluent (Confluent Schema Registry REST) or glue (AWS Glue Schema Registry, AWS JSON 1.1)")
	f.StringVar(&g.GlueRegion, "glue-region", "us-east-1", "with --api glue: the region in the ARNs the server returns")
	f.StringArrayVar(&g.Registries, "glue-registry", nil, "with --api glue: create this Glue registry at start unless it exists (repeatable)")
	f.DurationVar(&g.GluePending, "glue-pending", 200*time.Millisecond, "with --api glue: how long a new schema version stays PENDING before it settles to AVAILABLE or FAILURE")
}

// serveGlue runs `registry serve --api glue`.
func serveGlue(cmd *cobra.Command, app *App, opts *serveOptions) error {
	if opts.API != "glue" {
		return usageError("invalid --api %q (want confluent or glue)", opts.API)
	}
	if opts.AuthFile != "" {
		return withHint(usageError("--auth-file is not supported with --api glue: the Glue API mode does not authenticate requests"), "serve the Glue API on a loopback address without --auth-file")
	}
	for _, name := range []string{"store", "read-only", "tls-cert", "tls-key", "tls-client-ca", "insecure-listen", "max-body-bytes", "max-schema-bytes", "rate-limit", "login-failure-burst"} {
		if cmd.Flags().Changed(name) {
			return usageError("--%s is not supported with --api glue (it applies to the Confluent API only)", name)
		}
	}
	if opts.GluePending <= 0 {
		return usageError("--glue-pending must be positive, got %s", opts.GluePending)
	}
	logger, err := newLogger(app.IO.ErrOut, opts.LogFormat)
	if err != nil {
		return usageError("%w", err)
	}
	err = glueserver.Serve(cmd.Context(), glueserver.ServeOptions{
		Addr: opts.Addr, DataPath: opts.Data, Region: opts.GlueRegion, Pending: opts.GluePending, Logger: logger, Registries: opts.Registries,
	})
	if err != nil {
		return registryError(err)
	}
	return nil
}
