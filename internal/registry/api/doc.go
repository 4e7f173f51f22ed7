// Package api owns the wire format of the Confluent Schema Registry REST API
// as evctl speaks it, shared by the client and the server: the error body
// and its codes, schema references, data-contract metadata and rule sets,
// media types and the paths evctl adds (the health endpoint).
package api
