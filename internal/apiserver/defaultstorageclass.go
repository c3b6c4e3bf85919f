package apiserver

import (
	"context"
	"fmt"

	"github.com/ordo-dev/ordo/internal/storageclass"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apiserver/pkg/admission"
	"k8s.io/client-go/informers"
	storagelisters "k8s.io/client-go/listers/storage/v1"
	volumehelpers "k8s.io/component-helpers/storage/volume"
)

// defaultStorageClass is Kubernetes' DefaultStorageClass admission plugin:
// a claim created without any storage class (no spec.storageClassName, no
// beta annotation) gets the default class's name, so the binder and the
// provisioner see the class the user meant from the claim's first version.
// An explicit "" stays "": it asks for a volume of no class. It acts at
// create only, as in Kubernetes.
type defaultStorageClass struct {
	*admission.Handler
	classes storagelisters.StorageClassLister
}

var _ admission.MutationInterface = &defaultStorageClass{}

// newDefaultStorageClass watches StorageClasses through f; the plugin is
// ready once that cache has synced.
func newDefaultStorageClass(f informers.SharedInformerFactory) *defaultStorageClass {
	inf := f.Storage().V1().StorageClasses()
	p := &defaultStorageClass{Handler: admission.NewHandler(admission.Create), classes: inf.Lister()}
	p.SetReadyFunc(inf.Informer().HasSynced)
	return p
}

// Admit sets the default class on new claims that name none.
func (p *defaultStorageClass) Admit(_ context.Context, a admission.Attributes, _ admission.ObjectInterfaces) error {
	if a.GetResource().GroupResource() != corev1.Resource("persistentvolumeclaims") || a.GetSubresource() != "" {
		return nil
	}
	pvc, ok := a.GetObject().(*corev1.PersistentVolumeClaim)
	if !ok || volumehelpers.PersistentVolumeClaimHasClass(pvc) {
		return nil
	}
	if !p.WaitForReady() {
		return admission.NewForbidden(a, fmt.Errorf("not yet ready to handle request"))
	}
	all, err := p.classes.List(labels.Everything())
	if err != nil {
		return apierrors.NewInternalError(err)
	}
	if def := storageclass.Default(all); def != nil {
		name := def.Name
		pvc.Spec.StorageClassName = &name
	}
	return nil
}
