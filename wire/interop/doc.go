// Package interop holds the tests and benchmarks that pit the wire runtime
// against Confluent's Go serdes (confluent-kafka-go/v2, which needs cgo).
// They live apart so that the wire package itself stays light.
package interop
