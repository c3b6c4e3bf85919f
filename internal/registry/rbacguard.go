package registry

import (
	"context"

	rbacv1 "k8s.io/api/rbac/v1"
	"k8s.io/apimachinery/pkg/api/equality"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apiserver/pkg/registry/rest"
)

// EscalationGuard is Kubernetes' privilege-escalation rule for RBAC
// writes (see rbac.Guard).
type EscalationGuard interface {
	MayGrant(ctx context.Context, resource, ns, name string, rules []rbacv1.PolicyRule, aggregated bool) error
	MayBind(ctx context.Context, ns string, ref rbacv1.RoleRef) error
}

// rbacREST refuses, with 403, RBAC writes that would grant more than the
// writer holds. An update that leaves the rules (or the role reference)
// as they were is not checked, so labels and finalizers stay editable.
type rbacREST struct {
	*mainREST
	guard EscalationGuard
}

func (r *rbacREST) Create(ctx context.Context, obj runtime.Object, createValidation rest.ValidateObjectFunc, options *metav1.CreateOptions) (runtime.Object, error) {
	if err := r.check(ctx, obj, nil); err != nil {
		return nil, err
	}
	return r.mainREST.Create(ctx, obj, createValidation, options)
}

func (r *rbacREST) Update(ctx context.Context, name string, objInfo rest.UpdatedObjectInfo, createValidation rest.ValidateObjectFunc,
	updateValidation rest.ValidateObjectUpdateFunc, forceAllowCreate bool, options *metav1.UpdateOptions) (runtime.Object, bool, error) {
	guarded := rest.WrapUpdatedObjectInfo(objInfo, func(ctx context.Context, obj, old runtime.Object) (runtime.Object, error) {
		return obj, r.check(ctx, obj, old)
	})
	return r.mainREST.Update(ctx, name, guarded, createValidation, updateValidation, forceAllowCreate, options)
}

// check asks the guard about obj, unless an update keeps what it grants.
func (r *rbacREST) check(ctx context.Context, obj, old runtime.Object) error {
	if r.guard == nil || (old != nil && equality.Semantic.DeepEqual(grants(obj), grants(old))) {
		return nil
	}
	var err error
	var name string
	switch o := obj.(type) {
	case *rbacv1.Role:
		name, err = o.Name, r.guard.MayGrant(ctx, "roles", o.Namespace, o.Name, o.Rules, false)
	case *rbacv1.ClusterRole:
		name, err = o.Name, r.guard.MayGrant(ctx, "clusterroles", "", o.Name, o.Rules, o.AggregationRule != nil)
	case *rbacv1.RoleBinding:
		name, err = o.Name, r.guard.MayBind(ctx, o.Namespace, o.RoleRef)
	case *rbacv1.ClusterRoleBinding:
		name, err = o.Name, r.guard.MayBind(ctx, "", o.RoleRef)
	}
	if err != nil {
		return apierrors.NewForbidden(r.Store.DefaultQualifiedResource, name, err)
	}
	return nil
}

// grants is the part of an RBAC object that decides what it gives.
func grants(obj runtime.Object) interface{} {
	switch o := obj.(type) {
	case *rbacv1.Role:
		return o.Rules
	case *rbacv1.ClusterRole:
		return []interface{}{o.Rules, o.AggregationRule}
	case *rbacv1.RoleBinding:
		return []interface{}{o.RoleRef, o.Subjects}
	case *rbacv1.ClusterRoleBinding:
		return []interface{}{o.RoleRef, o.Subjects}
	}
	return obj
}
