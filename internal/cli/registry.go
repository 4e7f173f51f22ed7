package cli

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/evctl/evctl/internal/compat"
	"github.com/evctl/evctl/internal/config"
	"github.com/evctl/evctl/internal/registry/api"
	"github.com/evctl/evctl/internal/registry/client"
	"github.com/evctl/evctl/internal/registry/server"
	"github.com/evctl/evctl/internal/version"
)

// Flags of the registry client, shared by push and the registry commands.
const (
	flagRegistryURL      = "registry-url"
	flagRegistryUser     = "registry-user"
	flagRegistryTimeout  = "registry-timeout"
	flagRegistryCAFile   = "registry-ca-file"
	flagRegistryCertFile = "registry-cert-file"
	flagRegistryKeyFile  = "registry-key-file"
	flagSubject          = "subject"
)

// registryHelp explains where the client settings come from.
const registryHelp = `
Registry settings come from flags, else the environment, else evctl.yaml:
  URL                --registry-url, EVCTL_REGISTRY_URL, registry.url
  Basic auth user    --registry-user, EVCTL_REGISTRY_USER, registry.user
  Basic password     EVCTL_REGISTRY_PASSWORD, or the variable named by registry.password_env
  Bearer token       EVCTL_REGISTRY_TOKEN, or the variable named by registry.token_env
  TLS                --registry-ca-file, --registry-cert-file, --registry-key-file,
                     registry.ca_file, registry.cert_file, registry.key_file
  Timeout            --registry-timeout, registry.timeout (per attempt, default 10s)
  Retries            registry.retries (default 3; after a network error, 429 or 5xx)
Secrets are read from the environment only and are never printed.`

// registryFlags are the registry client flags of one command.
type registryFlags struct {
	URL, User             string
	CAFile, CertFile, Key string
	Timeout               time.Duration
	// NoRetries makes one attempt per request, whatever registry.retries says.
	NoRetries bool
	// Endpoint is the Glue endpoint (registry.kind glue).
	Endpoint string
}

func addRegistryFlags(cmd *cobra.Command, rf *registryFlags) {
	f := cmd.Flags()
	f.StringVar(&rf.URL, flagRegistryURL, "", "registry URL (default: $EVCTL_REGISTRY_URL, else registry.url)")
	f.StringVar(&rf.User, flagRegistryUser, "", "registry Basic auth user (default: $EVCTL_REGISTRY_USER, else registry.user)")
	f.StringVar(&rf.CAFile, flagRegistryCAFile, "", "PEM file of CAs to trust for the registry")
	f.StringVar(&rf.CertFile, flagRegistryCertFile, "", "PEM client certificate for the registry")
	f.StringVar(&rf.Key, flagRegistryKeyFile, "", "PEM key of the client certificate")
	f.DurationVar(&rf.Timeout, flagRegistryTimeout, 0, "timeout of each registry request attempt (default: registry.timeout, else 10s)")
	f.StringVar(&rf.Endpoint, "endpoint", "", "with registry.kind glue: the Glue endpoint URL (default: registry.endpoint, else https://glue.<region>.amazonaws.com)")
}

// registryClient builds the client from flags, environment and config.
func (a *App) registryClient(cfg *config.Config, rf *registryFlags) (*client.Client, error) {
	if rf == nil {
		rf = &registryFlags{}
	}
	cfgDir := ""
	if cfg.Path != "" {
		cfgDir = cfg.Dir
	}
	opts, err := client.ResolveOptions(client.ClientOptions{
		URL: rf.URL, User: rf.User,
		CAFile: rf.CAFile, CertFile: rf.CertFile, KeyFile: rf.Key,
		Timeout: rf.Timeout,
	}, a.IO.Getenv, cfg.Registry, cfgDir)
	if err != nil {
		return nil, &exitError{code: ExitUsage, err: err, hint: "fix the registry section of evctl.yaml"}
	}
	opts.UserAgent = "evctl/" + version.String()
	if rf.NoRetries {
		opts.Retries = -1
	}
	c, err := client.NewClient(opts)
	if err != nil {
		if strings.TrimSpace(opts.URL) == "" {
			return nil, withHint(usageError("%w", err), "pass --registry-url, export EVCTL_REGISTRY_URL or set registry.url in evctl.yaml")
		}
		return nil, &exitError{code: ExitUsage, err: err, hint: "check the registry settings (flags, EVCTL_REGISTRY_* and the registry section of evctl.yaml)"}
	}
	return c, nil
}

