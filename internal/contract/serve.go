package contract

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"sort"
	"strings"

	"github.com/evctl/evctl/internal/schema"
)

// Message is the answer to a Pact verifier's request for one message.
type Message struct {
	Description string
	Event       string
	// Case names the example served (all-fields, status=REFUNDED, ...).
	Case     string
	Contents []byte
	Metadata map[string]any
}

// PactMessages reads the message interactions of a pact and picks, for each,
// an example event of the catalog that the Pact verifier then judges: the
// example of an enum value that the pact's regex does not allow when the
// schema has one (the consumer would not handle it), else all-fields.
func PactMessages(data []byte, cat *schema.Catalog) ([]Message, error) {
	cs, err := ImportPact(data, "")
	if err != nil {
		return nil, err
	}
	descs, err := pactDescriptions(data)
	if err != nil {
		return nil, err
	}
	var out []Message
	for _, d := range descs {
		var c *Contract
		for _, x := range cs {
			if x.Event == d.event {
				c = x
			}
		}
		ev := cat.ByKey(d.event)
		if ev == nil || c == nil {
			return nil, fmt.Errorf("message %q: event %s is not in the catalog", d.description, d.event)
		}
		exs, err := PlainExamples(ev)
		if err != nil {
			return nil, fmt.Errorf("message %q: %w", d.description, err)
		}
		want := "all-fields"
		for _, r := range c.Reads {
			if len(r.Enum) == 0 {
				continue
			}
			res, _ := Resolve(ev.Top, r.Path)
			if res == nil {
				continue
			}
			syms, _ := symbols(res.Type.NonNull())
			extra := ""
			for _, s := range syms {
				if !contains(r.Enum, s) {
					extra = s
					break
				}
			}
			if extra != "" {
				want = r.Path + "=" + extra
				break
			}
		}
		m := Message{Description: d.description, Event: d.event, Case: want, Metadata: map[string]any{"contentType": "application/json"}}
		for _, k := range []string{"event", "eventType", "event_type"} {
			if _, ok := d.metadata[k]; ok {
				m.Metadata[k] = d.event
			}
		}
		for _, ex := range exs {
			if ex.Name == want {
				m.Contents = ex.JSON
			}
		}
		if m.Contents == nil {
			return nil, fmt.Errorf("message %q: no example %s of %s", d.description, want, d.event)
		}
		out = append(out, m)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Description < out[j].Description })
	return out, nil
}

type pactDesc struct {
	description, event string
	metadata           map[string]any
}

func pactDescriptions(data []byte) ([]pactDesc, error) {
	var pf pactFile
	if err := json.Unmarshal(data, &pf); err != nil {
		return nil, err
	}
	var out []pactDesc
	add := func(m pactMessage) {
		ev := ""
		for _, k := range []string{"event", "eventType", "event_type"} {
			if s, ok := m.Metadata[k].(string); ok && s != "" {
				ev = s
			}
		}
		out = append(out, pactDesc{description: m.Description, event: ev, metadata: m.Metadata})
	}
	for _, m := range pf.Messages {
		add(m)
	}
	for _, it := range pf.Interactions {
		if it.Type == "Asynchronous/Messages" {
			add(it.pactMessage)
		}
	}
	return out, nil
}

// ExampleServer answers the Pact verifier's message-provider requests: a
// POST of {"description": ...} is answered with the message's contents, and
// its metadata in the Pact-Message-Metadata header (base64 JSON).
func ExampleServer(msgs []Message) http.Handler {
	byDesc := map[string]Message{}
	for _, m := range msgs {
		byDesc[m.Description] = m
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodPost {
			http.Error(w, "POST the message description as {\"description\": ...}", http.StatusMethodNotAllowed)
			return
		}
		var req struct {
			Description string `json:"description"`
		}
		if err := json.NewDecoder(io.LimitReader(r.Body, 1<<20)).Decode(&req); err != nil {
			http.Error(w, "bad request body: "+err.Error(), http.StatusBadRequest)
			return
		}
		m, ok := byDesc[req.Description]
		if !ok {
			var known []string
			for d := range byDesc {
				known = append(known, fmt.Sprintf("%q", d))
			}
			sort.Strings(known)
			http.Error(w, fmt.Sprintf("no message %q (known: %s)", req.Description, strings.Join(known, ", ")), http.StatusNotFound)
			return
		}
		meta, _ := json.Marshal(m.Metadata)
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("Pact-Message-Metadata", base64.StdEncoding.EncodeToString(meta))
		_, _ = w.Write(m.Contents)
	})
}
