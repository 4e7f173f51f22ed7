package wire

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"time"

	"github.com/evctl/evctl/internal/glue"
	"github.com/evctl/evctl/internal/glue/sigv4"
)

// GlueClientOptions configure NewGlueClient.
type GlueClientOptions struct {
	// RegistryName is the Glue registry (required).
	RegistryName string
	// Region; default AWS_REGION, AWS_DEFAULT_REGION or the shared config.
	Region string
	// Endpoint overrides https://glue.<region>.amazonaws.com (e.g. the
	// address of `evctl registry serve --api glue`).
	Endpoint string
	// AccessKeyID, SecretAccessKey and SessionToken, when set, are used
	// instead of the environment and the shared credentials and config
	// files (AWS_PROFILE).
	AccessKeyID, SecretAccessKey, SessionToken string
	// Compatibility is the mode of schemas AutoRegister creates; default
	// BACKWARD, as in Glue's Java SerDe.
	Compatibility string
	// HTTPClient; default one with a 10s timeout.
	HTTPClient *http.Client
	// MaxWait bounds the polling of a PENDING version; default 1 minute.
	MaxWait time.Duration
}

// GlueClient is a GlueRegistry talking to AWS Glue Schema Registry (AWS
// JSON 1.1, SigV4) without the AWS SDK. It is safe for concurrent use.
type GlueClient struct {
	t    *glue.Target
	mode string
}

// NewGlueClient returns a GlueClient for opts.
func NewGlueClient(opts GlueClientOptions) (*GlueClient, error) {
	if err := glue.CheckName("registry", opts.RegistryName); err != nil {
		return nil, fmt.Errorf("glue client: %w", err)
	}
	region, err := glue.ResolveRegion(opts.Region, os.Getenv)
	if err != nil {
		return nil, fmt.Errorf("glue client: %w", err)
	}
	creds := sigv4.Credentials{AccessKeyID: opts.AccessKeyID, SecretAccessKey: opts.SecretAccessKey, SessionToken: opts.SessionToken}
	if creds.AccessKeyID == "" {
		if creds, _, err = glue.LoadCredentials(os.Getenv); err != nil {
			return nil, fmt.Errorf("glue client: %w", err)
		}
	}
	hc := opts.HTTPClient
	if hc == nil {
		hc = &http.Client{Timeout: 10 * time.Second}
	}
	mode := opts.Compatibility
	if mode == "" {
		mode = glue.ModeBackward
	}
	if !glue.ValidMode(mode) {
		return nil, fmt.Errorf("glue client: unknown compatibility %q", mode)
	}
	wait := opts.MaxWait
	if wait <= 0 {
		wait = time.Minute
	}
	c := &glue.Client{Endpoint: opts.Endpoint, Region: region, Creds: creds, HTTP: hc, UserAgent: "evctl-wire", Retries: 3}
	return &GlueClient{t: &glue.Target{C: c, Registry: opts.RegistryName, MaxWait: wait}, mode: mode}, nil
}

// GlueVersionID implements GlueRegistry.
func (g *GlueClient) GlueVersionID(ctx context.Context, name, format, definition string, register bool) (GlueVersionID, error) {
	plan, err := g.t.Plan(ctx, []glue.Item{{Name: name, Format: format, Definition: definition}}, g.mode)
	if err != nil {
		return GlueVersionID{}, fmt.Errorf("glue schema %s: %w", name, err)
	}
	p := plan[0]
	v := p.Version
	switch {
	case p.Action == glue.ActionUnchanged || p.Action == glue.ActionFailed:
		if v.Status == "PENDING" {
			if v, err = g.t.C.WaitSettled(ctx, v.SchemaVersionId, g.t.MaxWait); err != nil {
				return GlueVersionID{}, fmt.Errorf("glue schema %s: %w", name, err)
			}
		}
	case !register:
		return GlueVersionID{}, fmt.Errorf("glue schema %s: %w", name, ErrNotRegistered)
	default:
		if v, err = g.t.Apply(ctx, p); err != nil {
			return GlueVersionID{}, fmt.Errorf("glue schema %s: %w", name, err)
		}
	}
	if v.Status != "AVAILABLE" {
		return GlueVersionID{}, fmt.Errorf("glue schema %s: version %d (%s) is %s: Glue found it incompatible under the schema's mode", name, v.VersionNumber, v.SchemaVersionId, v.Status)
	}
	return ParseGlueVersionID(v.SchemaVersionId)
}

// GlueSchemaByVersionID implements GlueRegistry.
func (g *GlueClient) GlueSchemaByVersionID(ctx context.Context, id GlueVersionID) (string, string, error) {
	v, err := g.t.C.GetSchemaVersionByID(ctx, id.String())
	if glue.IsNotFound(err) {
		return "", "", fmt.Errorf("glue schema version %s: %w: %w", id, ErrUnknownSchemaID, err)
	}
	if err != nil {
		return "", "", fmt.Errorf("glue schema version %s: %w", id, err)
	}
	return v.DataFormat, v.SchemaDefinition, nil
}
