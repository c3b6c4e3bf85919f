package statefulset

import (
	"fmt"
	"strconv"
	"strings"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

var setKind = appsv1.SchemeGroupVersion.WithKind("StatefulSet")

// Kubernetes' pod labels for a StatefulSet pod's identity.
const (
	podNameLabel  = appsv1.StatefulSetPodNameLabel // statefulset.kubernetes.io/pod-name
	podIndexLabel = appsv1.PodIndexLabel           // apps.kubernetes.io/pod-index
	revisionLabel = appsv1.ControllerRevisionHashLabelKey
)

// podName is "<set>-<ordinal>".
func podName(set *appsv1.StatefulSet, ordinal int) string {
	return fmt.Sprintf("%s-%d", set.Name, ordinal)
}

// ordinalOf is the ordinal of a pod named after set, or -1.
func ordinalOf(set *appsv1.StatefulSet, p *corev1.Pod) int { return ordinalOfName(set, p.Name) }

// ordinalOfName is ordinalOf for a pod name.
func ordinalOfName(set *appsv1.StatefulSet, name string) int {
	rest, ok := strings.CutPrefix(name, set.Name+"-")
	if !ok {
		return -1
	}
	n, err := strconv.Atoi(rest)
	if err != nil || n < 0 || strconv.Itoa(n) != rest {
		return -1
	}
	return n
}

// ordinals is the range of ordinals the set wants: [start, start+replicas).
func ordinals(set *appsv1.StatefulSet) (start, end int) {
	if set.Spec.Ordinals != nil {
		start = int(set.Spec.Ordinals.Start)
	}
	replicas := 1
	if set.Spec.Replicas != nil {
		replicas = int(*set.Spec.Replicas)
	}
	return start, start + replicas
}

// claimName is "<template>-<set>-<ordinal>", the claim a pod keeps for
// life, across replacement and scale-down.
func claimName(tmpl *corev1.PersistentVolumeClaim, set *appsv1.StatefulSet, ordinal int) string {
	return fmt.Sprintf("%s-%s", tmpl.Name, podName(set, ordinal))
}

// newPod is the pod of ordinal at a revision: the revision's template,
// named and labelled for its identity, hostname and subdomain set for the
// headless Service's DNS, each claim template mounted from its claim.
func newPod(set *appsv1.StatefulSet, template *corev1.PodTemplateSpec, revision string, ordinal int) *corev1.Pod {
	t := template.DeepCopy()
	name := podName(set, ordinal)
	labels := map[string]string{}
	for k, v := range t.Labels {
		labels[k] = v
	}
	labels[podNameLabel] = name
	labels[podIndexLabel] = strconv.Itoa(ordinal)
	labels[revisionLabel] = revision
	p := &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{
			Name: name, Namespace: set.Namespace, Labels: labels, Annotations: t.Annotations, Finalizers: t.Finalizers,
			OwnerReferences: []metav1.OwnerReference{*metav1.NewControllerRef(set, setKind)},
		},
		Spec: t.Spec,
	}
	p.Spec.Hostname = name
	p.Spec.Subdomain = set.Spec.ServiceName
	mountClaims(p, set, ordinal)
	return p
}

// mountClaims makes each claim template a volume of the pod's own claim,
// replacing a template volume of the same name, as Kubernetes does.
func mountClaims(p *corev1.Pod, set *appsv1.StatefulSet, ordinal int) {
	for i := range set.Spec.VolumeClaimTemplates {
		tmpl := &set.Spec.VolumeClaimTemplates[i]
		vol := corev1.Volume{Name: tmpl.Name, VolumeSource: corev1.VolumeSource{
			PersistentVolumeClaim: &corev1.PersistentVolumeClaimVolumeSource{ClaimName: claimName(tmpl, set, ordinal)}}}
		replaced := false
		for j := range p.Spec.Volumes {
			if p.Spec.Volumes[j].Name == tmpl.Name {
				p.Spec.Volumes[j], replaced = vol, true
			}
		}
		if !replaced {
			p.Spec.Volumes = append(p.Spec.Volumes, vol)
		}
	}
}

// newClaim is ordinal's claim from a template, labelled with the template's
// labels and the set's selector labels, as Kubernetes labels them.
func newClaim(set *appsv1.StatefulSet, tmpl *corev1.PersistentVolumeClaim, ordinal int) *corev1.PersistentVolumeClaim {
	c := &corev1.PersistentVolumeClaim{
		ObjectMeta: metav1.ObjectMeta{Name: claimName(tmpl, set, ordinal), Namespace: set.Namespace,
			Labels: map[string]string{}, Annotations: tmpl.Annotations},
		Spec: *tmpl.Spec.DeepCopy(),
	}
	for k, v := range tmpl.Labels {
		c.Labels[k] = v
	}
	if set.Spec.Selector != nil {
		for k, v := range set.Spec.Selector.MatchLabels {
			c.Labels[k] = v
		}
	}
	if retainOnDelete(set) {
		return c
	}
	c.OwnerReferences = []metav1.OwnerReference{*metav1.NewControllerRef(set, setKind)}
	return c
}

// retainOnDelete: whenDeleted is Retain (the default), so claims outlive
// the set; with Delete they carry an owner reference to the set and the
// garbage collector deletes them with it.
func retainOnDelete(set *appsv1.StatefulSet) bool {
	r := set.Spec.PersistentVolumeClaimRetentionPolicy
	return r == nil || r.WhenDeleted != appsv1.DeletePersistentVolumeClaimRetentionPolicyType
}

// deleteOnScale: whenScaled is Delete, so the claims of ordinals scaled
// away are deleted once their pods are gone.
func deleteOnScale(set *appsv1.StatefulSet) bool {
	r := set.Spec.PersistentVolumeClaimRetentionPolicy
	return r != nil && r.WhenScaled == appsv1.DeletePersistentVolumeClaimRetentionPolicyType
}
