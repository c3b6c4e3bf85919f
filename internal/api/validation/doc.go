// Package validation checks API objects the way the Kubernetes API server
// does, with Kubernetes' own field paths and error wording, so that clients
// (kubectl, controllers, tests written against a real cluster) see the same
// "X is invalid: spec.y: Invalid value: ..." messages from ordo.
//
// Objects are the external types from k8s.io/api and arrive already
// defaulted (see internal/api/defaults), so rules that Kubernetes applies to
// defaulted internal objects apply unchanged here.
//
// The entry points are Create, Update and StatusUpdate, which dispatch on the
// object's Go type; per-kind functions (ValidateJob, ValidatePodSpec, ...) are
// exported for callers that already know the kind.
package validation
