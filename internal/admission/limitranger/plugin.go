package limitranger

import (
	"context"
	"fmt"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/labels"
	utilerrors "k8s.io/apimachinery/pkg/util/errors"
	"k8s.io/apiserver/pkg/admission"
	"k8s.io/client-go/informers"
	corelisters "k8s.io/client-go/listers/core/v1"
)

// Plugin is the LimitRanger: it mutates (defaults) and validates (bounds).
type Plugin struct {
	*admission.Handler
	ranges corelisters.LimitRangeLister
}

var (
	_ admission.MutationInterface   = &Plugin{}
	_ admission.ValidationInterface = &Plugin{}
)

// New watches LimitRanges through f; the plugin is ready once that cache
// has synced.
func New(f informers.SharedInformerFactory) *Plugin {
	inf := f.Core().V1().LimitRanges()
	p := &Plugin{Handler: admission.NewHandler(admission.Create, admission.Update), ranges: inf.Lister()}
	p.SetReadyFunc(inf.Informer().HasSynced)
	return p
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
func (p *Plugin) Admit(_ context.Context, a admission.Attributes, _ admission.ObjectInterfaces) error {
	pod, ok := a.GetObject().(*corev1.Pod)
	if !applies(a) || !ok {
		return nil
	}
	ranges, err := p.list(a)
	if err != nil {
		return err
	}
	for _, lr := range ranges {
		SetDefaults(lr, pod)
	}
	return nil
}

// Validate refuses pods and claims outside the namespace's ranges.
func (p *Plugin) Validate(_ context.Context, a admission.Attributes, _ admission.ObjectInterfaces) error {
	if !applies(a) {
		return nil
	}
	ranges, err := p.list(a)
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

func (p *Plugin) list(a admission.Attributes) ([]*corev1.LimitRange, error) {
	if !p.WaitForReady() {
		return nil, admission.NewForbidden(a, fmt.Errorf("not yet ready to handle request"))
	}
	ranges, err := p.ranges.LimitRanges(a.GetNamespace()).List(labels.Everything())
	if err != nil {
		return nil, apierrors.NewInternalError(err)
	}
	return ranges, nil
}
