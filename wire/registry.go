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

// GUIDRegistry is a Registry that also serves schema GUIDs (Confluent
// Platform 8.x, evctl registry serve): what header mode needs.
type GUIDRegistry interface {
	Registry
	// LookupGUID returns the id and GUID of schema (exact text) under
	// subject, or an error wrapping ErrNotRegistered.
	LookupGUID(ctx context.Context, subject, schemaType, schema string) (int, GUID, error)
	// SchemaByGUID returns the type and text of the schema with GUID g,
	// or an error wrapping ErrUnknownSchemaID.
	SchemaByGUID(ctx context.Context, g GUID) (schemaType, schema string, err error)
}

// LookupGUID implements GUIDRegistry. A registry that answers without a
// guid (older than Confluent Platform 8) is an error.
func (r *SRRegistry) LookupGUID(ctx context.Context, subject, schemaType, schema string) (int, GUID, error) {
	st, err := srType(schemaType)
	if err != nil {
		return 0, GUID{}, err
	}
	ss, err := r.Client.LookupSchema(ctx, subject, sr.Schema{Schema: schema, Type: st})
	if err != nil {
		var re *sr.ResponseError
		if errors.As(err, &re) && re.StatusCode == http.StatusNotFound {
			return 0, GUID{}, fmt.Errorf("look up %s: %w: %w", subject, ErrNotRegistered, err)
		}
		return 0, GUID{}, fmt.Errorf("look up %s: %w", subject, err)
	}
	if ss.GUID == "" {
		return 0, GUID{}, fmt.Errorf("look up %s: the registry answered without a schema guid (header mode needs Confluent Platform 8 or evctl registry serve)", subject)
	}
	g, err := ParseGUID(ss.GUID)
	if err != nil {
		return 0, GUID{}, fmt.Errorf("look up %s: %w", subject, err)
	}
	return ss.ID, g, nil
}

// SchemaByGUID implements GUIDRegistry.
func (r *SRRegistry) SchemaByGUID(ctx context.Context, g GUID) (string, string, error) {
	s, err := r.Client.SchemaByGUID(ctx, g.String())
	if err != nil {
		var re *sr.ResponseError
		if errors.As(err, &re) && re.StatusCode == http.StatusNotFound {
			return "", "", fmt.Errorf("schema guid %s: %w: %w", g, ErrUnknownSchemaID, err)
		}
		return "", "", fmt.Errorf("schema guid %s: %w", g, err)
	}
	return s.Type.String(), s.Schema.Schema, nil
}
