package contract

import (
	"sort"
	"strings"

	"github.com/evctl/evctl/internal/schema"
)

// EventUsage is who reads what of one event.
type EventUsage struct {
	Event string `json:"event"`
	// File is the event's schema file ("" when no schema of the catalog has it).
	File      string          `json:"file"`
	Consumers []ConsumerUsage `json:"consumers"`
	// Unread are the leaf field paths no consumer reads: candidates for
	// removal in the next major version.
	Unread []string `json:"unread"`
}

// ConsumerUsage is one consumer's reads of an event.
type ConsumerUsage struct {
	Consumer string   `json:"consumer"`
	Contract string   `json:"contract"`
	Reads    []string `json:"reads"`
}

// Usage reports, for every event of the catalog and every event a contract
// names, its consumers and the fields no consumer reads.
func Usage(set *Set, cat *schema.Catalog) []EventUsage {
	byEvent := map[string]*EventUsage{}
	get := func(ev string) *EventUsage {
		u := byEvent[ev]
		if u == nil {
			u = &EventUsage{Event: ev, Consumers: []ConsumerUsage{}, Unread: []string{}}
			byEvent[ev] = u
		}
		return u
	}
	for _, e := range cat.Events {
		get(e.Type).File = e.Path
	}
	for _, c := range set.Contracts {
		u := get(c.Event)
		cu := ConsumerUsage{Consumer: c.Consumer, Contract: c.File, Reads: []string{}}
		for _, r := range c.Reads {
			cu.Reads = append(cu.Reads, r.Path)
		}
		u.Consumers = append(u.Consumers, cu)
	}
	var out []EventUsage
	for _, u := range byEvent {
		if e := cat.ByKey(u.Event); e != nil && e.Top != nil {
			var reads []string
			for _, cu := range u.Consumers {
				reads = append(reads, cu.Reads...)
			}
			for _, leaf := range LeafPaths(e.Top) {
				if !covered(leaf, reads) {
					u.Unread = append(u.Unread, leaf)
				}
			}
		}
		sort.Slice(u.Consumers, func(i, j int) bool { return u.Consumers[i].Consumer < u.Consumers[j].Consumer })
		out = append(out, *u)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Event < out[j].Event })
	return out
}

// covered reports whether a leaf is read: by its own path, or by a read of
// an enclosing object or array.
func covered(leaf string, reads []string) bool {
	for _, r := range reads {
		if leaf == r || strings.HasPrefix(leaf, r+".") || strings.HasPrefix(leaf, r+"[]") {
			return true
		}
	}
	return false
}

// LeafPaths lists the field paths of the leaves of a record: fields whose
// values are not records (or arrays of records), in source order.
func LeafPaths(top *schema.Type) []string {
	var out []string
	var walk func(t *schema.Type, prefix string, depth int)
	walk = func(t *schema.Type, prefix string, depth int) {
		rec := record(t)
		if rec == nil || rec.Recursive || depth > 32 {
			if prefix != "" {
				out = append(out, prefix)
			}
			return
		}
		for _, f := range rec.Fields {
			p := f.Name
			if prefix != "" {
				p = prefix + "." + f.Name
			}
			ft := f.Type
			for {
				a := ft.NonNull()
				if a == nil || a.Kind != schema.KArray || a.Items == nil {
					break
				}
				p += "[]"
				ft = a.Items
			}
			walk(ft, p, depth+1)
		}
	}
	walk(top, "", 0)
	return out
}