// registryFailure turns a client error into an exit: a rejected schema is
// a finding (1), anything else a registry error (4).
func registryFailure(err error) error {
	if err == nil {
		return nil
	}
	if client.IsRejection(err) {
		return &exitError{code: ExitFindings, err: err}
	}
	return registryError(err)
}

func newRegistryCmd(app *App) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "registry",
		Short: "Run a schema registry, or inspect and configure one",
		Long: `Commands for a Confluent-compatible schema registry: serve one from this
binary, list its subjects, read and set compatibility levels, check its health.
` + registryHelp + "\n" + exitStatusHelp,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return withHint(usageError("registry needs a subcommand: serve, subjects, config, health or hash-password"), "run 'evctl registry --help'")
		},
	}
	cmd.AddCommand(newRegistryServeCmd(app), newRegistrySubjectsCmd(app), newRegistryConfigCmd(app), newRegistryHealthCmd(app), newRegistryHashPasswordCmd(app))
	return cmd
}

type serveOptions struct {
	Addr, Data, Store, AuthFile, LogFormat string
	TLSCert, TLSKey, TLSClientCA           string
	ReadOnly, InsecureListen               bool
	MaxBodyBytes                           int64
	MaxSchemaBytes                         int
	RateLimit                              float64
	LoginFailureBurst                      int
	glueServeFlags
}

func newRegistryServeCmd(app *App) *cobra.Command {
	opts := &serveOptions{}
	cmd := &cobra.Command{
		Use:   "serve [--addr HOST:PORT] [--data PATH] [--auth-file PATH] [--log-format text|json]",
		Short: "Serve a Confluent-compatible schema registry on an embedded store",
		Long: `Serve the Confluent Schema Registry REST API from a single SQLite file.

With --store postgres://… the registry keeps its state in PostgreSQL
instead, and any number of replicas may serve one database.

One process writes a data file: a second writer fails to start. Servers
started with --read-only may share the file with the writer and see its
changes within about 100ms, or serve a file on a read-only file system.

Without --auth-file or --tls-client-ca the registry only listens on
loopback addresses unless --insecure-listen says otherwise. Failed logins
are throttled per client address. 'evctl registry hash-password' makes the
hashes of the auth file. The
auth file holds one "name:hash:role" a line, with a bcrypt or argon2id
password hash and the role read or write; clients use HTTP Basic auth.
Request logs go to stderr; GET /metrics serves Prometheus metrics. SIGTERM
or SIGINT shuts the server down gracefully.
` + exitStatusHelp,
		Example: `  $ evctl registry serve
  $ evctl registry serve --addr 0.0.0.0:8081 --data /var/lib/evctl/registry.db --auth-file users.txt --log-format json`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			switch opts.LogFormat {
			case "text", "json":
			default:
				return usageError("invalid --log-format %q (want text or json)", opts.LogFormat)
			}
			if opts.API != "confluent" {
				return serveGlue(cmd, app, opts)
			}
			if st := opts.Store; st != "" && !strings.HasPrefix(st, "postgres://") && !strings.HasPrefix(st, "postgresql://") {
				return usageError("invalid --store: want a postgres:// URL (the SQLite file is --data)")
			}
			if opts.MaxBodyBytes < 0 || opts.MaxSchemaBytes < 0 || opts.RateLimit < 0 || opts.LoginFailureBurst < 0 {
				return usageError("--max-body-bytes, --max-schema-bytes, --rate-limit and --login-failure-burst must not be negative")
			}
			if opts.Store != "" && opts.ReadOnly {
				return usageError("--read-only is for a SQLite file; PostgreSQL replicas all read and write")
			}
			// The server judges compatibility with the same engines as check.
			err := serveRegistry(cmd.Context(), registryServeConfig{
				Addr:     opts.Addr,
				DataPath: opts.Data,
				AuthFile: opts.AuthFile,
				ReadOnly: opts.ReadOnly,
				StoreURL: opts.Store,

				AllowInsecure:     opts.InsecureListen,
				TLSCert:           opts.TLSCert,
				TLSKey:            opts.TLSKey,
				TLSClientCA:       opts.TLSClientCA,
				MaxBodyBytes:      opts.MaxBodyBytes,
				MaxSchemaBytes:    opts.MaxSchemaBytes,
				RateLimit:         opts.RateLimit,
				LoginFailureBurst: opts.LoginFailureBurst,
				LogFormat:         opts.LogFormat,
				Log:               app.IO.ErrOut,
			})
			if err != nil {
				return registryError(err)
			}
			return nil
		},
	}
	f := cmd.Flags()
	f.StringVar(&opts.Addr, "addr", defaultRegistryAddr, "listen address")
	f.StringVar(&opts.Data, "data", defaultRegistryData, "SQLite database file (created if missing)")
	f.StringVar(&opts.AuthFile, "auth-file", "", "users for HTTP Basic auth: name:hash:role lines (bcrypt or argon2id; read or write)")
	f.StringVar(&opts.LogFormat, "log-format", "text", "request log format: text or json")
	f.BoolVar(&opts.InsecureListen, "insecure-listen", false, "allow a non-loopback --addr without --auth-file or --tls-client-ca: anyone who reaches it can change the registry")
	f.StringVar(&opts.TLSCert, "tls-cert", "", "PEM certificate: serve HTTPS (with --tls-key)")
	f.StringVar(&opts.TLSKey, "tls-key", "", "PEM private key of --tls-cert")
	f.StringVar(&opts.TLSClientCA, "tls-client-ca", "", "PEM CA certificates: require a client certificate signed by one of them (mutual TLS)")
	f.Int64Var(&opts.MaxBodyBytes, "max-body-bytes", server.DefaultMaxBodyBytes, "largest request body (413 above)")
	f.IntVar(&opts.MaxSchemaBytes, "max-schema-bytes", server.DefaultMaxSchemaBytes, "largest schema text (422/42209 above)")
	f.Float64Var(&opts.RateLimit, "rate-limit", 0, "requests per second the server accepts, 429 above (0: no limit)")
	f.IntVar(&opts.LoginFailureBurst, "login-failure-burst", server.DefaultLoginFailureBurst, "failed logins per client address before it gets 429 (then one more a second)")
	f.StringVar(&opts.Store, "store", "", "a PostgreSQL database instead of the SQLite file: postgres://user@host/db?sslmode=…; any number of replicas may share it")
	f.BoolVar(&opts.ReadOnly, "read-only", false, "serve an existing data file without writing it: beside the writer on the same file, or from a read-only file system; writes get 422/42205")
	addGlueServeFlags(cmd, &opts.glueServeFlags)
	return cmd
}

