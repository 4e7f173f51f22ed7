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
