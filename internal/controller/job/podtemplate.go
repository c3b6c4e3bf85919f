package job

import (
	"fmt"
	"strconv"

	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// completionIndexEnv is the variable Indexed Jobs' containers read their
// index from.
const completionIndexEnv = "JOB_COMPLETION_INDEX"

// maxGenerateNamePrefix leaves room for the API server's 5 random
// characters within a 63-character name.
const maxGenerateNamePrefix = 58

// podTemplate builds the pod every pod of the Job starts from: the
// template's labels, annotations and spec, the Job as controller (which
// blocks the Job's foreground deletion until the pod is gone), and the
// tracking finalizer, so no pod can vanish before it is counted. Indexed
// Jobs' containers also get JOB_COMPLETION_INDEX.
func podTemplate(job *batchv1.Job) *corev1.Pod {
	tpl := job.Spec.Template.DeepCopy()
	pod := &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{
			GenerateName:    job.Name + "-",
			Namespace:       job.Namespace,
			Labels:          tpl.Labels,
			Annotations:     tpl.Annotations,
			Finalizers:      tpl.Finalizers,
			OwnerReferences: []metav1.OwnerReference{*metav1.NewControllerRef(job, jobKind)},
		},
		Spec: tpl.Spec,
	}
	if !hasTrackingFinalizer(pod) {
		pod.Finalizers = append(pod.Finalizers, batchv1.JobTrackingFinalizer)
	}
	if isIndexed(job) {
		for i := range pod.Spec.InitContainers {
			addIndexEnv(&pod.Spec.InitContainers[i])
		}
		for i := range pod.Spec.Containers {
			addIndexEnv(&pod.Spec.Containers[i])
		}
	}
	return pod
}

// addIndexEnv points JOB_COMPLETION_INDEX at the pod's index annotation,
// unless the container sets the variable itself.
func addIndexEnv(c *corev1.Container) {
	for _, e := range c.Env {
		if e.Name == completionIndexEnv {
			return
		}
	}
	c.Env = append(c.Env, corev1.EnvVar{Name: completionIndexEnv, ValueFrom: &corev1.EnvVarSource{
		FieldRef: &corev1.ObjectFieldSelector{
			APIVersion: "v1",
			FieldPath:  fmt.Sprintf("metadata.annotations['%s']", batchv1.JobCompletionIndexAnnotation),
		},
	}})
}

// indexedPod is base for completion index ix: the index as annotation and
// label, hostname <job>-<ix> (so with a headless Service named like
// spec.template.spec.subdomain pods find each other by index), name
// <job>-<ix>-<random>, and, with backoffLimitPerIndex, the failure counts
// inherited from the index's last failed pod. base is shared: only maps
// and the top-level spec are copied.
func indexedPod(job *batchv1.Job, base *corev1.Pod, ix int, replaces *corev1.Pod) *corev1.Pod {
	pod := *base
	pod.ObjectMeta = *base.ObjectMeta.DeepCopy()
	if pod.Annotations == nil {
		pod.Annotations = map[string]string{}
	}
	if pod.Labels == nil {
		pod.Labels = map[string]string{}
	}
	index := strconv.Itoa(ix)
	pod.Annotations[batchv1.JobCompletionIndexAnnotation] = index
	pod.Labels[batchv1.JobCompletionIndexAnnotation] = index
	pod.Spec.Hostname = fmt.Sprintf("%s-%d", job.Name, ix)
	pod.GenerateName = indexGenerateName(job.Name, ix)
	if hasBackoffLimitPerIndex(job) {
		counted, ignored := nextIndexCounts(job, replaces)
		pod.Annotations[batchv1.JobIndexFailureCountAnnotation] = strconv.Itoa(int(counted))
		if ignored > 0 {
			pod.Annotations[batchv1.JobIndexIgnoredFailureCountAnnotation] = strconv.Itoa(int(ignored))
		}
	}
	return &pod
}

// indexGenerateName is "<job>-<ix>-", the Job name cut short when the
// whole would not leave room for the random suffix.
func indexGenerateName(name string, ix int) string {
	suffix := "-" + strconv.Itoa(ix) + "-"
	if len(name)+len(suffix) > maxGenerateNamePrefix {
		name = name[:maxGenerateNamePrefix-len(suffix)]
	}
	return name + suffix
}
