package nodeauthz

import (
	"context"
	"fmt"
	"io"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apiserver/pkg/admission"
	"k8s.io/client-go/informers"
	corelisters "k8s.io/client-go/listers/core/v1"

	"github.com/ordo-dev/ordo/internal/storageclass"
)

// PluginName is kube-apiserver's name for the plugin.
const PluginName = "NodeRestriction"

// Register registers the plugin with plugins, on f's informers.
func Register(plugins *admission.Plugins, f informers.SharedInformerFactory) {
	plugins.Register(PluginName, func(io.Reader) (admission.Interface, error) { return NewAdmission(f), nil })
}

// Admission is Kubernetes' NodeRestriction for ordo: a node may change
// only its own Node and its own Lease in kube-node-lease, update the
// status of, delete and evict only pods bound to it, create no pods (ordo
// has no mirror pods), and (ordo's addition) delete only the local
// volumes pinned to it. Errors carry Kubernetes' wording.
type Admission struct {
	*admission.Handler
	pods    corelisters.PodLister
	volumes corelisters.PersistentVolumeLister
}

var _ admission.ValidationInterface = &Admission{}

// NewAdmission builds the plugin on f's informers.
func NewAdmission(f informers.SharedInformerFactory) *Admission {
	pods, volumes := f.Core().V1().Pods(), f.Core().V1().PersistentVolumes()
	p := &Admission{Handler: admission.NewHandler(admission.Create, admission.Update, admission.Delete),
		pods: pods.Lister(), volumes: volumes.Lister()}
	p.SetReadyFunc(func() bool { return pods.Informer().HasSynced() && volumes.Informer().HasSynced() })
	return p
}

var (
	podsResource    = corev1.Resource("pods")
	nodesResource   = corev1.Resource("nodes")
	volumesResource = corev1.Resource("persistentvolumes")
	leasesResource  = schema.GroupResource{Group: "coordination.k8s.io", Resource: "leases"}
)

// Validate refuses a node's request for another node's objects.
func (p *Admission) Validate(_ context.Context, a admission.Attributes, _ admission.ObjectInterfaces) error {
	node, ok := NodeName(a.GetUserInfo())
	if !ok {
		return nil
	}
	var err error
	switch a.GetResource().GroupResource() {
	case podsResource:
		err = p.pod(node, a)
	case nodesResource:
		if a.GetName() != node {
			err = fmt.Errorf("node %q is not allowed to modify node %q", node, a.GetName())
		}
	case leasesResource:
		if a.GetNamespace() == corev1.NamespaceNodeLease && a.GetName() != node {
			err = fmt.Errorf("can only access node lease with the same name as the requesting node")
		}
	case volumesResource:
		if a.GetOperation() == admission.Delete && p.volumeNode(a) != node {
			err = fmt.Errorf("node %q can only delete persistent volumes pinned to itself", node)
		}
	}
	if err != nil {
		return admission.NewForbidden(a, err)
	}
	return nil
}

// pod checks a node's pod writes: status and eviction of its own pods,
// deletes of its own pods, no creates.
func (p *Admission) pod(node string, a admission.Attributes) error {
	switch {
	case a.GetSubresource() == "" && a.GetOperation() == admission.Create:
		return fmt.Errorf("pod does not have %q annotation, node %q can only create mirror pods", corev1.MirrorPodAnnotationKey, node)
	case a.GetSubresource() == "" && a.GetOperation() == admission.Delete:
		if n, ok := p.podNode(a); ok && n != node {
			return fmt.Errorf("node %q can only delete pods with spec.nodeName set to itself", node)
		}
	case a.GetSubresource() == "status":
		if n, ok := p.podNode(a); ok && n != node {
			return fmt.Errorf("node %q can only update pod status for pods with spec.nodeName set to itself", node)
		}
	case a.GetSubresource() == "eviction":
		if n, ok := p.podNode(a); ok && n != node {
			return fmt.Errorf("node %q can only evict pods with spec.nodeName set to itself", node)
		}
	}
	return nil
}

// podNode is the node of the pod a names: from the stored object when
// admission has it, else from the informer; ok is false when the pod is
// not found (the request then fails on its own).
func (p *Admission) podNode(a admission.Attributes) (string, bool) {
	if pod, ok := a.GetOldObject().(*corev1.Pod); ok && pod != nil {
		return pod.Spec.NodeName, true
	}
	pod, err := p.pods.Pods(a.GetNamespace()).Get(a.GetName())
	if err != nil {
		return "", false
	}
	return pod.Spec.NodeName, true
}

// volumeNode is the node a local volume is pinned to ("" for others).
func (p *Admission) volumeNode(a admission.Attributes) string {
	pv, ok := a.GetOldObject().(*corev1.PersistentVolume)
	if !ok || pv == nil {
		var err error
		if pv, err = p.volumes.Get(a.GetName()); err != nil {
			return ""
		}
	}
	return storageclass.PinnedNode(pv)
}
