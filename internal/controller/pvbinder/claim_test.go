package pvbinder

import (
	"fmt"
	"testing"

	corev1 "k8s.io/api/core/v1"
	storagev1 "k8s.io/api/storage/v1"
	volumehelpers "k8s.io/component-helpers/storage/volume"

	"github.com/ordo-dev/ordo/internal/storageclass"
)

func TestDecideClaim(t *testing.T) {
	free := testVolume("free", "5Gi")
	mine := testVolume("mine", "5Gi", claimRef("default", "data", "claim-uid"), phase(corev1.VolumeBound))
	theirs := testVolume("theirs", "5Gi", claimRef("default", "other", "other-uid"), phase(corev1.VolumeBound))
	unref := testVolume("unref", "5Gi", phase(corev1.VolumeBound))
	tiny := testVolume("tiny", "1Mi")
	local := storageClass("local-path", "ordo.dev/local-path", storagev1.VolumeBindingImmediate)
	wffc := storageClass("local-wait", "ordo.dev/local-path", storagev1.VolumeBindingWaitForFirstConsumer)
	none := storageClass("manual", volumehelpers.NotSupportedProvisioner, storagev1.VolumeBindingImmediate)
	wffcFree := testVolume("wffc-free", "5Gi", volClass("local-wait"))
	elsewhere := testVolume("on-n2", "5Gi", volClass("local-wait"), func(v *corev1.PersistentVolume) { v.Spec.NodeAffinity = storageclass.PinTo("n2") })
	n1 := map[string]string{corev1.LabelHostname: "n1"}
	provisioned := testVolume("pvc-claim-uid", "1Gi", volClass("local-wait"), claimRef("default", "data", "claim-uid"))
	for _, tc := range []struct {
		name  string
		in    claimInput
		bind  string
		phase corev1.PersistentVolumeClaimPhase
		anns  map[string]string
		event string // "reason: message"
	}{
		{name: "binds a free volume", in: claimInput{claim: testClaim(), volumes: pvs(free)}, bind: "free"},
		{name: "no class, no volume", in: claimInput{claim: testClaim()},
			phase: corev1.ClaimPending, event: "FailedBinding: " + msgNoClass},
		{name: "missing class", in: claimInput{claim: testClaim(class("nfs-csi"))},
			phase: corev1.ClaimPending, event: `ProvisioningFailed: storageclass.storage.k8s.io "nfs-csi" not found`},
		{name: "class with a provisioner", in: claimInput{claim: testClaim(class("local-path")), class: local},
			phase: corev1.ClaimPending, event: "ExternalProvisioning: " + fmt.Sprintf(msgExternal, "ordo.dev/local-path"),
			anns: map[string]string{volumehelpers.AnnStorageProvisioner: "ordo.dev/local-path", volumehelpers.AnnBetaStorageProvisioner: "ordo.dev/local-path"}},
		{name: "provisioner already annotated", in: claimInput{claim: testClaim(class("local-path"),
			claimAnnotated(volumehelpers.AnnStorageProvisioner, "ordo.dev/local-path"), claimAnnotated(volumehelpers.AnnBetaStorageProvisioner, "ordo.dev/local-path")), class: local},
			phase: corev1.ClaimPending, event: "ExternalProvisioning: " + fmt.Sprintf(msgExternal, "ordo.dev/local-path")},
		{name: "no-provisioner class", in: claimInput{claim: testClaim(class("manual")), class: none},
			phase: corev1.ClaimPending, event: "ProvisioningFailed: no volume plugin matched name: kubernetes.io/no-provisioner"},
		{name: "existing volume before provisioning", in: claimInput{claim: testClaim(class("local-path")), class: local, volumes: pvs(testVolume("lp", "5Gi", volClass("local-path")))}, bind: "lp"},
		{name: "wait for first consumer", in: claimInput{claim: testClaim(class("local-wait")), class: wffc, volumes: pvs(wffcFree)},
			phase: corev1.ClaimPending, event: "WaitForFirstConsumer: " + msgWaitForConsumer},
		{name: "first consumer placed: select its node", in: claimInput{claim: testClaim(class("local-wait")), class: wffc, consumerNode: "n1"},
			anns: map[string]string{volumehelpers.AnnSelectedNode: "n1"}},
		{name: "node selected: bind a free volume", in: claimInput{claim: testClaim(class("local-wait"), claimAnnotated(volumehelpers.AnnSelectedNode, "n1")), class: wffc, volumes: pvs(wffcFree)}, bind: "wffc-free"},
		{name: "node selected: a free volume of that node", in: claimInput{claim: testClaim(class("local-wait"), claimAnnotated(volumehelpers.AnnSelectedNode, "n1")), class: wffc, volumes: pvs(wffcFree, elsewhere), nodeLabels: n1}, bind: "wffc-free"},
		{name: "node selected: another node's volume is not taken", in: claimInput{claim: testClaim(class("local-wait"), claimAnnotated(volumehelpers.AnnSelectedNode, "n1")), class: wffc, volumes: pvs(elsewhere), nodeLabels: n1},
			phase: corev1.ClaimPending, event: "ExternalProvisioning: " + fmt.Sprintf(msgExternal, "ordo.dev/local-path"),
			anns: map[string]string{volumehelpers.AnnStorageProvisioner: "ordo.dev/local-path", volumehelpers.AnnBetaStorageProvisioner: "ordo.dev/local-path"}},
		{name: "node selected, nothing free: provision", in: claimInput{claim: testClaim(class("local-wait"), claimAnnotated(volumehelpers.AnnSelectedNode, "n1")), class: wffc},
			phase: corev1.ClaimPending, event: "ExternalProvisioning: " + fmt.Sprintf(msgExternal, "ordo.dev/local-path"),
			anns: map[string]string{volumehelpers.AnnStorageProvisioner: "ordo.dev/local-path", volumehelpers.AnnBetaStorageProvisioner: "ordo.dev/local-path"}},
		{name: "delayed claim still takes a volume provisioned for it", in: claimInput{claim: testClaim(class("local-wait")), class: wffc, volumes: pvs(provisioned)}, bind: "pvc-claim-uid"},
		{name: "pre-bound: free volume", in: claimInput{claim: testClaim(volumeName("free")), named: free}, bind: "free"},
		{name: "pre-bound: volume missing", in: claimInput{claim: testClaim(volumeName("gone"))}, phase: corev1.ClaimPending},
		{name: "pre-bound: too small", in: claimInput{claim: testClaim(volumeName("tiny")), named: tiny},
			phase: corev1.ClaimPending, event: `VolumeMismatch: Cannot bind to requested volume "tiny": requested PV is too small`},
		{name: "pre-bound: other class", in: claimInput{claim: testClaim(volumeName("wffc-free")), named: wffcFree},
			phase: corev1.ClaimPending, event: `VolumeMismatch: Cannot bind to requested volume "wffc-free": storageClassName does not match`},
		{name: "pre-bound: taken", in: claimInput{claim: testClaim(volumeName("theirs")), named: theirs},
			phase: corev1.ClaimPending, event: `FailedBinding: volume "theirs" already bound to a different claim.`},
		{name: "pre-bound both ways", in: claimInput{claim: testClaim(volumeName("mine")), named: mine}, bind: "mine"},
		{name: "bound: all well", in: claimInput{claim: testClaim(volumeName("mine"), bindCompleted), named: mine}, bind: "mine"},
		{name: "bound: volume lost its claimRef", in: claimInput{claim: testClaim(volumeName("unref"), bindCompleted), named: unref}, bind: "unref"},
		{name: "bound: volume gone", in: claimInput{claim: testClaim(volumeName("mine"), bindCompleted)},
			phase: corev1.ClaimLost, event: "ClaimLost: " + msgLostVolume},
		{name: "bound: volumeName cleared", in: claimInput{claim: testClaim(bindCompleted)},
			phase: corev1.ClaimLost, event: "ClaimLost: " + msgLostReference},
		{name: "bound: volume given to another claim", in: claimInput{claim: testClaim(volumeName("theirs"), bindCompleted), named: theirs},
			phase: corev1.ClaimLost, event: "ClaimMisbound: " + msgMisbound},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := decideClaim(tc.in)
			bind := ""
			if p.bind != nil {
				bind = p.bind.Name
			}
			ev := ""
			if p.event != nil {
				ev = p.event.reason + ": " + p.event.message
			}
			if bind != tc.bind || p.phase != tc.phase || ev != tc.event || fmt.Sprint(p.annotate) != fmt.Sprint(tc.anns) {
				t.Errorf("plan: bind %q phase %q annotate %v event %q\nwant: bind %q phase %q annotate %v event %q",
					bind, p.phase, p.annotate, ev, tc.bind, tc.phase, tc.anns, tc.event)
			}
		})
	}
}

func pvs(vs ...*corev1.PersistentVolume) []*corev1.PersistentVolume { return vs }
