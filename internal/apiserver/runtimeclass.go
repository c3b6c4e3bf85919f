package apiserver

import (
	"context"
	"fmt"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apiserver/pkg/admission"
	"k8s.io/client-go/informers"
	nodelisters "k8s.io/client-go/listers/node/v1"
)

// OrdoRuntimeHandler is the RuntimeClass handler of ordo's one runtime;
// "runc" is accepted as an alias so manifests written for containerd's
// default handler run unchanged, and so is every name of the server's
// --runtime-handler-aliases (an operator's choice, as a containerd
// administrator names handlers; Kubernetes' conformance tests expect one
// called "test-handler").
const OrdoRuntimeHandler = "ordo"

// runtimeHandlers is the set of handler names pods may use: ordo's own,
// "runc", and the configured aliases.
func runtimeHandlers(aliases []string) map[string]bool {
	set := map[string]bool{OrdoRuntimeHandler: true, "runc": true}
	for _, a := range aliases {
		set[a] = true
	}
	return set
}

// runtimeClass is Kubernetes' RuntimeClass admission plugin, for ordo's
// one runtime: a pod naming a RuntimeClass that does not exist is
// rejected with Kubernetes' message; one whose handler is not ordo's is
// rejected too (on Kubernetes it would stay ContainerCreating forever);
// otherwise the class's overhead, node selector and tolerations are
// merged into the pod, as upstream does.
type runtimeClass struct {
	*admission.Handler
	classes  nodelisters.RuntimeClassLister
	handlers map[string]bool
}

var (
	_ admission.MutationInterface   = &runtimeClass{}
	_ admission.ValidationInterface = &runtimeClass{}
)

func newRuntimeClass(f informers.SharedInformerFactory, aliases []string) *runtimeClass {
	inf := f.Node().V1().RuntimeClasses()
	p := &runtimeClass{Handler: admission.NewHandler(admission.Create), classes: inf.Lister(), handlers: runtimeHandlers(aliases)}
	p.SetReadyFunc(inf.Informer().HasSynced)
	return p
}

// Admit merges the class's scheduling and overhead into a new pod.
func (p *runtimeClass) Admit(_ context.Context, a admission.Attributes, _ admission.ObjectInterfaces) error {
	pod, name := podWithRuntimeClass(a)
	if pod == nil {
		return nil
	}
	if !p.WaitForReady() {
		return admission.NewForbidden(a, fmt.Errorf("not yet ready to handle request"))
	}
	rc, err := p.classes.Get(name)
	if apierrors.IsNotFound(err) {
		return admission.NewForbidden(a, fmt.Errorf("pod rejected: RuntimeClass %q not found", name))
	}
	if err != nil {
		return apierrors.NewInternalError(err)
	}
	if !p.handlers[rc.Handler] {
		return admission.NewForbidden(a, fmt.Errorf("pod rejected: RuntimeClass %q has handler %q: ordo runs pods with its own runtime only, whose handler is %q (alias \"runc\"; more with the server's --runtime-handler-aliases)", name, rc.Handler, OrdoRuntimeHandler))
	}
	if rc.Overhead != nil && pod.Spec.Overhead == nil {
		pod.Spec.Overhead = rc.Overhead.PodFixed.DeepCopy()
	}
	if s := rc.Scheduling; s != nil {
		for k, v := range s.NodeSelector {
			if have, ok := pod.Spec.NodeSelector[k]; ok && have != v {
				return admission.NewForbidden(a, fmt.Errorf("conflict: runtimeClass.scheduling.nodeSelector[%s] = %s; pod.spec.nodeSelector[%s] = %s", k, v, k, have))
			}
			if pod.Spec.NodeSelector == nil {
				pod.Spec.NodeSelector = map[string]string{}
			}
			pod.Spec.NodeSelector[k] = v
		}
		pod.Spec.Tolerations = append(pod.Spec.Tolerations, s.Tolerations...)
	}
	return nil
}

// Validate checks the pod's overhead is the class's, as upstream does.
func (p *runtimeClass) Validate(_ context.Context, a admission.Attributes, _ admission.ObjectInterfaces) error {
	pod, name := podWithRuntimeClass(a)
	if pod == nil || pod.Spec.Overhead == nil {
		return nil
	}
	rc, err := p.classes.Get(name)
	if err != nil || rc.Overhead == nil {
		return nil
	}
	for res, q := range rc.Overhead.PodFixed {
		if have, ok := pod.Spec.Overhead[res]; !ok || have.Cmp(q) != 0 {
			return admission.NewForbidden(a, fmt.Errorf("pod rejected: Pod's Overhead doesn't match RuntimeClass's defined Overhead"))
		}
	}
	return nil
}

// podWithRuntimeClass returns a pod being created with a RuntimeClass.
func podWithRuntimeClass(a admission.Attributes) (*corev1.Pod, string) {
	if a.GetResource().GroupResource() != corev1.Resource("pods") || a.GetSubresource() != "" {
		return nil, ""
	}
	pod, ok := a.GetObject().(*corev1.Pod)
	if !ok || pod.Spec.RuntimeClassName == nil || *pod.Spec.RuntimeClassName == "" {
		return nil, ""
	}
	return pod, *pod.Spec.RuntimeClassName
}
