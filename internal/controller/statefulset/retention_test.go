package statefulset

import (
	"slices"
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
)

func retention(deleted, scaled appsv1.PersistentVolumeClaimRetentionPolicyType) func(*appsv1.StatefulSet) {
	return func(s *appsv1.StatefulSet) {
		s.UID = "set-uid"
		s.Spec.PersistentVolumeClaimRetentionPolicy = &appsv1.StatefulSetPersistentVolumeClaimRetentionPolicy{WhenDeleted: deleted, WhenScaled: scaled}
	}
}

const (
	keep = appsv1.RetainPersistentVolumeClaimRetentionPolicyType
	drop = appsv1.DeletePersistentVolumeClaimRetentionPolicyType
)

// describeOwners is "set", "pod", "other" per reference.
func describeOwners(refs []metav1.OwnerReference) []string {
	var out []string
	for _, r := range refs {
		switch {
		case r.UID == "set-uid":
			out = append(out, "set")
		case r.UID == "pod-uid":
			out = append(out, "pod")
		default:
			out = append(out, "other")
		}
	}
	return out
}

func TestRetentionOwnerReferences(t *testing.T) {
	pod := &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: "db-2", UID: "pod-uid"}}
	other := metav1.OwnerReference{APIVersion: "v1", Kind: "ConfigMap", Name: "x", UID: "other-uid"}
	cases := []struct {
		name      string
		deleted   appsv1.PersistentVolumeClaimRetentionPolicyType
		scaled    appsv1.PersistentVolumeClaimRetentionPolicyType
		pod       *corev1.Pod
		condemned bool
		has       []metav1.OwnerReference
		want      []string
		deleteNow bool
	}{
		{"retain/retain: none", keep, keep, pod, false, nil, nil, false},
		{"retain/retain: a stale set ref goes", keep, keep, pod, false, []metav1.OwnerReference{{UID: "set-uid", Kind: "StatefulSet"}}, nil, false},
		{"delete/retain: the set", drop, keep, pod, true, nil, []string{"set"}, false},
		{"retain/delete in range: none", keep, drop, pod, false, nil, nil, false},
		{"retain/delete condemned: the pod", keep, drop, pod, true, nil, []string{"pod"}, false},
		{"delete/delete condemned: the pod, not the set", drop, drop, pod, true, []metav1.OwnerReference{{UID: "set-uid", Kind: "StatefulSet"}}, []string{"pod"}, false},
		{"delete/delete in range: the set, not the pod", drop, drop, pod, false,
			[]metav1.OwnerReference{{APIVersion: "v1", Kind: "Pod", Name: "db-2", UID: "old-pod"}}, []string{"set"}, false},
		{"other owners kept", drop, keep, pod, false, []metav1.OwnerReference{other}, []string{"other", "set"}, false},
		{"scaled away, pod gone: deleted now", keep, drop, nil, true, nil, nil, true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			set := testSet(2, retention(c.deleted, c.scaled))
			claim := &corev1.PersistentVolumeClaim{ObjectMeta: metav1.ObjectMeta{Name: "data-db-2", OwnerReferences: c.has}}
			v := retentionFor(set, claim, 2, c.pod, c.condemned)
			if v.deleteNow != c.deleteNow {
				t.Fatalf("deleteNow %v, want %v", v.deleteNow, c.deleteNow)
			}
			if c.deleteNow {
				return
			}
			if got := describeOwners(v.owners); !slices.Equal(got, c.want) {
				t.Errorf("owners %v, want %v", got, c.want)
			}
			for _, r := range v.owners {
				if r.UID == types.UID("pod-uid") && (r.Controller != nil || r.Kind != "Pod" || r.Name != "db-2") {
					t.Errorf("pod reference %+v: Kubernetes' is a plain (non-controller) reference", r)
				}
			}
		})
	}
}
