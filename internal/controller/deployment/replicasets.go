package deployment

import (
	"fmt"
	"hash/fnv"
	"sort"
	"strconv"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/equality"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/dump"
	"k8s.io/apimachinery/pkg/util/rand"
)

var (
	deploymentKind = appsv1.SchemeGroupVersion.WithKind("Deployment")
	rsKind         = appsv1.SchemeGroupVersion.WithKind("ReplicaSet")
)

// Kubernetes' annotations on a Deployment's ReplicaSets.
const (
	revisionAnnotation        = "deployment.kubernetes.io/revision"
	desiredReplicasAnnotation = "deployment.kubernetes.io/desired-replicas"
	maxReplicasAnnotation     = "deployment.kubernetes.io/max-replicas"
	hashLabel                 = appsv1.DefaultDeploymentUniqueLabelKey // pod-template-hash
)

// templateHash is the pod-template-hash of a template with the
// Deployment's collision count, as a short DNS-safe string.
func templateHash(t *corev1.PodTemplateSpec, collisions *int32) string {
	h := fnv.New32a()
	h.Write([]byte(dump.ForHash(*t)))
	if collisions != nil {
		fmt.Fprintf(h, "%d", *collisions)
	}
	return rand.SafeEncodeString(fmt.Sprint(h.Sum32()))
}

// sameTemplate: rs runs d's template (its pod-template-hash label aside).
func sameTemplate(rs *appsv1.ReplicaSet, t *corev1.PodTemplateSpec) bool {
	a, b := rs.Spec.Template.DeepCopy(), t.DeepCopy()
	delete(a.Labels, hashLabel)
	delete(b.Labels, hashLabel)
	return equality.Semantic.DeepEqual(a, b)
}

// newReplicaSet is the ReplicaSet "<deployment>-<hash>" for d's template:
// selector, labels and template carry pod-template-hash, so the old and
// new ReplicaSets of a rollout never fight over pods.
func newReplicaSet(d *appsv1.Deployment, replicas int32, revision int64) *appsv1.ReplicaSet {
	hash := templateHash(&d.Spec.Template, d.Status.CollisionCount)
	t := d.Spec.Template.DeepCopy()
	t.Labels = withLabel(t.Labels, hashLabel, hash)
	sel := d.Spec.Selector.DeepCopy()
	sel.MatchLabels = withLabel(sel.MatchLabels, hashLabel, hash)
	return &appsv1.ReplicaSet{
		ObjectMeta: metav1.ObjectMeta{
			Name: d.Name + "-" + hash, Namespace: d.Namespace, Labels: t.Labels,
			Annotations:     map[string]string{revisionAnnotation: strconv.FormatInt(revision, 10)},
			OwnerReferences: []metav1.OwnerReference{*metav1.NewControllerRef(d, deploymentKind)},
		},
		Spec: appsv1.ReplicaSetSpec{Replicas: &replicas, MinReadySeconds: d.Spec.MinReadySeconds, Selector: sel, Template: *t},
	}
}

func withLabel(m map[string]string, k, v string) map[string]string {
	out := make(map[string]string, len(m)+1)
	for a, b := range m {
		out[a] = b
	}
	out[k] = v
	return out
}

// revisionOf is a ReplicaSet's revision annotation (0 when absent).
func revisionOf(rs *appsv1.ReplicaSet) int64 {
	n, _ := strconv.ParseInt(rs.Annotations[revisionAnnotation], 10, 64)
	return n
}

// scaleAnnotations are the annotations Kubernetes keeps on a Deployment's
// ReplicaSets while it scales them.
func scaleAnnotations(d *appsv1.Deployment) map[string]string {
	surge, _ := surgeAndUnavailable(d)
	want := replicasOf(d.Spec.Replicas)
	return map[string]string{
		desiredReplicasAnnotation: strconv.Itoa(int(want)),
		maxReplicasAnnotation:     strconv.Itoa(int(want + surge)),
	}
}

// sortByRevision sorts ReplicaSets oldest revision first.
func sortByRevision(rss []*appsv1.ReplicaSet) {
	sort.SliceStable(rss, func(i, j int) bool { return revisionOf(rss[i]) < revisionOf(rss[j]) })
}
