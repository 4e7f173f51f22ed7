// Package interop holds tests that drive the registry server with real
// third-party Schema Registry clients over loopback: franz-go's pkg/sr and
// Confluent's confluent-kafka-go/v2/schemaregistry (pure Go, CGO_ENABLED=0).
package interop
