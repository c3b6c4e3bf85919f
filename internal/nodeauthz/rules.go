package nodeauthz

import (
	rbacv1 "k8s.io/api/rbac/v1"
)

func rule(group string, resources []string, verbs ...string) rbacv1.PolicyRule {
	return rbacv1.PolicyRule{APIGroups: []string{group}, Resources: resources, Verbs: verbs}
}

// nodeRules are Kubernetes' system:node rules (bootstrappolicy NodeRules),
// which its Node authorizer grants every node, with ordo's additions for
// what its agent does beyond a kubelet (marked). The per-object checks of
// Authorizer (Secrets, ConfigMaps, claims, volumes, service-account
// tokens) and Admission's own-object checks (Nodes, Leases, pods) narrow
// them further.
func nodeRules() []rbacv1.PolicyRule {
	return []rbacv1.PolicyRule{
		rule("authentication.k8s.io", []string{"tokenreviews"}, "create"),
		rule("authorization.k8s.io", []string{"subjectaccessreviews", "localsubjectaccessreviews"}, "create"),
		rule("", []string{"services"}, "get", "list", "watch"),
		rule("", []string{"nodes"}, "create", "get", "list", "watch"),
		rule("", []string{"nodes/status", "nodes"}, "update", "patch"),
		rule("", []string{"events"}, "create", "update", "patch"),
		rule("events.k8s.io", []string{"events"}, "create", "update", "patch"),
		rule("", []string{"pods"}, "get", "list", "watch"),
		rule("", []string{"pods"}, "create", "delete"),
		rule("", []string{"pods/status"}, "update", "patch"),
		rule("", []string{"pods/eviction"}, "create"),
		rule("", []string{"endpoints"}, "get"),
		rule("certificates.k8s.io", []string{"certificatesigningrequests"}, "create", "get", "list", "watch"),
		rule("coordination.k8s.io", []string{"leases"}, "get", "create", "update", "patch", "delete"),
		rule("storage.k8s.io", []string{"volumeattachments"}, "get"),
		rule("", []string{"persistentvolumeclaims/status"}, "update", "patch"),
		rule("storage.k8s.io", []string{"csidrivers"}, "get", "list", "watch"),
		rule("storage.k8s.io", []string{"csinodes"}, "get", "watch", "list", "create", "update", "patch", "delete"),
		rule("node.k8s.io", []string{"runtimeclasses"}, "get", "list", "watch"),
		rule("certificates.k8s.io", []string{"clustertrustbundles"}, "get", "list", "watch"),
		rule("certificates.k8s.io", []string{"podcertificaterequests"}, "create", "get", "list", "watch"),
		// kubeadm binds system:nodes to the selfnodeclient role, so
		// nodes renew their own certificates.
		rule("certificates.k8s.io", []string{"certificatesigningrequests/selfnodeclient"}, "create"),
		// ordo: a node's own serving certificate (package csrapproving).
		rule("certificates.k8s.io", []string{"certificatesigningrequests/selfnodeserving"}, "create"),
		// ordo: the agent runs kube-proxy's and the cluster DNS's
		// watches (system:node-proxier's reads).
		rule("", []string{"endpoints"}, "list", "watch"),
		rule("discovery.k8s.io", []string{"endpointslices"}, "get", "list", "watch"),
		// ordo: warm runners read their CronJobs' schedules and slot
		// Leases from watches.
		rule("batch", []string{"cronjobs"}, "get", "list", "watch"),
		rule("coordination.k8s.io", []string{"leases"}, "list", "watch"),
		// ordo: the agent reclaims its own local volumes from a watch
		// of all PersistentVolumes (Admission limits deletes to its own).
		rule("", []string{"persistentvolumes"}, "list", "watch", "delete"),
	}
}

// bootstrapRules are what a join token may do: ask for its node's client
// certificate and watch it be issued (system:node-bootstrapper, and
// kubeadm's nodeclient binding for auto-approval).
func bootstrapRules() []rbacv1.PolicyRule {
	return []rbacv1.PolicyRule{
		rule("certificates.k8s.io", []string{"certificatesigningrequests"}, "create", "get", "list", "watch"),
		rule("certificates.k8s.io", []string{"certificatesigningrequests/nodeclient"}, "create"),
	}
}
