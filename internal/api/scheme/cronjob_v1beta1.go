package scheme

import (
	batchv1 "k8s.io/api/batch/v1"
	batchv1beta1 "k8s.io/api/batch/v1beta1"
	"k8s.io/apimachinery/pkg/conversion"
	"k8s.io/apimachinery/pkg/runtime"
)

// addCronJobConversions converts batch/v1beta1 CronJobs (seeds 000 and 002
// still use them) to and from the batch/v1 storage version. The two versions
// have the same fields; the conversions spell them out so a field added to one
// version later shows up here as a compile-visible difference.
func addCronJobConversions(s *runtime.Scheme) error {
	if err := s.AddConversionFunc((*batchv1beta1.CronJob)(nil), (*batchv1.CronJob)(nil),
		func(a, b interface{}, _ conversion.Scope) error {
			cronJobToV1(a.(*batchv1beta1.CronJob), b.(*batchv1.CronJob))
			return nil
		}); err != nil {
		return err
	}
	if err := s.AddConversionFunc((*batchv1.CronJob)(nil), (*batchv1beta1.CronJob)(nil),
		func(a, b interface{}, _ conversion.Scope) error {
			cronJobToV1beta1(a.(*batchv1.CronJob), b.(*batchv1beta1.CronJob))
			return nil
		}); err != nil {
		return err
	}
	if err := s.AddConversionFunc((*batchv1beta1.CronJobList)(nil), (*batchv1.CronJobList)(nil),
		func(a, b interface{}, _ conversion.Scope) error {
			in, out := a.(*batchv1beta1.CronJobList), b.(*batchv1.CronJobList)
			out.ListMeta = in.ListMeta
			out.Items = make([]batchv1.CronJob, len(in.Items))
			for i := range in.Items {
				cronJobToV1(&in.Items[i], &out.Items[i])
			}
			return nil
		}); err != nil {
		return err
	}
	return s.AddConversionFunc((*batchv1.CronJobList)(nil), (*batchv1beta1.CronJobList)(nil),
		func(a, b interface{}, _ conversion.Scope) error {
			in, out := a.(*batchv1.CronJobList), b.(*batchv1beta1.CronJobList)
			out.ListMeta = in.ListMeta
			out.Items = make([]batchv1beta1.CronJob, len(in.Items))
			for i := range in.Items {
				cronJobToV1beta1(&in.Items[i], &out.Items[i])
			}
			return nil
		})
}

func cronJobToV1(in *batchv1beta1.CronJob, out *batchv1.CronJob) {
	out.ObjectMeta = in.ObjectMeta
	out.Spec = batchv1.CronJobSpec{
		Schedule:                   in.Spec.Schedule,
		TimeZone:                   in.Spec.TimeZone,
		StartingDeadlineSeconds:    in.Spec.StartingDeadlineSeconds,
		ConcurrencyPolicy:          batchv1.ConcurrencyPolicy(in.Spec.ConcurrencyPolicy),
		Suspend:                    in.Spec.Suspend,
		JobTemplate:                batchv1.JobTemplateSpec{ObjectMeta: in.Spec.JobTemplate.ObjectMeta, Spec: in.Spec.JobTemplate.Spec},
		SuccessfulJobsHistoryLimit: in.Spec.SuccessfulJobsHistoryLimit,
		FailedJobsHistoryLimit:     in.Spec.FailedJobsHistoryLimit,
	}
	out.Status = batchv1.CronJobStatus{
		Active:             in.Status.Active,
		LastScheduleTime:   in.Status.LastScheduleTime,
		LastSuccessfulTime: in.Status.LastSuccessfulTime,
	}
}

func cronJobToV1beta1(in *batchv1.CronJob, out *batchv1beta1.CronJob) {
	out.ObjectMeta = in.ObjectMeta
	out.Spec = batchv1beta1.CronJobSpec{
		Schedule:                   in.Spec.Schedule,
		TimeZone:                   in.Spec.TimeZone,
		StartingDeadlineSeconds:    in.Spec.StartingDeadlineSeconds,
		ConcurrencyPolicy:          batchv1beta1.ConcurrencyPolicy(in.Spec.ConcurrencyPolicy),
		Suspend:                    in.Spec.Suspend,
		JobTemplate:                batchv1beta1.JobTemplateSpec{ObjectMeta: in.Spec.JobTemplate.ObjectMeta, Spec: in.Spec.JobTemplate.Spec},
		SuccessfulJobsHistoryLimit: in.Spec.SuccessfulJobsHistoryLimit,
		FailedJobsHistoryLimit:     in.Spec.FailedJobsHistoryLimit,
	}
	out.Status = batchv1beta1.CronJobStatus{
		Active:             in.Status.Active,
		LastScheduleTime:   in.Status.LastScheduleTime,
		LastSuccessfulTime: in.Status.LastSuccessfulTime,
	}
}
