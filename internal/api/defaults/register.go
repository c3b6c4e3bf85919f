package defaults

import (
	appsv1 "k8s.io/api/apps/v1"
	appsv1beta1 "k8s.io/api/apps/v1beta1"
	batchv1 "k8s.io/api/batch/v1"
	batchv1beta1 "k8s.io/api/batch/v1beta1"
	corev1 "k8s.io/api/core/v1"
	storagev1 "k8s.io/api/storage/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
)

// Register adds every defaulter to the scheme, keyed by Go type.
func Register(s *runtime.Scheme) {
	on := func(obj runtime.Object, f func(runtime.Object)) {
		s.AddTypeDefaultingFunc(obj, func(o interface{}) { f(o.(runtime.Object)) })
	}
	on(&corev1.Pod{}, func(o runtime.Object) { Pod(o.(*corev1.Pod)) })
	on(&corev1.Service{}, func(o runtime.Object) { Service(o.(*corev1.Service)) })
	on(&corev1.Namespace{}, func(o runtime.Object) { Namespace(o.(*corev1.Namespace)) })
	on(&corev1.Secret{}, func(o runtime.Object) { Secret(o.(*corev1.Secret)) })
	on(&corev1.Endpoints{}, func(o runtime.Object) { Endpoints(o.(*corev1.Endpoints)) })
	on(&corev1.PersistentVolumeClaim{}, func(o runtime.Object) { PersistentVolumeClaim(o.(*corev1.PersistentVolumeClaim)) })
	on(&corev1.PersistentVolume{}, func(o runtime.Object) { PersistentVolume(o.(*corev1.PersistentVolume)) })
	on(&batchv1.Job{}, func(o runtime.Object) { Job(o.(*batchv1.Job)) })
	on(&batchv1.CronJob{}, func(o runtime.Object) { CronJob(o.(*batchv1.CronJob)) })
	on(&batchv1beta1.CronJob{}, func(o runtime.Object) { cronJobV1beta1(o.(*batchv1beta1.CronJob)) })
	on(&appsv1.StatefulSet{}, func(o runtime.Object) { StatefulSet(o.(*appsv1.StatefulSet)) })
	on(&appsv1beta1.StatefulSet{}, func(o runtime.Object) { statefulSetV1beta1(o.(*appsv1beta1.StatefulSet)) })
	on(&appsv1.Deployment{}, func(o runtime.Object) { Deployment(o.(*appsv1.Deployment)) })
	on(&appsv1.ReplicaSet{}, func(o runtime.Object) { ReplicaSet(o.(*appsv1.ReplicaSet)) })
	on(&storagev1.StorageClass{}, func(o runtime.Object) { StorageClass(o.(*storagev1.StorageClass)) })
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
