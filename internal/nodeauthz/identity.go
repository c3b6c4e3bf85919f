// Package nodeauthz is what Kubernetes' Node authorizer and NodeRestriction
// admission plugin are, for ordo's nodes: an agent authenticates with its
// own client certificate, system:node:NAME in system:nodes (issued through
// a CSR, see package csrapproving), and may read only the Secrets,
// ConfigMaps, claims, volumes and service accounts of pods bound to NAME,
// and write only its own Node, its own Lease and its own pods' status.
// Join tokens authenticate as bootstrappers (system:bootstrappers), which
// may only ask for such a certificate.
//
//	join token ──► system:bootstrap:ID ──create CSR──► csrapproving (SAR nodeclient)
//	                                                    └► csrsigning ──► cert system:node:NAME
//	system:node:NAME ──► Authorizer (rules + pods on NAME) ──► Admission (own Node/Lease/pods)
package nodeauthz

import (
	"strings"

	"k8s.io/apiserver/pkg/authentication/user"
)

// Kubernetes' names for nodes' and bootstrappers' identities.
const (
	NodesGroup         = user.NodesGroup
	NodeUserPrefix     = "system:node:"
	BootstrappersGroup = "system:bootstrappers"
	// BootstrapUserPrefix + token ID is a bootstrap token's user.
	BootstrapUserPrefix = "system:bootstrap:"
)

// NodeName is Kubernetes' NodeIdentifier: the node a user is, when its
// name is system:node:NAME and it is in system:nodes.
func NodeName(u user.Info) (string, bool) {
	if u == nil || !strings.HasPrefix(u.GetName(), NodeUserPrefix) {
		return "", false
	}
	name := strings.TrimPrefix(u.GetName(), NodeUserPrefix)
	if name == "" {
		return "", false
	}
	for _, g := range u.GetGroups() {
		if g == NodesGroup {
			return name, true
		}
	}
	return "", false
}

// IsBootstrapper says whether u is a join token's identity.
func IsBootstrapper(u user.Info) bool {
	if u == nil {
		return false
	}
	for _, g := range u.GetGroups() {
		if g == BootstrappersGroup {
			return true
		}
	}
	return false
}
