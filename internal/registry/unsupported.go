package registry

import (
	appsv1 "k8s.io/api/apps/v1"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/runtime"

	"github.com/ordo-dev/ordo/internal/api/unsupported"
)

// podTemplateWarnings names, at apply time, the pod fields of a Pod, Job,
// CronJob or apps/v1 workload that ordo accepts but does not act on yet; otherwise a user would
// learn of them only from an event once a pod started.
func podTemplateWarnings(obj runtime.Object) []string {
	var fields []string
	switch o := obj.(type) {
	case *corev1.Pod:
		fields = unsupported.PodSpec(&o.Spec, "spec")
	case *batchv1.Job:
		fields = unsupported.PodSpec(&o.Spec.Template.Spec, "spec.template.spec")
	case *batchv1.CronJob:
		fields = unsupported.PodSpec(&o.Spec.JobTemplate.Spec.Template.Spec, "spec.jobTemplate.spec.template.spec")
	case *appsv1.StatefulSet:
		fields = unsupported.PodSpec(&o.Spec.Template.Spec, "spec.template.spec")
	case *appsv1.Deployment:
		fields = unsupported.PodSpec(&o.Spec.Template.Spec, "spec.template.spec")
	case *appsv1.ReplicaSet:
		fields = unsupported.PodSpec(&o.Spec.Template.Spec, "spec.template.spec")
	case *appsv1.DaemonSet:
		fields = unsupported.PodSpec(&o.Spec.Template.Spec, "spec.template.spec")
	case *corev1.ReplicationController:
		if o.Spec.Template != nil {
			fields = unsupported.PodSpec(&o.Spec.Template.Spec, "spec.template.spec")
		}
	case *corev1.PodTemplate:
		fields = unsupported.PodSpec(&o.Template.Spec, "template.spec")
	}
	if msg := unsupported.Warning(fields); msg != "" {
		return []string{msg}
	}
	return nil
}
