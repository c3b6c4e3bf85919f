package registry

import (
	"fmt"

	"github.com/ordo-dev/ordo/internal/api/fieldsel"
	"k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/apimachinery/pkg/fields"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apiserver/pkg/storage"
	"sigs.k8s.io/structured-merge-diff/v6/fieldpath"
)

type (
	storageSelectionPredicate = storage.SelectionPredicate
	fieldpathAPIVersion       = fieldpath.APIVersion
	fieldpathSet              = fieldpath.Set
)

// attrs returns the labels and selectable fields of obj.
func attrs(gk schema.GroupKind, namespaced bool, obj runtime.Object) (labels.Set, fields.Set, error) {
	m, err := meta.Accessor(obj)
	if err != nil {
		return nil, nil, fmt.Errorf("not an object with metadata: %T", obj)
	}
	return labels.Set(m.GetLabels()), fieldsel.Set(gk, obj, namespaced), nil
}

// predicate matches objects against label and field selectors.
func predicate(gk schema.GroupKind, namespaced bool, label labels.Selector, field fields.Selector) storage.SelectionPredicate {
	return storage.SelectionPredicate{
		Label: label,
		Field: field,
		GetAttrs: func(obj runtime.Object) (labels.Set, fields.Set, error) {
			return attrs(gk, namespaced, obj)
		},
	}
}
