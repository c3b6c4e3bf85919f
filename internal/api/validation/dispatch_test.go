package validation

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
	"k8s.io/apimachinery/pkg/util/validation/field"
)

// Create (for the tests) validates a new object of any served kind (metadata included, with
// that kind's name rules). Unknown types return nil.
func Create(obj runtime.Object) field.ErrorList {
	switch o := obj.(type) {
	case *corev1.Namespace:
		return ValidateNamespace(o)
	case *corev1.Pod:
		return ValidatePod(o)
	case *corev1.Service:
		return ValidateService(o)
	case *corev1.Endpoints:
		return ValidateEndpoints(o)
	case *corev1.ConfigMap:
		return ValidateConfigMap(o)
	case *corev1.Secret:
		return ValidateSecret(o)
	case *corev1.ServiceAccount:
		return ValidateServiceAccount(o)
	case *corev1.PersistentVolumeClaim:
		return ValidatePersistentVolumeClaim(o)
	case *corev1.PersistentVolume:
		return ValidatePersistentVolume(o)
	case *corev1.Event:
		return ValidateEvent(o)
	case *corev1.Node:
		return ValidateNode(o)
	case *batchv1.Job:
		return ValidateJob(o)
	case *batchv1.CronJob:
		return ValidateCronJob(o)
	case *appsv1.StatefulSet:
		return ValidateStatefulSet(o)
	case *appsv1.ControllerRevision:
		return ValidateControllerRevision(o)
	case *appsv1.Deployment:
		return ValidateDeployment(o)
	case *appsv1.ReplicaSet:
		return ValidateReplicaSet(o)
	case *coordinationv1.Lease:
		return ValidateLease(o)
	case *discoveryv1.EndpointSlice:
		return ValidateEndpointSlice(o)
	case *eventsv1.Event:
		return ValidateEventsV1Event(o)
	case *storagev1.StorageClass:
		return ValidateStorageClass(o)
	case *rbacv1.Role:
		return ValidateRole(o)
	case *rbacv1.ClusterRole:
		return ValidateClusterRole(o)
	case *rbacv1.RoleBinding:
		return ValidateRoleBinding(o)
	case *rbacv1.ClusterRoleBinding:
		return ValidateClusterRoleBinding(o)
	}
	return nil
}

// Update validates obj replacing old (metadata update rules, immutable
// fields, then the same rules as Create). Unknown types return nil; an old
// object of a different type is an internal error.
func Update(obj, old runtime.Object) field.ErrorList {
	switch obj.(type) {
	case *corev1.Namespace:
		return pair(obj, old, ValidateNamespaceUpdate)
	case *corev1.Pod:
		return pair(obj, old, ValidatePodUpdate)
	case *corev1.Service:
		return pair(obj, old, ValidateServiceUpdate)
	case *corev1.Endpoints:
		return pair(obj, old, ValidateEndpointsUpdate)
	case *corev1.ConfigMap:
		return pair(obj, old, ValidateConfigMapUpdate)
	case *corev1.Secret:
		return pair(obj, old, ValidateSecretUpdate)
	case *corev1.ServiceAccount:
		return pair(obj, old, ValidateServiceAccountUpdate)
	case *corev1.PersistentVolumeClaim:
		return pair(obj, old, ValidatePersistentVolumeClaimUpdate)
	case *corev1.PersistentVolume:
		return pair(obj, old, ValidatePersistentVolumeUpdate)
	case *corev1.Event:
		return pair(obj, old, ValidateEventUpdate)
	case *corev1.Node:
		return pair(obj, old, ValidateNodeUpdate)
	case *batchv1.Job:
		return pair(obj, old, ValidateJobUpdate)
	case *batchv1.CronJob:
		return pair(obj, old, ValidateCronJobUpdate)
	case *appsv1.StatefulSet:
		return pair(obj, old, ValidateStatefulSetUpdate)
	case *appsv1.ControllerRevision:
		return pair(obj, old, ValidateControllerRevisionUpdate)
	case *appsv1.Deployment:
		return pair(obj, old, ValidateDeploymentUpdate)
	case *appsv1.ReplicaSet:
		return pair(obj, old, ValidateReplicaSetUpdate)
	case *coordinationv1.Lease:
		return pair(obj, old, ValidateLeaseUpdate)
	case *discoveryv1.EndpointSlice:
		return pair(obj, old, ValidateEndpointSliceUpdate)
	case *eventsv1.Event:
		return pair(obj, old, ValidateEventsV1EventUpdate)
	case *storagev1.StorageClass:
		return pair(obj, old, ValidateStorageClassUpdate)
	case *rbacv1.Role:
		return pair(obj, old, ValidateRoleUpdate)
	case *rbacv1.ClusterRole:
		return pair(obj, old, ValidateClusterRoleUpdate)
	case *rbacv1.RoleBinding:
		return pair(obj, old, ValidateRoleBindingUpdate)
	case *rbacv1.ClusterRoleBinding:
		return pair(obj, old, ValidateClusterRoleBindingUpdate)
	}
	return nil
}

// StatusUpdate validates a write to the /status subresource (metadata update
// rules plus basic status sanity such as non-negative counters). Kinds
// without status rules get the metadata rules only.
func StatusUpdate(obj, old runtime.Object) field.ErrorList {
	switch obj.(type) {
	case *corev1.Namespace:
		return pair(obj, old, ValidateNamespaceStatusUpdate)
	case *corev1.Pod:
		return pair(obj, old, ValidatePodStatusUpdate)
	case *corev1.Service:
		return pair(obj, old, ValidateServiceStatusUpdate)
	case *corev1.PersistentVolumeClaim:
		return pair(obj, old, ValidatePersistentVolumeClaimStatusUpdate)
	case *corev1.Node:
		return pair(obj, old, ValidateNodeStatusUpdate)
	case *batchv1.Job:
		return pair(obj, old, ValidateJobStatusUpdate)
	case *appsv1.StatefulSet:
		return pair(obj, old, ValidateStatefulSetStatusUpdate)
	case *appsv1.Deployment:
		return pair(obj, old, ValidateDeploymentStatusUpdate)
	case *appsv1.ReplicaSet:
		return pair(obj, old, ValidateReplicaSetStatusUpdate)
	}
	if !knownKind(obj) {
		return nil
	}
	return metaOnlyUpdate(obj, old)
}

// knownKind reports whether Create handles obj's type.
func knownKind(obj runtime.Object) bool {
	switch obj.(type) {
	case *corev1.Namespace, *corev1.Pod, *corev1.Service, *corev1.Endpoints, *corev1.ConfigMap,
		*corev1.Secret, *corev1.ServiceAccount, *corev1.PersistentVolumeClaim, *corev1.PersistentVolume,
		*corev1.Event, *corev1.Node, *batchv1.Job, *batchv1.CronJob, *appsv1.StatefulSet,
		*appsv1.ControllerRevision, *appsv1.Deployment, *appsv1.ReplicaSet, *coordinationv1.Lease,
		*discoveryv1.EndpointSlice, *eventsv1.Event, *storagev1.StorageClass, *rbacv1.Role,
		*rbacv1.ClusterRole, *rbacv1.RoleBinding, *rbacv1.ClusterRoleBinding:
		return true
	}
	return false
}
