// Package registry turns each served resource kind into REST storage for the
// generic API server: a genericregistry.Store on etcd with ordo's strategy
// (defaults already applied by the scheme, Kubernetes validation, status and
// spec kept apart, generation bumps), plus the subresources Kubernetes offers
// for that kind (status, scale, binding, finalize).
//
// Each served kind is described once, in its group's kinds_*.go file
// (catalog.go explains the shape); behaviour too long for a row lives in a
// file per kind (pods.go, jobs.go, namespaces.go, ...). See README.md.
package registry

import (
	"context"

	"k8s.io/apiserver/pkg/authentication/authenticator"

	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/util/validation/field"
	"k8s.io/apiserver/pkg/authorization/authorizer"
	genericregistry "k8s.io/apiserver/pkg/registry/generic/registry"
	"k8s.io/apiserver/pkg/registry/rest"

	"github.com/ordo-dev/ordo/internal/api/validation"
	"github.com/ordo-dev/ordo/internal/printers"
)

// Resource describes one served resource and what is special about it.
type Resource struct {
	GroupResource schema.GroupResource
	// Version is the group version the kind is stored in (v1, v2, v1beta1).
	Version    string
	Singular   string
	Kind       string
	Namespaced bool
	New        func() runtime.Object
	NewList    func() runtime.Object
	ShortNames []string
	Categories []string
	// Subresources lists the subresources beyond the main one: "status",
	// "scale", "binding", "finalize", "approval".
	Subresources []string
	// AllowCreateOnUpdate lets PUT create the object (Events, Endpoints, Leases).
	AllowCreateOnUpdate bool
	// AlsoServedIn names older versions of the group served from the same
	// storage (main resource and status), converted by the scheme.
	AlsoServedIn []string
	// NoWatchCache serves lists and watches from etcd, not a watch cache.
	NoWatchCache bool
	// Validation is Kubernetes' validation of the kind.
	Validation validation.Rules
	// Defaults applies the kind's defaults; nil has none.
	Defaults func(runtime.Object)
	// Printer gives kubectl's table columns; nil prints NAME, CREATED AT.
	Printer printers.Printer
	// Hooks hold kind-specific behaviour; all are optional.
	Hooks Hooks
}

// Hooks are the kind-specific parts of a strategy and of the storage.
type Hooks struct {
	// Store adjusts the kind's generic store once built (Services allocate
	// cluster IPs and node ports; namespaces are removed late).
	Store func(store *genericregistry.Store, c Config)
	// Main wraps the main endpoint for kind-specific delete or write rules
	// (namespaces, Jobs, the RBAC escalation check).
	Main func(m *mainREST, c Config) rest.Storage
	// PrepareForCreate runs after generic preparation (status cleared unless
	// KeepStatusOnCreate, generation set).
	PrepareForCreate func(ctx context.Context, obj runtime.Object)
	// PrepareForUpdate runs after generic preparation of a main-resource update.
	PrepareForUpdate func(obj, old runtime.Object)
	// PrepareForStatusUpdate runs after generic preparation of a status update.
	PrepareForStatusUpdate func(obj, old runtime.Object)
	// PrepareForApprovalUpdate runs instead of PrepareForStatusUpdate on
	// the approval subresource.
	PrepareForApprovalUpdate func(obj, old runtime.Object)
	// AuthorizeStatus, when set, runs after a status update validated: the
	// kind's own permission check on the caller (PodCertificateRequests'
	// "sign" on their signer).
	AuthorizeStatus func(ctx context.Context, a authorizer.Authorizer, obj, old runtime.Object) field.ErrorList
	// KeepStatusOnCreate keeps a status given on create (Nodes, Events).
	KeepStatusOnCreate bool
	// GracefulDelete decides the grace period of a delete (Pods).
	GracefulDelete func(obj runtime.Object, options *deleteOptions) bool
	// OrphanByDefault makes a delete with no propagationPolicy orphan the
	// dependents, as batch/v1 Jobs do in Kubernetes.
	OrphanByDefault bool
	// TTLSeconds, when set, expires objects from etcd (Events: one hour).
	TTLSeconds uint64
	// Warnings, when set, gives warnings about one object, returned with
	// its create and update (fields ordo accepts but does not act on).
	Warnings func(obj runtime.Object) []string
}

// Config is what the registry needs from the server.
type Config struct {
	Scheme *runtime.Scheme
	// ServiceIPs and NodePorts allocate Service cluster IPs and node ports.
	ServiceIPs Allocator
	NodePorts  Allocator
	// Agents reaches node agents for logs; nil serves no logs.
	Agents Agents
	// Tokens answers serviceaccounts/token (the TokenRequest API); nil
	// answers 503.
	Tokens TokenRequester
	// TokenAuthenticator checks bearer tokens for tokenreviews, against
	// APIAudiences when a review names none; nil answers every review
	// unauthenticated.
	TokenAuthenticator authenticator.Token
	APIAudiences       []string
	// Endpoints reads Services' Endpoints for services/proxy; nil
	// answers 503.
	Endpoints EndpointsGetter
	// Budgets reads and spends PodDisruptionBudgets for pods/eviction;
	// nil evicts as if no budget existed.
	Budgets DisruptionBudgets
	// Authorizer is the API server's, for the second check that streaming
	// subresources make (see authorizeCreate).
	Authorizer authorizer.Authorizer
	// Escalation guards RBAC writes; nil lets them grant anything.
	Escalation EscalationGuard
	// Metrics reads the nodes' and pods' resource metrics for
	// metrics.k8s.io; nil does not serve the group.
	Metrics MetricsReader
}

// Allocator hands out unique values (IPs, ports) that survive restarts.
type Allocator interface {
	// Allocate reserves a specific value for owner; AlreadyExists-style
	// errors mean it is taken.
	Allocate(ctx context.Context, value, owner string) error
	// AllocateNext reserves any free value for owner.
	AllocateNext(ctx context.Context, owner string) (string, error)
	// Release frees a value; releasing a free value is not an error.
	Release(ctx context.Context, value string) error
	// Contains reports whether value lies in the allocator's range.
	Contains(value string) bool
}
