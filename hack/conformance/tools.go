//go:build tools

// Package conformance pins what hack/conformance.sh builds; nothing here
// is compiled into ordo.
package conformance

import (
	_ "k8s.io/kubernetes/test/e2e"
	_ "k8s.io/kubernetes/test/images/agnhost"
)
