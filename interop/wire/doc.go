// Package interop holds the tests and benchmarks that pit the wire runtime
// against Confluent's Go serdes (confluent-kafka-go/v2). They live in the
// nested interop module so that confluent-kafka-go stays out of the module
// graph of every importer of wire.
package interop