func newRegistryHealthCmd(app *App) *cobra.Command {
	rf := &registryFlags{NoRetries: true}
	cmd := &cobra.Command{
		Use:   "health",
		Short: "Check that a registry served by evctl is up",
		Long: `Ask the health endpoint (GET ` + api.HealthPath + `) of a registry served by
'evctl registry serve' whether it is up and its store answers. It makes one
attempt (no retries) within --registry-timeout, so it suits a container
HEALTHCHECK: the image has no curl. The endpoint needs no credentials; any
that are configured are sent anyway. Prints "UP URL" and exits 0, else
exits 4.
` + registryHelp + "\n" + exitStatusHelp,
		Example: `  $ evctl registry health --registry-url http://127.0.0.1:8081 --registry-timeout 3s`,
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			cfg, err := app.Config()
			if err != nil {
				return err
			}
			c, err := app.registryClient(cfg, rf)
			if err != nil {
				return err
			}
			if err := c.Health(cmd.Context()); err != nil {
				return registryError(err)
			}
			_, err = fmt.Fprintf(app.IO.Out, "UP %s\n", c.URL())
			return err
		},
	}
	addRegistryFlags(cmd, rf)
	return cmd
}

func newRegistryHashPasswordCmd(app *App) *cobra.Command {
	var cost int
	var user, role string
	cmd := &cobra.Command{
		Use:   "hash-password [--user NAME --role read|write] [--cost N] < password",
		Short: "Hash a password for the registry's auth file",
		Long: `Read a password from the first line of standard input and print its bcrypt
hash, or with --user a whole auth-file line "name:hash:role". The password
is never taken from the command line, where other users could see it.
` + exitStatusHelp,
		Example: `  $ printf '%s' "$PASSWORD" | evctl registry hash-password --user ci --role write >> users.txt`,
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if (user == "") != (role == "") {
				return usageError("--user and --role go together")
			}
			if role != "" && role != string(server.RoleRead) && role != string(server.RoleWrite) {
				return usageError("invalid --role %q (want read or write)", role)
			}
			if strings.ContainsAny(user, ":\n") {
				return usageError("invalid --user %q: no colon or newline", user)
			}
			line, err := bufio.NewReader(app.IO.In).ReadString('\n')
			if err != nil && !errors.Is(err, io.EOF) {
				return usageError("read the password from standard input: %w", err)
			}
			pw := strings.TrimRight(line, "\r\n")
			if pw == "" {
				return withHint(usageError("no password on standard input"), "pipe it in: printf '%s' \"$PASSWORD\" | evctl registry hash-password")
			}
			h, err := server.HashPassword(pw, cost)
			if err != nil {
				return usageError("%w", err)
			}
			if user != "" {
				fmt.Fprintf(app.IO.Out, "%s:%s:%s\n", user, h, role)
				return nil
			}
			fmt.Fprintln(app.IO.Out, h)
			return nil
		},
	}
	f := cmd.Flags()
	f.IntVar(&cost, "cost", 12, "bcrypt cost (4 to 31; each step doubles the time of a check)")
	f.StringVar(&user, "user", "", "print a whole auth-file line for this user")
	f.StringVar(&role, "role", "", "the user's role: read or write")
	return cmd
}

