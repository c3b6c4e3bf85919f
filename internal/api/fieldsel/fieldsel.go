// Package fieldsel defines, once per kind, the fields a list or watch may
// select on with ?fieldSelector=, as Kubernetes defines them.
//
// The same table drives two things that must agree: the scheme's field-label
// conversion (which rejects unknown labels with Kubernetes' "field label not
// supported" error) and the storage attribute function that evaluates the
// selector against each object.
package fieldsel

import (
	"strconv"
	"strings"

	appsv1 "k8s.io/api/apps/v1"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/apimachinery/pkg/fields"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
)

// extractor returns the kind-specific selectable fields of one object.
type extractor func(obj runtime.Object) fields.Set

var extractors = map[schema.GroupKind]extractor{
	{Kind: "Pod"}:                       podFields,
	{Kind: "Event"}:                     eventFields,
	{Kind: "Namespace"}:                 namespaceFields,
	{Kind: "Secret"}:                    secretFields,
	{Kind: "Node"}:                      nodeFields,
	{Group: "batch", Kind: "Job"}:       jobFields,
	{Group: "apps", Kind: "ReplicaSet"}: replicaSetFields,
	{Kind: "ReplicationController"}:     replicationControllerFields,
	{Kind: "Service"}:                   serviceFields,
	{Group: "certificates.k8s.io", Kind: "CertificateSigningRequest"}: csrFields,
	{Group: "certificates.k8s.io", Kind: "ClusterTrustBundle"}:        clusterTrustBundleFields,
	{Group: "certificates.k8s.io", Kind: "PodCertificateRequest"}:     podCertificateRequestFields,
	{Group: "resource.k8s.io", Kind: "ResourceSlice"}:                 resourceSliceFields,
	// events.k8s.io Events are stored as core Events; their selectors are
	// translated by Internal.
	{Group: "events.k8s.io", Kind: "Event"}: eventFields,
}

// Set returns every selectable field of obj: metadata.name, and
// metadata.namespace for namespaced kinds, plus the kind's own fields.
func Set(gk schema.GroupKind, obj runtime.Object, namespaced bool) fields.Set {
	set := fields.Set{}
	if m, err := meta.Accessor(obj); err == nil {
		set["metadata.name"] = m.GetName()
		if namespaced {
			set["metadata.namespace"] = m.GetNamespace()
		}
	}
	if ex, ok := extractors[gk]; ok {
		for k, v := range ex(obj) {
			set[k] = v
		}
	}
	return set
}

// Internal translates an events.k8s.io field label to the core Event field
// it selects on (regarding.name → involvedObject.name,
// reportingController → reportingComponent); other labels are unchanged.
func Internal(gk schema.GroupKind, label string) string {
	if gk != (schema.GroupKind{Group: "events.k8s.io", Kind: "Event"}) {
		return label
	}
	if rest, ok := strings.CutPrefix(label, "regarding."); ok {
		return "involvedObject." + rest
	}
	if label == "reportingController" {
		return "reportingComponent"
	}
	return label
}

// Supported reports whether label may be used in a field selector for gk.
func Supported(gk schema.GroupKind, label string) bool {
	if label == "metadata.name" || label == "metadata.namespace" {
		return true
	}
	ex, ok := extractors[gk]
	if !ok {
		return false
	}
	_, ok = ex(nil)[label]
	return ok
}

func podFields(obj runtime.Object) fields.Set {
	p, _ := obj.(*corev1.Pod)
	if p == nil {
		p = &corev1.Pod{}
	}
	ips := make([]string, 0, len(p.Status.PodIPs))
	for _, ip := range p.Status.PodIPs {
		ips = append(ips, ip.IP)
	}
	return fields.Set{
		"spec.nodeName":            p.Spec.NodeName,
		"spec.restartPolicy":       string(p.Spec.RestartPolicy),
		"spec.schedulerName":       p.Spec.SchedulerName,
		"spec.serviceAccountName":  p.Spec.ServiceAccountName,
		"spec.hostNetwork":         strconv.FormatBool(p.Spec.HostNetwork),
		"status.phase":             string(p.Status.Phase),
		"status.podIP":             p.Status.PodIP,
		"status.podIPs":            strings.Join(ips, ","),
		"status.nominatedNodeName": p.Status.NominatedNodeName,
	}
}

func eventFields(obj runtime.Object) fields.Set {
	e, _ := obj.(*corev1.Event)
	if e == nil {
		e = &corev1.Event{}
	}
	return fields.Set{
		"involvedObject.kind":            e.InvolvedObject.Kind,
		"involvedObject.namespace":       e.InvolvedObject.Namespace,
		"involvedObject.name":            e.InvolvedObject.Name,
		"involvedObject.uid":             string(e.InvolvedObject.UID),
		"involvedObject.apiVersion":      e.InvolvedObject.APIVersion,
		"involvedObject.resourceVersion": e.InvolvedObject.ResourceVersion,
		"involvedObject.fieldPath":       e.InvolvedObject.FieldPath,
		"reason":                         e.Reason,
		"reportingComponent":             e.ReportingController,
		"source":                         e.Source.Component,
		"type":                           e.Type,
	}
}

func namespaceFields(obj runtime.Object) fields.Set {
	n, _ := obj.(*corev1.Namespace)
	if n == nil {
		n = &corev1.Namespace{}
	}
	return fields.Set{"status.phase": string(n.Status.Phase)}
}

func secretFields(obj runtime.Object) fields.Set {
	s, _ := obj.(*corev1.Secret)
	if s == nil {
		s = &corev1.Secret{}
	}
	return fields.Set{"type": string(s.Type)}
}

func nodeFields(obj runtime.Object) fields.Set {
	n, _ := obj.(*corev1.Node)
	if n == nil {
		n = &corev1.Node{}
	}
	return fields.Set{"spec.unschedulable": strconv.FormatBool(n.Spec.Unschedulable)}
}

func jobFields(obj runtime.Object) fields.Set {
	j, _ := obj.(*batchv1.Job)
	if j == nil {
		j = &batchv1.Job{}
	}
	return fields.Set{"status.successful": strconv.Itoa(int(j.Status.Succeeded))}
}

func replicaSetFields(obj runtime.Object) fields.Set {
	r, _ := obj.(*appsv1.ReplicaSet)
	if r == nil {
		r = &appsv1.ReplicaSet{}
	}
	return fields.Set{"status.replicas": strconv.Itoa(int(r.Status.Replicas))}
}
