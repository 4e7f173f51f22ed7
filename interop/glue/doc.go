// Package glue holds the interop tests of evctl's AWS Glue Schema Registry
// support: the official AWS SDKs (aws-sdk-go-v2's service/glue and the
// JavaScript SDK's @aws-sdk/client-glue) as clients of
// `evctl registry serve --api glue`, and Glue frames cross-checked with
// the independent npm package @meinestadt.de/glue-schema-registry.
package glue
