package glue

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/evctl/evctl/internal/glue/sigv4"
)

// Client calls Glue's schema registry operations over AWS JSON 1.1, signed
// with SigV4. It retries throttling, 5xx answers and transport errors.
type Client struct {
	// Endpoint is the base URL; default https://glue.<Region>.amazonaws.com.
	Endpoint string
	Region   string
	Creds    sigv4.Credentials
	HTTP     *http.Client
	// UserAgent is sent with every request.
	UserAgent string
	// Retries after a retryable failure (default 3 when negative is not set).
	Retries int
	// Sleep waits between retries and polls; nil means a timer.
	Sleep func(ctx context.Context, d time.Duration) error
}

// APIError is an exception Glue answered.
type APIError struct {
	Op      string
	Type    string // e.g. EntityNotFoundException
	Message string
	Status  int
}

func (e *APIError) Error() string {
	return fmt.Sprintf("glue %s: %s: %s", e.Op, e.Type, e.Message)
}

// IsNotFound reports whether err is Glue's EntityNotFoundException.
func IsNotFound(err error) bool {
	var ae *APIError
	return errors.As(err, &ae) && ae.Type == "EntityNotFoundException"
}

// IsAPIError reports whether err is an exception of a given type.
func IsAPIError(err error, typ string) bool {
	var ae *APIError
	return errors.As(err, &ae) && ae.Type == typ
}

func (c *Client) endpoint() string {
	if c.Endpoint != "" {
		return strings.TrimRight(c.Endpoint, "/") + "/"
	}
	return "https://glue." + c.Region + ".amazonaws.com/"
}

// URL is the endpoint, for messages.
func (c *Client) URL() string { return strings.TrimRight(c.endpoint(), "/") }

