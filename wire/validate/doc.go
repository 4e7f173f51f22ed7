// Package validate is the runtime support for the Validate methods that
// `evctl gen go` generates: the error type with santhosh-tekuri/jsonschema
// compatible locations, an allocation-free instance path, allocation-free
// ports of santhosh-tekuri/jsonschema/v6's format checks, Avro logical-type
// checks, and the per-subschema fallback to santhosh-tekuri/jsonschema for
// keywords the generator does not compile.
//
// Generated code calls this package; user code normally only inspects
// *Error values returned by Validate.
package validate
