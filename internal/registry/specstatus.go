package registry

import (
	"reflect"

	"k8s.io/apimachinery/pkg/api/equality"
	"k8s.io/apimachinery/pkg/runtime"
)

// Every Kubernetes kind with a spec/status split names the fields Spec and
// Status; these helpers let one strategy serve all of them.

// structField returns the named field of the struct obj points to.
func structField(obj runtime.Object, name string) (reflect.Value, bool) {
	v := reflect.ValueOf(obj)
	if v.Kind() != reflect.Pointer || v.Elem().Kind() != reflect.Struct {
		return reflect.Value{}, false
	}
	f := v.Elem().FieldByName(name)
	return f, f.IsValid()
}

// hasField reports whether obj's type has the named field.
func hasField(obj runtime.Object, name string) bool {
	_, ok := structField(obj, name)
	return ok
}

// copyField sets dst.name to a deep copy of src.name, so the two objects
// share no pointers.
func copyField(dst, src runtime.Object, name string) {
	d, ok := structField(dst, name)
	if !ok {
		return
	}
	if fresh, ok := structField(src.DeepCopyObject(), name); ok {
		d.Set(fresh)
	}
}

// resetField sets obj.name to its zero value.
func resetField(obj runtime.Object, name string) {
	if f, ok := structField(obj, name); ok {
		f.Set(reflect.Zero(f.Type()))
	}
}

// fieldChanged reports whether a and b differ semantically in field name.
func fieldChanged(a, b runtime.Object, name string) bool {
	fa, ok1 := structField(a, name)
	fb, ok2 := structField(b, name)
	if !ok1 || !ok2 {
		return false
	}
	return !equality.Semantic.DeepEqual(fa.Interface(), fb.Interface())
}
