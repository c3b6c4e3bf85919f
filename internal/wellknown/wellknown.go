// Package wellknown holds the names that several layers of ordo share: an
// annotation the agent writes and the API server reads, a ConfigMap a
// controller keeps and an admission plugin mounts. It imports nothing, so
// that sharing a name never makes one layer link another (the API server
// must not link the agent, its cgo runtime, or a controller).
package wellknown

const (
	// AgentURLAnnotation is where a Node publishes the URL of its agent's
	// API (logs, exec, port-forward), which the API server proxies to.
	AgentURLAnnotation = "ordo.dev/agent-url"

	// RootCAConfigMap is Kubernetes' per-namespace ConfigMap holding the
	// API server's CA bundle under RootCAKey; the root-ca-cert-publisher
	// keeps it and service-account token volumes project it.
	RootCAConfigMap = "kube-root-ca.crt"
	RootCAKey       = "ca.crt"
)

// LocalPathDirAnnotation is where a Node publishes the directory its
// agent keeps ordo.dev/local-path volumes in (<data-dir>/volumes), so the
// provisioner, on whichever server leads, can name a path on that node.
const LocalPathDirAnnotation = "ordo.dev/local-path-dir"
