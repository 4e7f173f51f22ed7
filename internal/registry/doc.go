// Package registry holds the Schema Registry client, the Confluent-compatible
// server http.Handler (data contracts, schema GUIDs, auth, metrics) and its
// stores: SQLite for one machine, PostgreSQL for replicas.
package registry
