package scheme

import (
	batchv1 "k8s.io/api/batch/v1"
	batchv1beta1 "k8s.io/api/batch/v1beta1"
	"k8s.io/apimachinery/pkg/runtime"
)

// addCronJobConversions converts batch/v1beta1 CronJobs (seeds 000 and 002
// still use them) to and from the batch/v1 storage version. The two versions
// have the same JSON shape; see convertSameShape.
func addCronJobConversions(s *runtime.Scheme) error {
	pairs := [][2]any{
		{(*batchv1beta1.CronJob)(nil), (*batchv1.CronJob)(nil)},
		{(*batchv1.CronJob)(nil), (*batchv1beta1.CronJob)(nil)},
		{(*batchv1beta1.CronJobList)(nil), (*batchv1.CronJobList)(nil)},
		{(*batchv1.CronJobList)(nil), (*batchv1beta1.CronJobList)(nil)},
	}
	for _, p := range pairs {
		if err := s.AddConversionFunc(p[0], p[1], convertSameShape); err != nil {
			return err
		}
	}
	return nil
}
