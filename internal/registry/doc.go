// Package registry holds the Schema Registry client, the Confluent-compatible server http.Handler and its store.
package registry
