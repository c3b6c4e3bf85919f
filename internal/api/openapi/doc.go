// Package openapi holds the OpenAPI definitions of every type ordo serves.
//
// zz_generated.openapi.go is produced by `go generate` with openapi-gen from
// the k8s.io/api packages; kubectl reads the resulting /openapi/v2 and
// /openapi/v3 documents to validate manifests, and the API server builds its
// server-side-apply type converter from them.
package openapi

//go:generate bash ../../../hack/gen-openapi.sh
