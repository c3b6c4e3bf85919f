package registry

import (
	appsv1 "k8s.io/api/apps/v1"
	batchv1 "k8s.io/api/batch/v1"
	coordinationv1 "k8s.io/api/coordination/v1"
	corev1 "k8s.io/api/core/v1"
	discoveryv1 "k8s.io/api/discovery/v1"
	eventsv1 "k8s.io/api/events/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	storagev1 "k8s.io/api/storage/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
)

// eventTTLSeconds is how long events live, as kube-apiserver's --event-ttl.
const eventTTLSeconds = 3600

var all = []string{"all"}

// Catalog lists every resource ordo serves, by group version. Short names,
// categories and subresources are Kubernetes'.
func Catalog() map[schema.GroupVersion][]*Resource {
	return map[schema.GroupVersion][]*Resource{
		corev1.SchemeGroupVersion:         coreResources(),
		appsv1.SchemeGroupVersion:         appsResources(),
		batchv1.SchemeGroupVersion:        batchResources(),
		coordinationv1.SchemeGroupVersion: {res("coordination.k8s.io", "leases", "Lease", true, func() runtime.Object { return &coordinationv1.Lease{} }, func() runtime.Object { return &coordinationv1.LeaseList{} })},
		discoveryv1.SchemeGroupVersion:    {res("discovery.k8s.io", "endpointslices", "EndpointSlice", true, func() runtime.Object { return &discoveryv1.EndpointSlice{} }, func() runtime.Object { return &discoveryv1.EndpointSliceList{} })},
		eventsv1.SchemeGroupVersion:       {with(res("events.k8s.io", "events", "Event", true, func() runtime.Object { return &corev1.Event{} }, func() runtime.Object { return &corev1.EventList{} }), "ev", nil, func(r *Resource) { r.Hooks.TTLSeconds = eventTTLSeconds; r.AllowCreateOnUpdate = true })},
		storagev1.SchemeGroupVersion:      {with(res("storage.k8s.io", "storageclasses", "StorageClass", false, func() runtime.Object { return &storagev1.StorageClass{} }, func() runtime.Object { return &storagev1.StorageClassList{} }), "sc", nil, nil)},
		rbacv1.SchemeGroupVersion:         rbacResources(),
	}
}

func coreResources() []*Resource {
	r := func(plural, kind string, namespaced bool, n, l func() runtime.Object) *Resource {
		return res("", plural, kind, namespaced, n, l)
	}
	return []*Resource{
		with(r("namespaces", "Namespace", false, func() runtime.Object { return &corev1.Namespace{} }, func() runtime.Object { return &corev1.NamespaceList{} }),
			"ns", nil, func(r *Resource) { r.Subresources = []string{"status", "finalize"}; r.Hooks = namespaceHooks }),
		with(r("pods", "Pod", true, func() runtime.Object { return &corev1.Pod{} }, func() runtime.Object { return &corev1.PodList{} }),
			"po", all, func(r *Resource) {
				r.Subresources = []string{"status", "binding", "eviction", "ephemeralcontainers", "log", "exec", "attach", "portforward", "proxy"}
				r.Hooks = podHooks
			}),
		with(r("services", "Service", true, func() runtime.Object { return &corev1.Service{} }, func() runtime.Object { return &corev1.ServiceList{} }),
			"svc", all, func(r *Resource) { r.Subresources = []string{"status", "proxy"} }),
		with(r("endpoints", "Endpoints", true, func() runtime.Object { return &corev1.Endpoints{} }, func() runtime.Object { return &corev1.EndpointsList{} }),
			"ep", nil, func(r *Resource) { r.Singular = "endpoints"; r.AllowCreateOnUpdate = true }),
		with(r("configmaps", "ConfigMap", true, func() runtime.Object { return &corev1.ConfigMap{} }, func() runtime.Object { return &corev1.ConfigMapList{} }), "cm", nil, nil),
		with(r("secrets", "Secret", true, func() runtime.Object { return &corev1.Secret{} }, func() runtime.Object { return &corev1.SecretList{} }),
			"", nil, func(r *Resource) { r.Hooks = secretHooks }),
		with(r("serviceaccounts", "ServiceAccount", true, func() runtime.Object { return &corev1.ServiceAccount{} }, func() runtime.Object { return &corev1.ServiceAccountList{} }),
			"sa", nil, func(r *Resource) { r.Subresources = []string{"token"} }),
		with(r("persistentvolumeclaims", "PersistentVolumeClaim", true, func() runtime.Object { return &corev1.PersistentVolumeClaim{} }, func() runtime.Object { return &corev1.PersistentVolumeClaimList{} }),
			"pvc", nil, func(r *Resource) { r.Subresources = []string{"status"}; r.Hooks = pvcHooks }),
		with(r("persistentvolumes", "PersistentVolume", false, func() runtime.Object { return &corev1.PersistentVolume{} }, func() runtime.Object { return &corev1.PersistentVolumeList{} }),
			"pv", nil, func(r *Resource) { r.Subresources = []string{"status"}; r.Hooks = pvHooks }),
		with(r("events", "Event", true, func() runtime.Object { return &corev1.Event{} }, func() runtime.Object { return &corev1.EventList{} }),
			"ev", nil, func(r *Resource) { r.AllowCreateOnUpdate = true; r.Hooks.TTLSeconds = eventTTLSeconds }),
		with(r("nodes", "Node", false, func() runtime.Object { return &corev1.Node{} }, func() runtime.Object { return &corev1.NodeList{} }),
			"no", nil, func(r *Resource) { r.Subresources = []string{"status"}; r.Hooks.KeepStatusOnCreate = true }),
	}
}

