package config

import "go.yaml.in/yaml/v3"

// exceptionLines records the line of each compat.allow and
// compat.allow_removed entry.
func (c *Config) exceptionLines(root *yaml.Node) {
	if root.Kind != yaml.DocumentNode || len(root.Content) == 0 {
		return
	}
	compat := mapGet(root.Content[0], "compat")
	if seq := mapGet(compat, "allow"); seq != nil && seq.Kind == yaml.SequenceNode {
		for i, n := range seq.Content {
			if i < len(c.Compat.Allow) {
				c.Compat.Allow[i].Line = n.Line
			}
		}
	}
	if seq := mapGet(compat, "allow_removed"); seq != nil && seq.Kind == yaml.SequenceNode {
		for i, n := range seq.Content {
			if i < len(c.Compat.AllowRemoved) {
				c.Compat.AllowRemoved[i].Line = n.Line
			}
		}
	}
}

func mapGet(n *yaml.Node, key string) *yaml.Node {
	if n == nil || n.Kind != yaml.MappingNode {
		return nil
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		if n.Content[i].Value == key {
			return n.Content[i+1]
		}
	}
	return nil
}
