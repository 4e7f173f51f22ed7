package wire

import (
	"context"
	"errors"
	"fmt"
	"net/http"

	"github.com/twmb/franz-go/pkg/sr"
)

// Registry is the part of a schema registry the runtime needs.
type Registry interface {
	// Lookup returns the id of schema (exact text) under subject, or an
	// error wrapping ErrNotRegistered when the subject does not hold it.
	Lookup(ctx context.Context, subject, schemaType, schema string) (int, error)
	// Register registers schema (exact text) under subject and returns its id.
	Register(ctx context.Context, subject, schemaType, schema string) (int, error)
	// SchemaByID returns the type ("AVRO", "JSON", ...) and text of schema
	// id, or an error wrapping ErrUnknownSchemaID.
	SchemaByID(ctx context.Context, id int) (schemaType, schema string, err error)
}

// ErrNotRegistered: the subject does not hold the schema (Lookup).
var ErrNotRegistered = errors.New("schema not registered under the subject")

// SRRegistry adapts a franz-go schema registry client to Registry.
type SRRegistry struct {
	Client *sr.Client
}

// NewSRRegistry returns a Registry talking to the registry at url.
func NewSRRegistry(url string, httpClient *http.Client) (*SRRegistry, error) {
	opts := []sr.ClientOpt{sr.URLs(url)}
	if httpClient != nil {
		opts = append(opts, sr.HTTPClient(httpClient))
	}
	cl, err := sr.NewClient(opts...)
	if err != nil {
		return nil, fmt.Errorf("registry client: %w", err)
	}
	return &SRRegistry{Client: cl}, nil
}

func srType(t string) (sr.SchemaType, error) {
	var st sr.SchemaType
	if t == "" {
		return sr.TypeAvro, nil
	}
	if err := st.UnmarshalText([]byte(t)); err != nil {
		return 0, fmt.Errorf("schema type %q: %w", t, err)
	}
	return st, nil
}

// Lookup implements Registry.
func (r *SRRegistry) Lookup(ctx context.Context, subject, schemaType, schema string) (int, error) {
	st, err := srType(schemaType)
	if err != nil {
		return 0, err
	}
	ss, err := r.Client.LookupSchema(ctx, subject, sr.Schema{Schema: schema, Type: st})
	if err != nil {
		var re *sr.ResponseError
		if errors.As(err, &re) && re.StatusCode == http.StatusNotFound {
			return 0, fmt.Errorf("look up %s: %w: %w", subject, ErrNotRegistered, err)
		}
		return 0, fmt.Errorf("look up %s: %w", subject, err)
	}
	return ss.ID, nil
}

// Register implements Registry.
func (r *SRRegistry) Register(ctx context.Context, subject, schemaType, schema string) (int, error) {
	st, err := srType(schemaType)
	if err != nil {
		return 0, err
	}
	id, err := r.Client.RegisterSchema(ctx, subject, sr.Schema{Schema: schema, Type: st}, -1, -1)
	if err != nil {
		return 0, fmt.Errorf("register %s: %w", subject, err)
	}
	return id, nil
}

// SchemaByID implements Registry.
func (r *SRRegistry) SchemaByID(ctx context.Context, id int) (string, string, error) {
	s, err := r.Client.SchemaByID(ctx, id)
	if err != nil {
		var re *sr.ResponseError
		if errors.As(err, &re) && re.StatusCode == http.StatusNotFound {
			return "", "", fmt.Errorf("schema %d: %w: %w", id, ErrUnknownSchemaID, err)
		}
		return "", "", fmt.Errorf("schema %d: %w", id, err)
	}
	return s.Type.String(), s.Schema, nil
}
