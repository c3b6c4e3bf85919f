package pvbinder

import (
	"testing"

	corev1 "k8s.io/api/core/v1"
	volumehelpers "k8s.io/component-helpers/storage/volume"
)

func TestDecideVolume(t *testing.T) {
	bound := testClaim(volumeName("v"), bindCompleted)
	elsewhere := testClaim(volumeName("other"), bindCompleted)
	provisioned := volAnnotated(volumehelpers.AnnDynamicallyProvisioned, "ordo.dev/local-path")
	byController := volAnnotated(volumehelpers.AnnBoundByController, "yes")
	ref := claimRef("default", "data", "claim-uid")
	for _, tc := range []struct {
		name      string
		volume    *corev1.PersistentVolume
		claim     *corev1.PersistentVolumeClaim
		phase     corev1.PersistentVolumePhase
		unbind    bool
		syncClaim bool
		event     string
	}{
		{name: "new volume becomes Available", volume: testVolume("v", "1Gi", phase(corev1.VolumePending)), phase: corev1.VolumeAvailable},
		{name: "Available stays", volume: testVolume("v", "1Gi")},
		{name: "pre-bound by name is Available", volume: testVolume("v", "1Gi", claimRef("default", "data", ""), phase(corev1.VolumePending)), phase: corev1.VolumeAvailable},
		{name: "bound claim: Bound", volume: testVolume("v", "1Gi", ref), claim: bound, phase: corev1.VolumeBound},
		{name: "bound and Bound: nothing", volume: testVolume("v", "1Gi", ref, phase(corev1.VolumeBound)), claim: bound},
		{name: "claim not bound yet: sync it", volume: testVolume("v", "1Gi", ref), claim: testClaim(), syncClaim: true},
		{name: "claim of another mode", volume: testVolume("v", "1Gi", ref, block), claim: testClaim(),
			event: `VolumeMismatch: Cannot bind PersistentVolume to requested PersistentVolumeClaim "data" due to incompatible volumeMode.`},
		{name: "claim gone, Retain: Released", volume: testVolume("v", "1Gi", ref, phase(corev1.VolumeBound)), phase: corev1.VolumeReleased},
		{name: "claim recreated under the same name: Released", volume: testVolume("v", "1Gi", claimRef("default", "data", "old-uid"), phase(corev1.VolumeBound)), claim: bound, phase: corev1.VolumeReleased},
		{name: "claim gone, Delete, provisioned: Released for the provisioner", volume: testVolume("v", "1Gi", ref, phase(corev1.VolumeBound), reclaim(corev1.PersistentVolumeReclaimDelete), provisioned), phase: corev1.VolumeReleased},
		{name: "claim gone, Delete, not provisioned: Failed", volume: testVolume("v", "1Gi", ref, phase(corev1.VolumeBound), reclaim(corev1.PersistentVolumeReclaimDelete)),
			phase: corev1.VolumeFailed, event: `VolumeFailedDelete: error getting deleter volume plugin for volume "v": no deletable volume plugin matched`},
		{name: "claim gone, Recycle: Failed", volume: testVolume("v", "1Gi", ref, phase(corev1.VolumeBound), reclaim(corev1.PersistentVolumeReclaimRecycle)),
			phase: corev1.VolumeFailed, event: "VolumeFailedRecycle: " + msgNoRecycler},
		{name: "Released stays", volume: testVolume("v", "1Gi", ref, phase(corev1.VolumeReleased))},
		{name: "Failed stays", volume: testVolume("v", "1Gi", ref, phase(corev1.VolumeFailed), reclaim(corev1.PersistentVolumeReclaimDelete))},
		{name: "claim went elsewhere, provisioned for it: Released", volume: testVolume("v", "1Gi", ref, phase(corev1.VolumeBound), reclaim(corev1.PersistentVolumeReclaimDelete), provisioned), claim: elsewhere, phase: corev1.VolumeReleased},
		{name: "claim went elsewhere, reserved by the controller: unbind", volume: testVolume("v", "1Gi", ref, phase(corev1.VolumeBound), byController), claim: elsewhere, unbind: true, phase: corev1.VolumeAvailable},
		{name: "claim went elsewhere, pre-bound by the user: leave it", volume: testVolume("v", "1Gi", ref, phase(corev1.VolumeBound)), claim: elsewhere},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := decideVolume(tc.volume, tc.claim)
			ev := ""
			if p.event != nil {
				ev = p.event.reason + ": " + p.event.message
			}
			if p.phase != tc.phase || p.unbind != tc.unbind || p.syncClaim != tc.syncClaim || ev != tc.event {
				t.Errorf("plan phase %q unbind %v syncClaim %v event %q\nwant phase %q unbind %v syncClaim %v event %q",
					p.phase, p.unbind, p.syncClaim, ev, tc.phase, tc.unbind, tc.syncClaim, tc.event)
			}
		})
	}
}
