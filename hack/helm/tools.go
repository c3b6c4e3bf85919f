//go:build tools

// Package tools pins the real helm client that test/apis installs charts
// with; it is built from this module (hack/helm) by the tests, so its
// dependencies stay out of ordo's go.mod.
package tools

import _ "helm.sh/helm/v4/cmd/helm"