func appsResources() []*Resource {
	scaled := func(r *Resource) {
		r.Subresources = []string{"status", "scale"}
		r.Hooks.Warnings = podTemplateWarnings
	}
	return []*Resource{
		with(res("apps", "statefulsets", "StatefulSet", true, func() runtime.Object { return &appsv1.StatefulSet{} }, func() runtime.Object { return &appsv1.StatefulSetList{} }), "sts", all, scaled),
		with(res("apps", "deployments", "Deployment", true, func() runtime.Object { return &appsv1.Deployment{} }, func() runtime.Object { return &appsv1.DeploymentList{} }), "deploy", all, scaled),
		with(res("apps", "replicasets", "ReplicaSet", true, func() runtime.Object { return &appsv1.ReplicaSet{} }, func() runtime.Object { return &appsv1.ReplicaSetList{} }), "rs", all, scaled),
		res("apps", "controllerrevisions", "ControllerRevision", true, func() runtime.Object { return &appsv1.ControllerRevision{} }, func() runtime.Object { return &appsv1.ControllerRevisionList{} }),
	}
}

func batchResources() []*Resource {
	return []*Resource{
		with(res("batch", "jobs", "Job", true, func() runtime.Object { return &batchv1.Job{} }, func() runtime.Object { return &batchv1.JobList{} }),
			"", all, func(r *Resource) { r.Subresources = []string{"status"}; r.Hooks = jobHooks }),
		with(res("batch", "cronjobs", "CronJob", true, func() runtime.Object { return &batchv1.CronJob{} }, func() runtime.Object { return &batchv1.CronJobList{} }),
			"cj", all, func(r *Resource) { r.Subresources = []string{"status"}; r.Hooks.Warnings = podTemplateWarnings }),
	}
}

func rbacResources() []*Resource {
	g := "rbac.authorization.k8s.io"
	return []*Resource{
		res(g, "roles", "Role", true, func() runtime.Object { return &rbacv1.Role{} }, func() runtime.Object { return &rbacv1.RoleList{} }),
		res(g, "clusterroles", "ClusterRole", false, func() runtime.Object { return &rbacv1.ClusterRole{} }, func() runtime.Object { return &rbacv1.ClusterRoleList{} }),
		res(g, "rolebindings", "RoleBinding", true, func() runtime.Object { return &rbacv1.RoleBinding{} }, func() runtime.Object { return &rbacv1.RoleBindingList{} }),
		res(g, "clusterrolebindings", "ClusterRoleBinding", false, func() runtime.Object { return &rbacv1.ClusterRoleBinding{} }, func() runtime.Object { return &rbacv1.ClusterRoleBindingList{} }),
	}
}

// res describes a resource whose singular name is its lower-cased kind.
func res(group, plural, kind string, namespaced bool, n, l func() runtime.Object) *Resource {
	return &Resource{
		GroupResource: schema.GroupResource{Group: group, Resource: plural},
		Singular:      lower(kind),
		Kind:          kind,
		Namespaced:    namespaced,
		New:           n,
		NewList:       l,
	}
}

// with sets a resource's short name and categories and applies extra changes.
func with(r *Resource, shortName string, categories []string, more func(*Resource)) *Resource {
	if shortName != "" {
		r.ShortNames = []string{shortName}
	}
	r.Categories = categories
	if more != nil {
		more(r)
	}
	return r
}

func lower(s string) string {
	b := []byte(s)
	for i, c := range b {
		if c >= 'A' && c <= 'Z' {
			b[i] = c + 'a' - 'A'
		}
	}
	return string(b)
}
