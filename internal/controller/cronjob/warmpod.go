package cronjob

import (
	"encoding/json"
	"fmt"
	"hash/fnv"
	"time"

	batchv1 "k8s.io/api/batch/v1"
	coordinationv1 "k8s.io/api/coordination/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"

	"github.com/ordo-dev/ordo/internal/runner"
)

// Warm runner objects: the runner pods carry the hash of the jobTemplate
// they were made from and when they were made; the token is a Lease.
const (
	templateHashAnnotation = "ordo.dev/runner-template-hash"
	bornAnnotation         = "ordo.dev/runner-born" // RFC 3339 with nanoseconds: orders runners made in one second
	leaseDuration          = 10 * time.Second
)

// isWarm: the CronJob asks for a warm runner.
func isWarm(cj *batchv1.CronJob) bool {
	return cj.Annotations[runner.RunnerAnnotation] == runner.WarmRunner
}

// leaseName is the token's name: <cronjob>-runner.
func leaseName(cj *batchv1.CronJob) string { return cj.Name + "-runner" }

// templateHash identifies a jobTemplate: any change to it (command, env,
// annotations, anything) starts a new runner.
func templateHash(cj *batchv1.CronJob) string {
	data, _ := json.Marshal(cj.Spec.JobTemplate)
	h := fnv.New64a()
	h.Write(data)
	return fmt.Sprintf("%x", h.Sum64())
}

// newRunnerPod is a runner pod for cj: the jobTemplate's pod, owned by the
// CronJob, labelled ordo.dev/runner-for. Its containers' probes and hooks
// belong to the runs, not to the warm pod, and are dropped; it restarts
// always, since it is meant to stay up.
func newRunnerPod(cj *batchv1.CronJob, hash string, now time.Time) *corev1.Pod {
	t := cj.Spec.JobTemplate.Spec.Template.DeepCopy()
	labels := map[string]string{}
	for k, v := range t.Labels {
		labels[k] = v
	}
	labels[runner.RunnerLabel] = cj.Name
	annotations := map[string]string{}
	for k, v := range t.Annotations {
		annotations[k] = v
	}
	annotations[templateHashAnnotation] = hash
	annotations[bornAnnotation] = now.UTC().Format(time.RFC3339Nano)
	spec := t.Spec
	spec.RestartPolicy = corev1.RestartPolicyAlways
	for i := range spec.Containers {
		c := &spec.Containers[i]
		c.LivenessProbe, c.ReadinessProbe, c.StartupProbe, c.Lifecycle = nil, nil, nil, nil
	}
	return &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{
			GenerateName: cj.Name + "-runner-", Namespace: cj.Namespace,
			Labels: labels, Annotations: annotations,
			OwnerReferences: []metav1.OwnerReference{*metav1.NewControllerRef(cj, cronJobKind)},
		},
		Spec: spec,
	}
}

// newLease is cj's token, free, owned by the CronJob so that it goes with
// it.
func newLease(cj *batchv1.CronJob) *coordinationv1.Lease {
	return &coordinationv1.Lease{
		ObjectMeta: metav1.ObjectMeta{Name: leaseName(cj), Namespace: cj.Namespace,
			OwnerReferences: []metav1.OwnerReference{*metav1.NewControllerRef(cj, cronJobKind)}},
		Spec: coordinationv1.LeaseSpec{LeaseDurationSeconds: ptr.To(int32(leaseDuration / time.Second))},
	}
}

// bornAt is when the controller made a runner pod.
func bornAt(p *corev1.Pod) time.Time {
	if t, err := time.Parse(time.RFC3339Nano, p.Annotations[bornAnnotation]); err == nil {
		return t
	}
	return p.CreationTimestamp.Time
}
