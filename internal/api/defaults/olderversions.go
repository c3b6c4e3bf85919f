package defaults

import (
	appsv1beta1 "k8s.io/api/apps/v1beta1"
	autoscalingv1 "k8s.io/api/autoscaling/v1"
	batchv1 "k8s.io/api/batch/v1"
	batchv1beta1 "k8s.io/api/batch/v1beta1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/utils/ptr"
)

// RegisterOlderVersions adds the defaults of the older versions ordo
// serves from a newer version's storage (batch/v1beta1 CronJobs, apps/v1beta1
// StatefulSets, autoscaling/v1 HorizontalPodAutoscalers). The storage versions' defaults come with each kind's
// description in the registry catalog.
func RegisterOlderVersions(s *runtime.Scheme) {
	s.AddTypeDefaultingFunc(&batchv1beta1.CronJob{}, func(o interface{}) { cronJobV1beta1(o.(*batchv1beta1.CronJob)) })
	s.AddTypeDefaultingFunc(&appsv1beta1.StatefulSet{}, func(o interface{}) { statefulSetV1beta1(o.(*appsv1beta1.StatefulSet)) })
	s.AddTypeDefaultingFunc(&autoscalingv1.HorizontalPodAutoscaler{}, func(o interface{}) {
		horizontalPodAutoscalerV1(o.(*autoscalingv1.HorizontalPodAutoscaler))
	})
}

// horizontalPodAutoscalerV1 applies autoscaling/v1's one default, as
// Kubernetes does: minReplicas 1. targetCPUUtilizationPercentage stays
// unset; the stored v2 object then gets v2's default metric (80 % CPU),
// which reads back through v1 as targetCPUUtilizationPercentage 80.
func horizontalPodAutoscalerV1(h *autoscalingv1.HorizontalPodAutoscaler) {
	if h.Spec.MinReplicas == nil {
		h.Spec.MinReplicas = ptr.To[int32](1)
	}
}

// cronJobV1beta1 applies batch/v1beta1's defaults, which match batch/v1's.
func cronJobV1beta1(c *batchv1beta1.CronJob) {
	v1 := batchv1.CronJob{Spec: batchv1.CronJobSpec{
		ConcurrencyPolicy:          batchv1.ConcurrencyPolicy(c.Spec.ConcurrencyPolicy),
		Suspend:                    c.Spec.Suspend,
		SuccessfulJobsHistoryLimit: c.Spec.SuccessfulJobsHistoryLimit,
		FailedJobsHistoryLimit:     c.Spec.FailedJobsHistoryLimit,
		JobTemplate:                batchv1.JobTemplateSpec{Spec: c.Spec.JobTemplate.Spec},
	}}
	CronJob(&v1)
	c.Spec.ConcurrencyPolicy = batchv1beta1.ConcurrencyPolicy(v1.Spec.ConcurrencyPolicy)
	c.Spec.Suspend = v1.Spec.Suspend
	c.Spec.SuccessfulJobsHistoryLimit = v1.Spec.SuccessfulJobsHistoryLimit
	c.Spec.FailedJobsHistoryLimit = v1.Spec.FailedJobsHistoryLimit
	c.Spec.JobTemplate.Spec = v1.Spec.JobTemplate.Spec
}

// statefulSetV1beta1 applies apps/v1beta1's own defaults, which differ from
// apps/v1's: the selector and the object's labels come from the template's
// labels, and updates default to OnDelete. The rest matches apps/v1.
func statefulSetV1beta1(ss *appsv1beta1.StatefulSet) {
	labels := ss.Spec.Template.Labels
	if ss.Spec.Selector == nil && len(labels) > 0 {
		ss.Spec.Selector = &metav1.LabelSelector{MatchLabels: copyLabels(labels)}
	}
	if len(ss.Labels) == 0 {
		ss.Labels = copyLabels(labels)
	}
	if ss.Spec.UpdateStrategy.Type == "" {
		ss.Spec.UpdateStrategy.Type = appsv1beta1.OnDeleteStatefulSetStrategyType
	}
	if ss.Spec.Replicas == nil {
		one := int32(1)
		ss.Spec.Replicas = &one
	}
	if ss.Spec.PodManagementPolicy == "" {
		ss.Spec.PodManagementPolicy = appsv1beta1.OrderedReadyPodManagement
	}
	if ss.Spec.RevisionHistoryLimit == nil {
		limit := int32(defaultRevisionHistoryLimit)
		ss.Spec.RevisionHistoryLimit = &limit
	}
	PodTemplateSpec(&ss.Spec.Template)
}