func newRegistrySubjectsCmd(app *App) *cobra.Command {
	rf := &registryFlags{}
	cmd := &cobra.Command{
		Use:   "subjects",
		Short: "List the registry's subjects, one a line",
		Long:  "List the subjects that have at least one version that is not deleted.\n" + registryHelp + "\n" + exitStatusHelp,
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			cfg, err := app.Config()
			if err != nil {
				return err
			}
			c, err := app.registryClient(cfg, rf)
			if err != nil {
				return err
			}
			subs, err := c.Subjects(cmd.Context())
			if err != nil {
				return registryFailure(err)
			}
			for _, s := range subs {
				fmt.Fprintln(app.IO.Out, s)
			}
			return nil
		},
	}
	addRegistryFlags(cmd, rf)
	return cmd
}

func newRegistryConfigCmd(app *App) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "config",
		Short: "Read or set compatibility levels",
		Long:  "Read or set the global compatibility level, or one subject's with --subject.\n" + registryHelp + "\n" + exitStatusHelp,
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return withHint(usageError("registry config needs a subcommand: get or set"), "run 'evctl registry config --help'")
		},
	}
	cmd.AddCommand(newRegistryConfigGetCmd(app), newRegistryConfigSetCmd(app))
	return cmd
}

func newRegistryConfigGetCmd(app *App) *cobra.Command {
	rf := &registryFlags{}
	var subject string
	cmd := &cobra.Command{
		Use:   "get [--subject S]",
		Short: "Print the compatibility level (global, or the one that applies to a subject)",
		Long: `Print the global compatibility level, or with --subject the level that
applies to that subject: its own, else the global one (a note on stderr
says so).
` + registryHelp + "\n" + exitStatusHelp,
		Example: `  $ evctl registry config get
  $ evctl registry config get --subject v1.OrderPlaced`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			cfg, err := app.Config()
			if err != nil {
				return err
			}
			c, err := app.registryClient(cfg, rf)
			if err != nil {
				return err
			}
			level, own, err := c.Level(cmd.Context(), subject)
			if err != nil {
				return registryFailure(err)
			}
			fmt.Fprintln(app.IO.Out, level)
			if subject != "" && !own {
				fmt.Fprintf(app.IO.ErrOut, "evctl: subject %s has no level of its own; the global level applies\n", subject)
			}
			return nil
		},
	}
	cmd.Flags().StringVar(&subject, flagSubject, "", "subject (default: the global level)")
	addRegistryFlags(cmd, rf)
	return cmd
}

func newRegistryConfigSetCmd(app *App) *cobra.Command {
	rf := &registryFlags{}
	var subject string
	cmd := &cobra.Command{
		Use:   "set [--subject S] LEVEL",
		Short: "Set the compatibility level (global, or a subject's)",
		Long: `Set the global compatibility level, or with --subject one subject's.
LEVEL is NONE, BACKWARD, BACKWARD_TRANSITIVE, FORWARD, FORWARD_TRANSITIVE,
FULL or FULL_TRANSITIVE (any case).
` + registryHelp + "\n" + exitStatusHelp,
		Example: `  $ evctl registry config set FULL_TRANSITIVE
  $ evctl registry config set --subject v1.OrderPlaced BACKWARD`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			level, err := compat.ParseLevel(args[0])
			if err != nil {
				return usageError("%w", err)
			}
			cfg, err := app.Config()
			if err != nil {
				return err
			}
			c, err := app.registryClient(cfg, rf)
			if err != nil {
				return err
			}
			if err := c.SetLevel(cmd.Context(), subject, string(level)); err != nil {
				var re *client.Error
				if !errors.As(err, &re) {
					return usageError("%w", err)
				}
				return registryFailure(err)
			}
			scope := "global"
			if subject != "" {
				scope = subject
			}
			fmt.Fprintf(app.IO.Out, "%s: %s\n", scope, level)
			return nil
		},
	}
	cmd.Flags().StringVar(&subject, flagSubject, "", "subject (default: the global level)")
	addRegistryFlags(cmd, rf)
	return cmd
}
