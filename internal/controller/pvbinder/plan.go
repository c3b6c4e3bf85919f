package pvbinder

import (
	corev1 "k8s.io/api/core/v1"
)

// event is an Event to record on the object a plan is about.
type event struct {
	eventType, reason, message string
}

// claimPlan is what to do about one claim. At most one of bind and phase
// is set; annotate and event come with either or alone.
type claimPlan struct {
	// bind is the volume to bind the claim to, both sides.
	bind *corev1.PersistentVolume
	// phase is the claim's phase to record when it is not being bound.
	phase corev1.PersistentVolumeClaimPhase
	// annotate are annotations to add to the claim (storage-provisioner,
	// selected-node); the claim is synced again once the update is seen.
	annotate map[string]string
	event    *event
}

// volumePlan is what to do about one volume.
type volumePlan struct {
	// phase and message are the volume status to record ("" phase: keep).
	phase   corev1.PersistentVolumePhase
	message string
	// unbind clears a claimRef this controller set, making the volume
	// Available again.
	unbind bool
	// syncClaim asks to sync the claim the volume names: the bind is half
	// done and the claim's sync finishes it.
	syncClaim bool
	event     *event
}

func warning(reason, message string) *event {
	return &event{eventType: corev1.EventTypeWarning, reason: reason, message: message}
}

func normal(reason, message string) *event {
	return &event{eventType: corev1.EventTypeNormal, reason: reason, message: message}
}
