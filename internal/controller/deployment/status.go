package deployment

import (
	"fmt"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"
)

// Kubernetes' condition reasons for Deployments.
const (
	reasonNewRSCreated     = "NewReplicaSetCreated"
	reasonRSUpdated        = "ReplicaSetUpdated"
	reasonNewRSAvailable   = "NewReplicaSetAvailable"
	reasonTimedOut         = "ProgressDeadlineExceeded"
	reasonPaused           = "DeploymentPaused"
	reasonResumed          = "DeploymentResumed"
	reasonMinAvailable     = "MinimumReplicasAvailable"
	reasonMinUnavailable   = "MinimumReplicasUnavailable"
	defaultProgressSeconds = 600
)

// computeStatus counts the ReplicaSets' pods and sets the Available and
// Progressing conditions as Kubernetes does. progressed says this sync
// moved the rollout on (created or scaled a ReplicaSet).
func computeStatus(d *appsv1.Deployment, s sets, progressed string, now time.Time) appsv1.DeploymentStatus {
	st := appsv1.DeploymentStatus{ObservedGeneration: d.Generation, CollisionCount: d.Status.CollisionCount,
		Conditions: append([]appsv1.DeploymentCondition(nil), d.Status.Conditions...)}
	for _, rs := range s.all() {
		if rs == nil {
			continue
		}
		st.Replicas += rs.Status.Replicas
		st.ReadyReplicas += rs.Status.ReadyReplicas
		st.AvailableReplicas += rs.Status.AvailableReplicas
	}
	if s.newRS != nil {
		st.UpdatedReplicas = s.newRS.Status.Replicas
	}
	want := replicasOf(d.Spec.Replicas)
	st.UnavailableReplicas = max(want-st.AvailableReplicas, 0)
	_, unavailable := surgeAndUnavailable(d)
	if st.AvailableReplicas >= want-unavailable {
		setCondition(&st, appsv1.DeploymentAvailable, corev1.ConditionTrue, reasonMinAvailable, "Deployment has minimum availability.", now)
	} else {
		setCondition(&st, appsv1.DeploymentAvailable, corev1.ConditionFalse, reasonMinUnavailable, "Deployment does not have minimum availability.", now)
	}
	setProgressing(d, &st, s, progressed, now)
	return st
}

// setProgressing follows Kubernetes' Progressing condition: Unknown while
// paused; True with NewReplicaSetAvailable once the rollout is complete;
// True with the step's reason while it moves; False with
// ProgressDeadlineExceeded once it has not moved for
// progressDeadlineSeconds.
func setProgressing(d *appsv1.Deployment, st *appsv1.DeploymentStatus, s sets, progressed string, now time.Time) {
	name := ""
	if s.newRS != nil {
		name = s.newRS.Name
	}
	want := replicasOf(d.Spec.Replicas)
	switch {
	case d.Spec.Paused:
		setCondition(st, appsv1.DeploymentProgressing, corev1.ConditionUnknown, reasonPaused, "Deployment is paused", now)
	case s.newRS != nil && st.UpdatedReplicas == want && st.Replicas == want && st.AvailableReplicas >= want:
		setCondition(st, appsv1.DeploymentProgressing, corev1.ConditionTrue, reasonNewRSAvailable,
			fmt.Sprintf("ReplicaSet %q has successfully progressed.", name), now)
	case progressed != "":
		setCondition(st, appsv1.DeploymentProgressing, corev1.ConditionTrue, progressed, progressMessage(progressed, name), now)
	default:
		c := condition(st, appsv1.DeploymentProgressing)
		if c != nil && c.Reason == reasonPaused {
			setCondition(st, appsv1.DeploymentProgressing, corev1.ConditionUnknown, reasonResumed, "Deployment is resumed", now)
			return
		}
		deadline := time.Duration(ptr.Deref(d.Spec.ProgressDeadlineSeconds, defaultProgressSeconds)) * time.Second
		if c != nil && c.Status == corev1.ConditionTrue && c.Reason != reasonNewRSAvailable && now.Sub(c.LastUpdateTime.Time) > deadline {
			setCondition(st, appsv1.DeploymentProgressing, corev1.ConditionFalse, reasonTimedOut,
				fmt.Sprintf("ReplicaSet %q has timed out progressing.", name), now)
		}
	}
}

func progressMessage(reason, rs string) string {
	if reason == reasonNewRSCreated {
		return fmt.Sprintf("Created new replica set %q", rs)
	}
	return fmt.Sprintf("ReplicaSet %q is progressing.", rs)
}

func condition(st *appsv1.DeploymentStatus, t appsv1.DeploymentConditionType) *appsv1.DeploymentCondition {
	for i := range st.Conditions {
		if st.Conditions[i].Type == t {
			return &st.Conditions[i]
		}
	}
	return nil
}

// setCondition updates a condition: lastUpdateTime moves whenever the
// reason or message changes, lastTransitionTime only when the status does.
func setCondition(st *appsv1.DeploymentStatus, t appsv1.DeploymentConditionType, status corev1.ConditionStatus, reason, msg string, now time.Time) {
	c := condition(st, t)
	if c == nil {
		st.Conditions = append(st.Conditions, appsv1.DeploymentCondition{Type: t, Status: status, Reason: reason, Message: msg,
			LastUpdateTime: metav1.NewTime(now), LastTransitionTime: metav1.NewTime(now)})
		return
	}
	if c.Status == status && c.Reason == reason && c.Message == msg {
		return
	}
	if c.Status != status {
		c.LastTransitionTime = metav1.NewTime(now)
	}
	c.Status, c.Reason, c.Message, c.LastUpdateTime = status, reason, msg, metav1.NewTime(now)
}
