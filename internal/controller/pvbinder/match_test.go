package pvbinder

import (
	"testing"

	corev1 "k8s.io/api/core/v1"
)

func TestFindVolume(t *testing.T) {
	rwo, rox, rwx := corev1.ReadWriteOnce, corev1.ReadOnlyMany, corev1.ReadWriteMany
	for _, tc := range []struct {
		name    string
		claim   *corev1.PersistentVolumeClaim
		volumes []*corev1.PersistentVolume
		want    string
	}{
		{"none", testClaim(), nil, ""},
		{"smallest that fits", testClaim(request("2Gi")),
			[]*corev1.PersistentVolume{testVolume("big", "10Gi"), testVolume("small", "1Gi"), testVolume("fits", "3Gi"), testVolume("exact", "2Gi")}, "exact"},
		{"too small only", testClaim(request("2Gi")), []*corev1.PersistentVolume{testVolume("small", "1Gi")}, ""},
		{"class must be equal", testClaim(class("fast")),
			[]*corev1.PersistentVolume{testVolume("none", "1Gi"), testVolume("slow", "1Gi", volClass("slow")), testVolume("fast", "5Gi", volClass("fast"))}, "fast"},
		{"empty class matches only empty", testClaim(),
			[]*corev1.PersistentVolume{testVolume("fast", "1Gi", volClass("fast")), testVolume("plain", "5Gi")}, "plain"},
		{"access modes must be a superset", testClaim(modes(rwo, rwx)),
			[]*corev1.PersistentVolume{testVolume("rwo", "1Gi"), testVolume("both", "5Gi", volModes(rwo, rwx))}, "both"},
		{"fewest access modes before smallest", testClaim(modes(rwo)),
			[]*corev1.PersistentVolume{testVolume("wide", "1Gi", volModes(rwo, rox, rwx)), testVolume("narrow", "5Gi")}, "narrow"},
		{"volume mode must match", testClaim(),
			[]*corev1.PersistentVolume{testVolume("block", "1Gi", block), testVolume("fs", "5Gi")}, "fs"},
		{"selector", testClaim(selector("tier", "gold")),
			[]*corev1.PersistentVolume{testVolume("plain", "1Gi"), testVolume("silver", "1Gi", labelled("tier", "silver")), testVolume("gold", "5Gi", labelled("tier", "gold"))}, "gold"},
		{"only Available volumes", testClaim(),
			[]*corev1.PersistentVolume{testVolume("released", "1Gi", phase(corev1.VolumeReleased)), testVolume("pending", "1Gi", phase(corev1.VolumePending)), testVolume("ok", "5Gi")}, "ok"},
		{"pre-bound to another claim is skipped", testClaim(),
			[]*corev1.PersistentVolume{testVolume("theirs", "1Gi", claimRef("default", "other", "")), testVolume("ok", "5Gi")}, "ok"},
		{"pre-bound to this claim wins despite class", testClaim(class("fast")),
			[]*corev1.PersistentVolume{testVolume("ok", "1Gi", volClass("fast")), testVolume("mine", "5Gi", claimRef("default", "data", ""), phase(corev1.VolumePending))}, "mine"},
		{"pre-bound to an earlier claim of the same name is skipped", testClaim(),
			[]*corev1.PersistentVolume{testVolume("old", "1Gi", claimRef("default", "data", "old-uid"))}, ""},
		{"pre-bound but too small", testClaim(request("2Gi")),
			[]*corev1.PersistentVolume{testVolume("mine", "1Gi", claimRef("default", "data", "claim-uid"))}, ""},
		{"ties go to the first name", testClaim(),
			[]*corev1.PersistentVolume{testVolume("b", "1Gi"), testVolume("a", "1Gi")}, "a"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := findVolume(tc.claim, tc.volumes)
			name := ""
			if got != nil {
				name = got.Name
			}
			if name != tc.want {
				t.Errorf("findVolume among %s= %q, want %q", names(tc.volumes), name, tc.want)
			}
		})
	}
}
