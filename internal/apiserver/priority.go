package apiserver

import (
	"context"
	"fmt"
	"io"

	corev1 "k8s.io/api/core/v1"
	schedulingv1 "k8s.io/api/scheduling/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apiserver/pkg/admission"
	"k8s.io/apiserver/pkg/admission/initializer"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes"
	schedulinglisters "k8s.io/client-go/listers/scheduling/v1"
	"k8s.io/utils/ptr"
)

// priorityAdmission is Kubernetes' Priority admission plugin. A new pod's
// spec.priorityClassName is resolved into spec.priority and
// spec.preemptionPolicy (a pod naming no class gets the global default
// class, or priority 0); a class that does not exist, or a priority or
// policy set in the pod that differs from its class's, is refused. On
// update the pod keeps the values it was admitted with. For
// PriorityClasses it allows at most one globalDefault.
type priorityAdmission struct {
	*admission.Handler
	classes schedulinglisters.PriorityClassLister
	// client reads a class the cache has not seen yet, so that a pod
	// created right after its class is not refused.
	client kubernetes.Interface
}

var (
	_ admission.MutationInterface                  = &priorityAdmission{}
	_ admission.ValidationInterface                = &priorityAdmission{}
	_ initializer.WantsExternalKubeInformerFactory = &priorityAdmission{}
	_ initializer.WantsExternalKubeClientSet       = &priorityAdmission{}
	_ admission.InitializationValidator            = &priorityAdmission{}
)

// priorityPluginName is kube-apiserver's name for the plugin.
const priorityPluginName = "Priority"

// registerPriority registers the plugin; the generic initializer gives it
// the server's informers and loopback client.
func registerPriority(plugins *admission.Plugins) {
	plugins.Register(priorityPluginName, func(io.Reader) (admission.Interface, error) {
		return &priorityAdmission{Handler: admission.NewHandler(admission.Create, admission.Update)}, nil
	})
}

// SetExternalKubeInformerFactory watches PriorityClasses through f; the
// plugin is ready once that cache has synced.
func (p *priorityAdmission) SetExternalKubeInformerFactory(f informers.SharedInformerFactory) {
	inf := f.Scheduling().V1().PriorityClasses()
	p.classes = inf.Lister()
	p.SetReadyFunc(inf.Informer().HasSynced)
}

// SetExternalKubeClientSet is the client for classes not yet cached.
func (p *priorityAdmission) SetExternalKubeClientSet(c kubernetes.Interface) { p.client = c }

// ValidateInitialization checks the initializer gave the plugin its cache.
func (p *priorityAdmission) ValidateInitialization() error {
	if p.classes == nil {
		return fmt.Errorf("%s: missing PriorityClass lister", priorityPluginName)
	}
	return nil
}

// newPriorityAdmission builds the plugin as the initializer would (tests).
func newPriorityAdmission(f informers.SharedInformerFactory, client kubernetes.Interface) *priorityAdmission {
	p := &priorityAdmission{Handler: admission.NewHandler(admission.Create, admission.Update)}
	p.SetExternalKubeInformerFactory(f)
	p.SetExternalKubeClientSet(client)
	return p
}

var (
	podsResource    = corev1.Resource("pods")
	classesResource = schedulingv1.Resource("priorityclasses")
)

// Admit resolves new pods' priority and keeps updated pods' own.
func (p *priorityAdmission) Admit(ctx context.Context, a admission.Attributes, _ admission.ObjectInterfaces) error {
	if a.GetResource().GroupResource() != podsResource || a.GetSubresource() != "" {
		return nil
	}
	pod, ok := a.GetObject().(*corev1.Pod)
	if !ok {
		return nil
	}
	if a.GetOperation() == admission.Update {
		if old, ok := a.GetOldObject().(*corev1.Pod); ok {
			keepPriority(pod, old)
		}
		return nil
	}
	if !p.WaitForReady() {
		return admission.NewForbidden(a, fmt.Errorf("not yet ready to handle request"))
	}
	var class *schedulingv1.PriorityClass
	if pod.Spec.PriorityClassName == "" {
		def, err := p.globalDefault()
		if err != nil {
			return apierrors.NewInternalError(fmt.Errorf("failed to get default priority class: %v", err))
		}
		class = def
	} else {
		c, err := p.class(ctx, pod.Spec.PriorityClassName)
		if apierrors.IsNotFound(err) {
			return admission.NewForbidden(a, fmt.Errorf("no PriorityClass with name %v was found", pod.Spec.PriorityClassName))
		}
		if err != nil {
			return apierrors.NewInternalError(fmt.Errorf("failed to get PriorityClass with name %s: %v", pod.Spec.PriorityClassName, err))
		}
		class = c
	}
	if err := applyPriority(pod, class); err != nil {
		return admission.NewForbidden(a, err)
	}
	return nil
}

