package client

import (
	"context"
	"fmt"
)

// SchemaByID fetches the schema with a global id (what a Confluent frame
// names).
func (c *Client) SchemaByID(ctx context.Context, id int) (Schema, error) {
	s, err := c.sr.SchemaByID(ctx, id)
	if err != nil {
		return Schema{}, c.wrap(fmt.Sprintf("get schema %d", id), err)
	}
	return Schema{Text: s.Schema, Type: s.Type.String()}, nil
}

// SchemaByGUID fetches the schema with a GUID (what a header-mode record's
// __value_schema_id header names; Confluent Platform 8.x).
func (c *Client) SchemaByGUID(ctx context.Context, guid string) (Schema, error) {
	s, err := c.sr.SchemaByGUID(ctx, guid)
	if err != nil {
		return Schema{}, c.wrap("get schema guid "+guid, err)
	}
	return Schema{Text: s.Schema.Schema, Type: s.Type.String()}, nil
}
