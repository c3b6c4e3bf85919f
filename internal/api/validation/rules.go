package validation

import (
	"fmt"

	"k8s.io/apimachinery/pkg/api/meta"
	apivalidation "k8s.io/apimachinery/pkg/api/validation"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/validation/field"
)

// Rules is one kind's validation as the API server applies it: on create
// (metadata included, with the kind's name rules), on update of the main
// resource (metadata update rules, immutable fields, then the create rules),
// and on update of its status subresource. Each kind's description in the
// registry catalog holds its Rules, built with For.
type Rules struct {
	Create       func(obj runtime.Object) field.ErrorList
	Update       func(obj, old runtime.Object) field.ErrorList
	StatusUpdate func(obj, old runtime.Object) field.ErrorList
}

// For turns a kind's typed validation functions into Rules. A nil status
// rule applies the metadata update rules only, for kinds whose status has
// no rules of its own (or no status).
func For[T runtime.Object](create func(T) field.ErrorList, update, status func(T, T) field.ErrorList) Rules {
	r := Rules{
		Create: func(obj runtime.Object) field.ErrorList { return typed(obj, create) },
		Update: func(obj, old runtime.Object) field.ErrorList { return pair(obj, old, update) },
	}
	if status == nil {
		r.StatusUpdate = metaOnlyUpdate
	} else {
		r.StatusUpdate = func(obj, old runtime.Object) field.ErrorList { return pair(obj, old, status) }
	}
	return r
}

// typed runs a create rule after checking obj is of its type.
func typed[T runtime.Object](obj runtime.Object, fn func(T) field.ErrorList) field.ErrorList {
	o, ok := obj.(T)
	if !ok {
		return field.ErrorList{field.InternalError(metadataPath, fmt.Errorf("cannot validate %T as %T", obj, *new(T)))}
	}
	return fn(o)
}

// pair runs an update rule after checking both objects are of its type.
func pair[T runtime.Object](obj, old runtime.Object, fn func(T, T) field.ErrorList) field.ErrorList {
	o, ok1 := obj.(T)
	prev, ok2 := old.(T)
	if !ok1 || !ok2 {
		return field.ErrorList{field.InternalError(metadataPath, fmt.Errorf("cannot validate %T replacing %T", obj, old))}
	}
	return fn(o, prev)
}

// metaOnlyUpdate applies the metadata update rules to a kind whose status
// has no rules of its own.
func metaOnlyUpdate(obj, old runtime.Object) field.ErrorList {
	n, err := meta.Accessor(obj)
	if err != nil {
		return field.ErrorList{field.InternalError(metadataPath, err)}
	}
	o, err := meta.Accessor(old)
	if err != nil {
		return field.ErrorList{field.InternalError(metadataPath, err)}
	}
	return apivalidation.ValidateObjectMetaAccessorUpdate(n, o, metadataPath)
}
