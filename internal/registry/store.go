package registry

import (
	"context"
	"fmt"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/fields"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apiserver/pkg/registry/generic"
	genericregistry "k8s.io/apiserver/pkg/registry/generic/registry"
	"k8s.io/apiserver/pkg/registry/rest"

	"github.com/ordo-dev/ordo/internal/printers"
)

// mainREST is the main endpoint of a resource: the generic store plus the
// discovery details kubectl relies on (short names such as "cj", categories
// such as "all").
type mainREST struct {
	*genericregistry.Store
	shortNames []string
	categories []string
}

var (
	_ rest.ShortNamesProvider = &mainREST{}
	_ rest.CategoriesProvider = &mainREST{}
)

func (r *mainREST) ShortNames() []string { return r.shortNames }
func (r *mainREST) Categories() []string { return r.categories }

// statusREST serves the status subresource: only status changes.
type statusREST struct {
	store *genericregistry.Store
}

func (r *statusREST) New() runtime.Object { return r.store.New() }

// Destroy does nothing: the storage is the main store's, destroyed with it.
func (r *statusREST) Destroy() {}

func (r *statusREST) Get(ctx context.Context, name string, options *metav1.GetOptions) (runtime.Object, error) {
	return r.store.Get(ctx, name, options)
}

func (r *statusREST) Update(ctx context.Context, name string, objInfo rest.UpdatedObjectInfo, createValidation rest.ValidateObjectFunc, updateValidation rest.ValidateObjectUpdateFunc, _ bool, options *metav1.UpdateOptions) (runtime.Object, bool, error) {
	// Subresources never create the object.
	return r.store.Update(ctx, name, objInfo, createValidation, updateValidation, false, options)
}

func (r *statusREST) GetResetFields() map[fieldpathAPIVersion]*fieldpathSet {
	return r.store.GetResetFields()
}

// Build makes the REST storage of one resource: its main endpoint keyed by
// the plural name, and each subresource keyed "plural/sub".
func Build(r *Resource, c Config, opts generic.RESTOptionsGetter) (map[string]rest.Storage, error) {
	store, err := newStore(r, c, opts)
	if err != nil {
		return nil, err
	}
	out := map[string]rest.Storage{r.GroupResource.Resource: wrapMain(r, c, store)}
	for _, sub := range r.Subresources {
		key := r.GroupResource.Resource + "/" + sub
		switch sub {
		case "status":
			out[key] = &statusREST{store: statusStore(store, newStrategy(r, c, true))}
		case "approval":
			st := newStrategy(r, c, true)
			st.approval = true
			out[key] = &statusREST{store: statusStore(store, st)}
		case "ephemeralcontainers":
			out[key] = &statusREST{store: ephemeralStore(store, newStrategy(r, c, false))}
		case "scale":
			out[key] = newScaleREST(store, r)
		case "binding":
			out[key] = &bindingREST{store: store}
		case "eviction":
			out[key] = &evictionREST{store: store, budgets: c.Budgets}
		case "log":
			out[key] = &logREST{store: store, agents: c.Agents}
		case "exec":
			out[key] = &execREST{store: store, agents: c.Agents}
		case "attach":
			out[key] = &attachREST{store: store, agents: c.Agents, authz: c.Authorizer}
		case "portforward":
			out[key] = &portForwardREST{store: store, agents: c.Agents, authz: c.Authorizer}
		case "proxy":
			if r.GroupResource.Resource == "services" {
				out[key] = &serviceProxyREST{store: store, endpoints: c.Endpoints}
			} else {
				out[key] = &podProxyREST{store: store}
			}
		case "token":
			out[key] = &tokenREST{store: store, tokens: c.Tokens}
		case "finalize":
			out[key] = &finalizeREST{store: store}
		default:
			return nil, fmt.Errorf("%s: unknown subresource %q", r.GroupResource, sub)
		}
	}
	return out, nil
}

// statusStore is a shallow copy of the main store that shares its etcd
// client and watch cache but updates through the status strategy, as
// Kubernetes' status REST does.
func statusStore(main *genericregistry.Store, s *strategy) *genericregistry.Store {
	st := *main
	st.UpdateStrategy = s
	st.ResetFieldsStrategy = s
	return &st
}

func newStore(r *Resource, c Config, opts generic.RESTOptionsGetter) (*genericregistry.Store, error) {
	s := newStrategy(r, c, false)
	gk := schema.GroupKind{Group: r.GroupResource.Group, Kind: r.Kind}
	store := &genericregistry.Store{
		NewFunc:                   r.New,
		NewListFunc:               r.NewList,
		DefaultQualifiedResource:  r.GroupResource,
		SingularQualifiedResource: schema.GroupResource{Group: r.GroupResource.Group, Resource: r.Singular},
		PredicateFunc: func(label labels.Selector, field fields.Selector) storageSelectionPredicate {
			return predicate(gk, r.Namespaced, label, field)
		},
		CreateStrategy:      s,
		UpdateStrategy:      s,
		DeleteStrategy:      s,
		ResetFieldsStrategy: s,
		TableConvertor:      printers.Table(r.Printer, r.GroupResource),
	}
	if r.Hooks.TTLSeconds > 0 {
		ttl := r.Hooks.TTLSeconds
		store.TTLFunc = func(runtime.Object, uint64, bool) (uint64, error) { return ttl, nil }
	}
	if h := r.Hooks.Store; h != nil {
		h(store, c)
	}
	err := store.CompleteWithOptions(&generic.StoreOptions{
		RESTOptions: opts,
		AttrFunc: func(obj runtime.Object) (labels.Set, fields.Set, error) {
			return attrs(gk, r.Namespaced, obj)
		},
	})
	return store, err
}

// wrapMain adds the kind's own endpoint behaviour, if any (Hooks.Main).
func wrapMain(r *Resource, c Config, store *genericregistry.Store) rest.Storage {
	m := &mainREST{Store: store, shortNames: r.ShortNames, categories: r.Categories}
	if h := r.Hooks.Main; h != nil {
		return h(m, c)
	}
	return m
}