// Validate allows at most one global default PriorityClass.
func (p *priorityAdmission) Validate(_ context.Context, a admission.Attributes, _ admission.ObjectInterfaces) error {
	if a.GetResource().GroupResource() != classesResource || a.GetSubresource() != "" {
		return nil
	}
	pc, ok := a.GetObject().(*schedulingv1.PriorityClass)
	if !ok || !pc.GlobalDefault {
		return nil
	}
	if !p.WaitForReady() {
		return admission.NewForbidden(a, fmt.Errorf("not yet ready to handle request"))
	}
	def, err := p.globalDefault()
	if err != nil {
		return apierrors.NewInternalError(err)
	}
	if def != nil && (a.GetOperation() == admission.Create || def.Name != pc.Name) {
		return admission.NewForbidden(a, fmt.Errorf("PriorityClass %v is marked as default. Only one default can exist", def.Name))
	}
	return nil
}

// class reads a class from the cache, or from the API when the cache has
// not seen it.
func (p *priorityAdmission) class(ctx context.Context, name string) (*schedulingv1.PriorityClass, error) {
	pc, err := p.classes.Get(name)
	if apierrors.IsNotFound(err) && p.client != nil {
		return p.client.SchedulingV1().PriorityClasses().Get(ctx, name, metav1.GetOptions{})
	}
	return pc, err
}

// globalDefault is the global default class, nil when there is none; of
// several (a race between two creates), the lowest, as in Kubernetes.
func (p *priorityAdmission) globalDefault() (*schedulingv1.PriorityClass, error) {
	all, err := p.classes.List(labels.Everything())
	if err != nil {
		return nil, err
	}
	return lowestDefault(all), nil
}

func lowestDefault(all []*schedulingv1.PriorityClass) *schedulingv1.PriorityClass {
	var def *schedulingv1.PriorityClass
	for _, pc := range all {
		if pc.GlobalDefault && (def == nil || pc.Value < def.Value) {
			def = pc
		}
	}
	return def
}

// applyPriority sets a new pod's priority and preemption policy from its
// class (nil: no class and no global default, priority 0), refusing values
// the pod set itself that differ. A pod that named no class gets the
// global default's name.
func applyPriority(pod *corev1.Pod, class *schedulingv1.PriorityClass) error {
	priority, policy := int32(0), ptr.To(corev1.PreemptLowerPriority)
	if class != nil {
		priority, policy = class.Value, class.PreemptionPolicy
		pod.Spec.PriorityClassName = class.Name
	}
	if pod.Spec.Priority != nil && *pod.Spec.Priority != priority {
		return fmt.Errorf("the integer value of priority (%d) must not be provided in pod spec; priority admission controller computed %d from the given PriorityClass name", *pod.Spec.Priority, priority)
	}
	pod.Spec.Priority = &priority
	if policy != nil {
		if pod.Spec.PreemptionPolicy != nil && *pod.Spec.PreemptionPolicy != *policy {
			return fmt.Errorf("the string value of PreemptionPolicy (%s) must not be provided in pod spec; priority admission controller computed %s from the given PriorityClass name", *pod.Spec.PreemptionPolicy, *policy)
		}
		pod.Spec.PreemptionPolicy = ptr.To(*policy)
	}
	return nil
}

// keepPriority carries an updated pod's admitted priority over when the
// update leaves it out (kubectl replace of a manifest); validation refuses
// any other change.
func keepPriority(pod, old *corev1.Pod) {
	if pod.Spec.Priority == nil && old.Spec.Priority != nil {
		pod.Spec.Priority = ptr.To(*old.Spec.Priority)
	}
	if pod.Spec.PreemptionPolicy == nil && old.Spec.PreemptionPolicy != nil {
		pod.Spec.PreemptionPolicy = ptr.To(*old.Spec.PreemptionPolicy)
	}
}
