package limitranger

import (
	"context"
	"fmt"
	"io"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/labels"
	utilerrors "k8s.io/apimachinery/pkg/util/errors"
	"k8s.io/apiserver/pkg/admission"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes"
	corelisters "k8s.io/client-go/listers/core/v1"
	"k8s.io/utils/clock"
)

// Plugin is the LimitRanger: it mutates (defaults) and validates (bounds).
type Plugin struct {
	*admission.Handler
	ranges corelisters.LimitRangeLister
	live   *liveLookup
}

var (
	_ admission.MutationInterface   = &Plugin{}
	_ admission.ValidationInterface = &Plugin{}
)

// PluginName is kube-apiserver's name for the plugin.
const PluginName = "LimitRanger"

// Register registers the plugin under PluginName; it takes its informers
// and loopback client from the generic initializer.
func Register(plugins *admission.Plugins) {
	plugins.Register(PluginName, func(io.Reader) (admission.Interface, error) {
		return &Plugin{Handler: admission.NewHandler(admission.Create, admission.Update),
			live: &liveLookup{clock: clock.RealClock{}, entries: map[string]liveEntry{}}}, nil
	})
}

// SetExternalKubeInformerFactory watches LimitRanges through f; the
// plugin is ready once that cache has synced.
func (p *Plugin) SetExternalKubeInformerFactory(f informers.SharedInformerFactory) {
	inf := f.Core().V1().LimitRanges()
	p.ranges = inf.Lister()
	p.SetReadyFunc(inf.Informer().HasSynced)
}

// SetExternalKubeClientSet is the client of live lookups.
func (p *Plugin) SetExternalKubeClientSet(client kubernetes.Interface) { p.live.client = client }

// ValidateInitialization checks both were given.
func (p *Plugin) ValidateInitialization() error {
	if p.ranges == nil || p.live.client == nil {
		return fmt.Errorf("%s needs an informer factory and a client", PluginName)
	}
	return nil
}

// applies: pods on create, claims on create and update (an expansion
// may pass the max); never subresources.
func applies(a admission.Attributes) bool {
	if a.GetSubresource() != "" {
		return false
	}
	switch a.GetResource().GroupResource() {
	case corev1.Resource("pods"):
		return a.GetOperation() == admission.Create
	case corev1.Resource("persistentvolumeclaims"):
		return true
	}
	return false
}

// Admit sets pods' defaults from every LimitRange of the namespace; the
// first range to set a resource wins.
func (p *Plugin) Admit(ctx context.Context, a admission.Attributes, _ admission.ObjectInterfaces) error {
	pod, ok := a.GetObject().(*corev1.Pod)
	if !applies(a) || !ok {
		return nil
	}
	ranges, err := p.list(ctx, a)
	if err != nil {
		return err
	}
	for _, lr := range ranges {
		SetDefaults(lr, pod)
	}
	return nil
}

// Validate refuses pods and claims outside the namespace's ranges.
func (p *Plugin) Validate(ctx context.Context, a admission.Attributes, _ admission.ObjectInterfaces) error {
	if !applies(a) {
		return nil
	}
	ranges, err := p.list(ctx, a)
	if err != nil || len(ranges) == 0 {
		return err
	}
	var errs []error
	for _, lr := range ranges {
		switch obj := a.GetObject().(type) {
		case *corev1.Pod:
			errs = append(errs, PodErrors(lr, obj)...)
		case *corev1.PersistentVolumeClaim:
			errs = append(errs, ClaimErrors(lr, obj)...)
		}
	}
	if len(errs) > 0 {
		return admission.NewForbidden(a, utilerrors.NewAggregate(errs))
	}
	return nil
}

func (p *Plugin) list(ctx context.Context, a admission.Attributes) ([]*corev1.LimitRange, error) {
	if !p.WaitForReady() {
		return nil, admission.NewForbidden(a, fmt.Errorf("not yet ready to handle request"))
	}
	ranges, err := p.ranges.LimitRanges(a.GetNamespace()).List(labels.Everything())
	if err == nil && len(ranges) == 0 {
		ranges, err = p.live.list(ctx, a.GetNamespace())
	}
	if err != nil {
		return nil, apierrors.NewInternalError(err)
	}
	return ranges, nil
}