func (c *Client) sleep(ctx context.Context, d time.Duration) error {
	if c.Sleep != nil {
		return c.Sleep(ctx, d)
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// Call runs operation op with input in and decodes the answer into out.
func (c *Client) Call(ctx context.Context, op string, in, out any) error {
	body, err := json.Marshal(in)
	if err != nil {
		return fmt.Errorf("glue %s: encode request: %w", op, err)
	}
	hc := c.HTTP
	if hc == nil {
		hc = http.DefaultClient
	}
	var last error
	for attempt := 0; attempt <= c.Retries; attempt++ {
		if attempt > 0 {
			if err := c.sleep(ctx, time.Duration(100<<attempt)*time.Millisecond); err != nil {
				return fmt.Errorf("glue %s: %w", op, err)
			}
		}
		req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.endpoint(), bytes.NewReader(body))
		if err != nil {
			return fmt.Errorf("glue %s: %w", op, err)
		}
		req.Header.Set("Content-Type", "application/x-amz-json-1.1")
		req.Header.Set("X-Amz-Target", "AWSGlue."+op)
		if c.UserAgent != "" {
			req.Header.Set("User-Agent", c.UserAgent)
		}
		if err := sigv4.Sign(req, body, c.Creds, c.Region, "glue", time.Now()); err != nil {
			return fmt.Errorf("glue %s: %w", op, err)
		}
		resp, err := hc.Do(req)
		if err != nil {
			last = fmt.Errorf("glue %s: %w", op, err)
			if ctx.Err() != nil {
				return last
			}
			continue
		}
		data, err := io.ReadAll(io.LimitReader(resp.Body, 8<<20))
		resp.Body.Close()
		if err != nil {
			last = fmt.Errorf("glue %s: read response: %w", op, err)
			continue
		}
		if resp.StatusCode/100 == 2 {
			if out == nil {
				return nil
			}
			if err := json.Unmarshal(data, out); err != nil {
				return fmt.Errorf("glue %s: decode response: %w", op, err)
			}
			return nil
		}
		ae := &APIError{Op: op, Status: resp.StatusCode}
		var eb struct {
			Type     string `json:"__type"`
			Message  string `json:"Message"`
			Message2 string `json:"message"`
		}
		json.Unmarshal(data, &eb)
		ae.Type = eb.Type
		if t := resp.Header.Get("X-Amzn-ErrorType"); t != "" {
			ae.Type = t
		}
		// Types may come as "aws.protocol#Name:http://..." forms.
		if i := strings.LastIndexByte(ae.Type, '#'); i >= 0 {
			ae.Type = ae.Type[i+1:]
		}
		if i := strings.IndexByte(ae.Type, ':'); i >= 0 {
			ae.Type = ae.Type[:i]
		}
		ae.Message = eb.Message + eb.Message2
		if ae.Type == "" {
			ae.Type = http.StatusText(resp.StatusCode)
			if ae.Message == "" {
				ae.Message = strings.TrimSpace(string(data))
			}
		}
		last = ae
		if resp.StatusCode < 500 && ae.Type != "ThrottlingException" && resp.StatusCode != http.StatusTooManyRequests {
			return ae
		}
	}
	return last
}

// SchemaID names a schema.
type SchemaID struct {
	RegistryName string `json:",omitempty"`
	SchemaName   string `json:",omitempty"`
	SchemaArn    string `json:",omitempty"`
}

// VersionNumber selects a version by number or latest.
type VersionNumber struct {
	LatestVersion bool  `json:",omitempty"`
	VersionNumber int64 `json:",omitempty"`
}

// Schema is GetSchema's answer.
type Schema struct {
	RegistryName, SchemaName, SchemaArn, DataFormat, Compatibility string
	SchemaCheckpoint, LatestSchemaVersion                          int64
}

// Version is a schema version (GetSchemaVersion, RegisterSchemaVersion,
// GetSchemaByDefinition, ListSchemaVersions fill what they answer).
type Version struct {
	SchemaVersionId  string
	SchemaDefinition string
	DataFormat       string
	VersionNumber    int64
	Status           string
}

// GetSchema fetches a schema.
func (c *Client) GetSchema(ctx context.Context, id SchemaID) (Schema, error) {
	var out Schema
	err := c.Call(ctx, "GetSchema", map[string]any{"SchemaId": id}, &out)
	return out, err
}

// CreateSchema creates a schema with its first version and returns that
// version (usually PENDING).
func (c *Client) CreateSchema(ctx context.Context, registry, name, format, mode, definition string) (Version, error) {
	var out struct {
		SchemaVersionId, SchemaVersionStatus string
		LatestSchemaVersion                  int64
	}
	err := c.Call(ctx, "CreateSchema", map[string]any{"RegistryId": map[string]string{"RegistryName": registry}, "SchemaName": name,
		"DataFormat": format, "Compatibility": mode, "SchemaDefinition": definition}, &out)
	return Version{SchemaVersionId: out.SchemaVersionId, Status: out.SchemaVersionStatus, VersionNumber: out.LatestSchemaVersion, DataFormat: format, SchemaDefinition: definition}, err
}

// RegisterSchemaVersion registers a definition (or finds it registered).
func (c *Client) RegisterSchemaVersion(ctx context.Context, id SchemaID, definition string) (Version, error) {
	var out Version
	err := c.Call(ctx, "RegisterSchemaVersion", map[string]any{"SchemaId": id, "SchemaDefinition": definition}, &out)
	return out, err
}

// GetSchemaByDefinition finds the version holding definition.
func (c *Client) GetSchemaByDefinition(ctx context.Context, id SchemaID, definition string) (Version, error) {
	var out Version
	err := c.Call(ctx, "GetSchemaByDefinition", map[string]any{"SchemaId": id, "SchemaDefinition": definition}, &out)
	return out, err
}

// GetSchemaVersionByID fetches a version by its id.
func (c *Client) GetSchemaVersionByID(ctx context.Context, versionID string) (Version, error) {
	var out Version
	err := c.Call(ctx, "GetSchemaVersion", map[string]any{"SchemaVersionId": versionID}, &out)
	return out, err
}

// GetSchemaVersion fetches a version by number.
func (c *Client) GetSchemaVersion(ctx context.Context, id SchemaID, n VersionNumber) (Version, error) {
	var out Version
	err := c.Call(ctx, "GetSchemaVersion", map[string]any{"SchemaId": id, "SchemaVersionNumber": n}, &out)
	return out, err
}

// ListSchemaVersions lists every version of a schema, all pages.
func (c *Client) ListSchemaVersions(ctx context.Context, id SchemaID) ([]Version, error) {
	var all []Version
	token := ""
	for {
		in := map[string]any{"SchemaId": id, "MaxResults": 100}
		if token != "" {
			in["NextToken"] = token
		}
		var out struct {
			Schemas   []Version
			NextToken *string
		}
		if err := c.Call(ctx, "ListSchemaVersions", in, &out); err != nil {
			return nil, err
		}
		all = append(all, out.Schemas...)
		if out.NextToken == nil || *out.NextToken == "" {
			return all, nil
		}
		token = *out.NextToken
	}
}

// PutSchemaVersionMetadata records one key-value pair on a version.
func (c *Client) PutSchemaVersionMetadata(ctx context.Context, versionID, key, value string) error {
	return c.Call(ctx, "PutSchemaVersionMetadata", map[string]any{"SchemaVersionId": versionID,
		"MetadataKeyValue": map[string]string{"MetadataKey": key, "MetadataValue": value}}, nil)
}

// WaitSettled polls a version until it leaves PENDING, for at most
// maxWait, with growing pauses, as Glue's Java client does.
func (c *Client) WaitSettled(ctx context.Context, versionID string, maxWait time.Duration) (Version, error) {
	deadline := time.Now().Add(maxWait)
	pause := 100 * time.Millisecond
	for {
		v, err := c.GetSchemaVersionByID(ctx, versionID)
		if err != nil {
			return v, err
		}
		if v.Status != "PENDING" {
			return v, nil
		}
		if time.Now().Add(pause).After(deadline) {
			return v, fmt.Errorf("glue: schema version %s is still PENDING after %s", versionID, maxWait)
		}
		if err := c.sleep(ctx, pause); err != nil {
			return v, err
		}
		pause = min(pause*2, 2*time.Second)
	}
}
