package registry

import (
	"context"

	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/validation/field"
	"k8s.io/apiserver/pkg/authorization/authorizer"
	"k8s.io/apiserver/pkg/registry/rest"
	"k8s.io/apiserver/pkg/storage/names"
	"sigs.k8s.io/structured-merge-diff/v6/fieldpath"
)

type deleteOptions = metav1.DeleteOptions

// strategy is the one create/update/delete strategy all kinds share; the
// Resource's Hooks carry what differs. A status strategy (status=true) lets
// only status change; the main strategy lets everything but status change.
type strategy struct {
	runtime.ObjectTyper
	names.NameGenerator
	res    *Resource
	status bool
	// approval marks the approval subresource (CertificateSigningRequests):
	// a status strategy whose own hook keeps what approvers may not change.
	approval bool
	// authz is the server's authorizer, for Hooks.AuthorizeStatus.
	authz authorizer.Authorizer
}

func newStrategy(r *Resource, c Config, status bool) *strategy {
	return &strategy{ObjectTyper: c.Scheme, NameGenerator: names.SimpleNameGenerator, res: r, status: status, authz: c.Authorizer}
}

func (s *strategy) NamespaceScoped() bool { return s.res.Namespaced }

// PrepareForCreate clears status (the controllers own it) and starts the
// generation at 1 for kinds with a spec.
func (s *strategy) PrepareForCreate(ctx context.Context, obj runtime.Object) {
	if !s.res.Hooks.KeepStatusOnCreate {
		resetField(obj, "Status")
	}
	if hasField(obj, "Spec") {
		if m, err := meta.Accessor(obj); err == nil {
			m.SetGeneration(1)
		}
	}
	if h := s.res.Hooks.PrepareForCreate; h != nil {
		h(ctx, obj)
	}
}

// PrepareForUpdate keeps the half of the object this endpoint may not change
// and bumps the generation when the spec changed.
func (s *strategy) PrepareForUpdate(_ context.Context, obj, old runtime.Object) {
	if s.status {
		copyField(obj, old, "Spec")
		if h := s.res.Hooks.PrepareForApprovalUpdate; s.approval && h != nil {
			h(obj, old)
			return
		}
		if h := s.res.Hooks.PrepareForStatusUpdate; h != nil {
			h(obj, old)
		}
		return
	}
	copyField(obj, old, "Status")
	if fieldChanged(obj, old, "Spec") {
		newMeta, err1 := meta.Accessor(obj)
		oldMeta, err2 := meta.Accessor(old)
		if err1 == nil && err2 == nil {
			newMeta.SetGeneration(oldMeta.GetGeneration() + 1)
		}
	}
	if h := s.res.Hooks.PrepareForUpdate; h != nil {
		h(obj, old)
	}
}

func (s *strategy) Validate(_ context.Context, obj runtime.Object) field.ErrorList {
	return s.res.Validation.Create(obj)
}

func (s *strategy) ValidateUpdate(ctx context.Context, obj, old runtime.Object) field.ErrorList {
	if s.status {
		errs := s.res.Validation.StatusUpdate(obj, old)
		if h := s.res.Hooks.AuthorizeStatus; h != nil && len(errs) == 0 && !s.approval {
			errs = h(ctx, s.authz, obj, old)
		}
		return errs
	}
	return s.res.Validation.Update(obj, old)
}

func (s *strategy) WarningsOnCreate(_ context.Context, obj runtime.Object) []string {
	return s.warnings(obj)
}

func (s *strategy) WarningsOnUpdate(_ context.Context, obj, _ runtime.Object) []string {
	return s.warnings(obj)
}

// warnings says, on the main resource, which of the object's fields
// nothing acts on.
func (s *strategy) warnings(obj runtime.Object) []string {
	if s.status {
		return nil
	}
	var out []string
	if s.res.Hooks.Warnings != nil {
		out = append(out, s.res.Hooks.Warnings(obj)...)
	}
	return out
}

func (s *strategy) Canonicalize(runtime.Object) {}

func (s *strategy) AllowCreateOnUpdate(context.Context) bool {
	return s.res.AllowCreateOnUpdate && !s.status
}

func (s *strategy) AllowUnconditionalUpdate(context.Context) bool { return true }

// GetResetFields tells server-side apply which fields this endpoint wipes:
// status on the main resource, spec on the status subresource.
func (s *strategy) GetResetFields() map[fieldpath.APIVersion]*fieldpath.Set {
	gv := s.res.GroupResource.Group + "/" + s.res.Version
	if s.res.GroupResource.Group == "" {
		gv = s.res.Version
	}
	wiped := "status"
	if s.status {
		wiped = "spec"
	}
	if !hasField(s.res.New(), capitalize(wiped)) {
		return nil
	}
	return map[fieldpath.APIVersion]*fieldpath.Set{
		fieldpath.APIVersion(gv): fieldpath.NewSet(fieldpath.MakePathOrDie(wiped)),
	}
}

// CheckGracefulDelete defers to the kind; kinds without a hook delete at once.
func (s *strategy) CheckGracefulDelete(_ context.Context, obj runtime.Object, options *metav1.DeleteOptions) bool {
	if h := s.res.Hooks.GracefulDelete; h != nil {
		return h(obj, options)
	}
	return false
}

// DefaultGarbageCollectionPolicy orphans dependents by default only for kinds
// that do so in Kubernetes (batch/v1 Jobs); everything else cascades in the
// background.
func (s *strategy) DefaultGarbageCollectionPolicy(context.Context) rest.GarbageCollectionPolicy {
	if s.res.Hooks.OrphanByDefault {
		return rest.OrphanDependents
	}
	return rest.DeleteDependents
}

func capitalize(s string) string {
	if s == "" {
		return s
	}
	return string(s[0]-'a'+'A') + s[1:]
}
