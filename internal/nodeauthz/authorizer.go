package nodeauthz

import (
	"context"
	"fmt"

	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	"k8s.io/apiserver/pkg/authorization/authorizer"
	"k8s.io/client-go/informers"
	corelisters "k8s.io/client-go/listers/core/v1"
	"k8s.io/client-go/tools/cache"

	"github.com/ordo-dev/ordo/internal/podrefs"
	"github.com/ordo-dev/ordo/internal/rbac"
)

// NodeNameIndex indexes pods by spec.nodeName.
const NodeNameIndex = "spec.nodeName"

// Authorizer is Kubernetes' Node authorizer for ordo: it has an opinion
// only on nodes and bootstrappers, allowing what nodeRules (or
// bootstrapRules) grant, and for Secrets, ConfigMaps, claims, volumes and
// service-account tokens only the ones pods bound to the node reference.
// A request it does not allow gets NoOpinion and a reason, so RBAC may
// still grant it (as kube-apiserver's --authorization-mode=Node,RBAC).
type Authorizer struct {
	pods   cache.Indexer
	claims corelisters.PersistentVolumeClaimLister
	rules  []rbacv1.PolicyRule
	boot   []rbacv1.PolicyRule
}

// New builds the authorizer on f's informers (pods, claims); call before f
// starts, since it adds the pods' node-name index.
func New(f informers.SharedInformerFactory) (*Authorizer, error) {
	pods := f.Core().V1().Pods().Informer()
	err := pods.AddIndexers(cache.Indexers{NodeNameIndex: func(obj interface{}) ([]string, error) {
		if p, ok := obj.(*corev1.Pod); ok && p.Spec.NodeName != "" {
			return []string{p.Spec.NodeName}, nil
		}
		return nil, nil
	}})
	if err != nil {
		return nil, err
	}
	return &Authorizer{pods: pods.GetIndexer(), claims: f.Core().V1().PersistentVolumeClaims().Lister(),
		rules: nodeRules(), boot: bootstrapRules()}, nil
}

// Authorize decides for nodes and bootstrappers; others get NoOpinion.
func (z *Authorizer) Authorize(_ context.Context, a authorizer.Attributes) (authorizer.Decision, string, error) {
	node, ok := NodeName(a.GetUser())
	if !ok {
		if IsBootstrapper(a.GetUser()) && rbac.RulesAllow(a, z.boot) {
			return authorizer.DecisionAllow, "", nil
		}
		return authorizer.DecisionNoOpinion, "", nil
	}
	if !a.IsResourceRequest() {
		return authorizer.DecisionNoOpinion, "", nil
	}
	if a.GetAPIGroup() == "" {
		switch a.GetResource() {
		case "secrets", "configmaps":
			return z.readObject(node, a)
		case "persistentvolumeclaims", "persistentvolumes":
			if a.GetSubresource() == "status" && a.GetResource() == "persistentvolumeclaims" {
				break
			}
			if a.GetResource() == "persistentvolumes" && a.GetVerb() != "get" {
				break
			}
			return z.getObject(node, a)
		case "serviceaccounts":
			return z.serviceAccount(node, a)
		}
	}
	if rbac.RulesAllow(a, z.rules) {
		return authorizer.DecisionAllow, "", nil
	}
	return authorizer.DecisionNoOpinion, "", nil
}

// readObject: get, or a list/watch of one object by name (a
// metadata.name field selector), of a namespaced object a pod of node
// references.
func (z *Authorizer) readObject(node string, a authorizer.Attributes) (authorizer.Decision, string, error) {
	switch {
	case a.GetVerb() != "get" && a.GetVerb() != "list" && a.GetVerb() != "watch":
		return authorizer.DecisionNoOpinion, "can only read resources of this type", nil
	case a.GetSubresource() != "":
		return authorizer.DecisionNoOpinion, "cannot read subresource", nil
	case a.GetNamespace() == "":
		return authorizer.DecisionNoOpinion, "can only read namespaced object of this type", nil
	}
	return z.related(node, a)
}

// getObject: a get of a claim or volume a pod of node uses.
func (z *Authorizer) getObject(node string, a authorizer.Attributes) (authorizer.Decision, string, error) {
	switch {
	case a.GetVerb() != "get":
		return authorizer.DecisionNoOpinion, "can only get individual resources of this type", nil
	case a.GetSubresource() != "":
		return authorizer.DecisionNoOpinion, "cannot get subresource", nil
	}
	return z.related(node, a)
}

// serviceAccount: a token for, or a get of, the service account of a pod
// of node (ordo's agent reads the account for its image pull secrets).
func (z *Authorizer) serviceAccount(node string, a authorizer.Attributes) (authorizer.Decision, string, error) {
	switch {
	case a.GetSubresource() == "" && a.GetVerb() == "get":
	case a.GetVerb() != "create":
		return authorizer.DecisionNoOpinion, "can only create tokens for individual service accounts", nil
	case a.GetSubresource() != "token":
		return authorizer.DecisionNoOpinion, "can only create token subresource of serviceaccount", nil
	}
	return z.related(node, a)
}

// related allows a when a pod bound to node references the named object.
func (z *Authorizer) related(node string, a authorizer.Attributes) (authorizer.Decision, string, error) {
	if a.GetName() == "" {
		return authorizer.DecisionNoOpinion, "No Object name found", nil
	}
	if z.references(node, a.GetResource(), a.GetNamespace(), a.GetName()) {
		return authorizer.DecisionAllow, "", nil
	}
	return authorizer.DecisionNoOpinion, fmt.Sprintf("no relationship found between node '%s' and this object", node), nil
}

// references: does a pod bound to node use the object? A volume is used
// through the claim bound to it.
func (z *Authorizer) references(node, resource, ns, name string) bool {
	objs, err := z.pods.ByIndex(NodeNameIndex, node)
	if err != nil {
		return false
	}
	for _, obj := range objs {
		pod, ok := obj.(*corev1.Pod)
		if !ok || (resource != "persistentvolumes" && pod.Namespace != ns) {
			continue
		}
		r := podrefs.Of(pod)
		switch resource {
		case "secrets":
			ok = r.Secrets[name]
		case "configmaps":
			ok = r.ConfigMaps[name]
		case "persistentvolumeclaims":
			ok = r.Claims[name]
		case "serviceaccounts":
			ok = r.ServiceAccount == name
		case "persistentvolumes":
			ok = z.claimsVolume(pod.Namespace, r.Claims, name)
		}
		if ok {
			return true
		}
	}
	return false
}

func (z *Authorizer) claimsVolume(ns string, claims map[string]bool, volume string) bool {
	for c := range claims {
		pvc, err := z.claims.PersistentVolumeClaims(ns).Get(c)
		if err == nil && pvc.Spec.VolumeName == volume {
			return true
		}
	}
	return false
}
