// Package interop holds tests that drive `evctl registry serve`, run as a
// process, with real third-party Schema Registry clients over loopback:
// franz-go's pkg/sr and Confluent's confluent-kafka-go/v2/schemaregistry.
// They live in the nested interop module so that confluent-kafka-go stays
// out of the main module's graph.
package interop
