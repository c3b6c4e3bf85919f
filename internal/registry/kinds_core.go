package registry

import (
	corev1 "k8s.io/api/core/v1"

	"github.com/ordo-dev/ordo/internal/api/defaults"
	v "github.com/ordo-dev/ordo/internal/api/validation"
	"github.com/ordo-dev/ordo/internal/printers"
)

// eventTTLSeconds is how long events live, as kube-apiserver's --event-ttl.
const eventTTLSeconds = 3600

func coreGroup() Group {
	gv := corev1.SchemeGroupVersion
	return Group{Version: gv, AddToScheme: corev1.AddToScheme, Kinds: []*Resource{
		kind(gv, "namespaces", &corev1.Namespace{}, &corev1.NamespaceList{}).cluster().short("ns").
			sub("status", "finalize").with(namespaceHooks).defaulting(typed(defaults.Namespace)).
			rules(v.For(v.ValidateNamespace, v.ValidateNamespaceUpdate, v.ValidateNamespaceStatusUpdate)).
			columns(printers.Namespaces()),
		kind(gv, "pods", &corev1.Pod{}, &corev1.PodList{}).short("po").in(all...).
			sub("status", "binding", "eviction", "ephemeralcontainers", "log", "exec", "attach", "portforward", "proxy").
			with(podHooks).defaulting(typed(defaults.Pod)).
			rules(v.For(v.ValidatePod, v.ValidatePodUpdate, v.ValidatePodStatusUpdate)).
			columns(printers.Pods()),
		kind(gv, "services", &corev1.Service{}, &corev1.ServiceList{}).short("svc").in(all...).
			sub("status", "proxy").with(Hooks{Store: hookServiceAllocation}).defaulting(typed(defaults.Service)).
			rules(v.For(v.ValidateService, v.ValidateServiceUpdate, v.ValidateServiceStatusUpdate)).
			columns(printers.Services()),
		kind(gv, "endpoints", &corev1.Endpoints{}, &corev1.EndpointsList{}).short("ep").singular("endpoints").
			createOnUpdate().defaulting(typed(defaults.Endpoints)).
			rules(v.For(v.ValidateEndpoints, v.ValidateEndpointsUpdate, nil)).
			columns(printers.Endpoints()),
		kind(gv, "configmaps", &corev1.ConfigMap{}, &corev1.ConfigMapList{}).short("cm").
			rules(v.For(v.ValidateConfigMap, v.ValidateConfigMapUpdate, nil)).
			columns(printers.ConfigMaps()),
		kind(gv, "secrets", &corev1.Secret{}, &corev1.SecretList{}).
			with(secretHooks).defaulting(typed(defaults.Secret)).
			rules(v.For(v.ValidateSecret, v.ValidateSecretUpdate, nil)).
			columns(printers.Secrets()),
		kind(gv, "serviceaccounts", &corev1.ServiceAccount{}, &corev1.ServiceAccountList{}).short("sa").
			sub("token").
			rules(v.For(v.ValidateServiceAccount, v.ValidateServiceAccountUpdate, nil)).
			columns(printers.ServiceAccounts()),
		kind(gv, "persistentvolumeclaims", &corev1.PersistentVolumeClaim{}, &corev1.PersistentVolumeClaimList{}).short("pvc").
			sub("status").with(pvcHooks).defaulting(typed(defaults.PersistentVolumeClaim)).
			rules(v.For(v.ValidatePersistentVolumeClaim, v.ValidatePersistentVolumeClaimUpdate, v.ValidatePersistentVolumeClaimStatusUpdate)).
			columns(printers.PersistentVolumeClaims()),
		kind(gv, "persistentvolumes", &corev1.PersistentVolume{}, &corev1.PersistentVolumeList{}).cluster().short("pv").
			sub("status").with(pvHooks).defaulting(typed(defaults.PersistentVolume)).
			rules(v.For(v.ValidatePersistentVolume, v.ValidatePersistentVolumeUpdate, nil)).
			columns(printers.PersistentVolumes()),
		// Events have no watch cache, as in Kubernetes (whose
		// DefaultWatchCacheSizes sets events to 0): they are written by the
		// thousand (several per pod), read rarely and watched by no
		// controller, and the cache held every one decoded, with its
		// history, for an hour.
		kind(gv, "events", &corev1.Event{}, &corev1.EventList{}).short("ev").createOnUpdate().noWatchCache().
			with(Hooks{TTLSeconds: eventTTLSeconds}).
			rules(v.For(v.ValidateEvent, v.ValidateEventUpdate, nil)).
			columns(printers.Events()),
		kind(gv, "replicationcontrollers", &corev1.ReplicationController{}, &corev1.ReplicationControllerList{}).short("rc").in(all...).
			sub("status", "scale").with(scaled).defaulting(typed(defaults.ReplicationController)).
			rules(v.For(v.ValidateReplicationController, v.ValidateReplicationControllerUpdate, v.ValidateReplicationControllerStatusUpdate)).
			columns(printers.ReplicationControllers()),
		kind(gv, "podtemplates", &corev1.PodTemplate{}, &corev1.PodTemplateList{}).
			with(Hooks{Warnings: podTemplateWarnings}).defaulting(typed(defaults.PodTemplate)).
			rules(v.For(v.ValidatePodTemplate, v.ValidatePodTemplateUpdate, nil)).
			columns(printers.PodTemplates()),
		kind(gv, "limitranges", &corev1.LimitRange{}, &corev1.LimitRangeList{}).short("limits").
			defaulting(typed(defaults.LimitRange)).
			rules(v.For(v.ValidateLimitRange, v.ValidateLimitRangeUpdate, nil)),
		kind(gv, "resourcequotas", &corev1.ResourceQuota{}, &corev1.ResourceQuotaList{}).short("quota").
			sub("status").
			rules(v.For(v.ValidateResourceQuota, v.ValidateResourceQuotaUpdate, v.ValidateResourceQuotaStatusUpdate)).
			columns(printers.ResourceQuotas()),
		kind(gv, "nodes", &corev1.Node{}, &corev1.NodeList{}).cluster().short("no").
			sub("status").with(Hooks{KeepStatusOnCreate: true}).
			rules(v.For(v.ValidateNode, v.ValidateNodeUpdate, v.ValidateNodeStatusUpdate)).
			columns(printers.Nodes()),
	}}
}
