package storageclass

import (
	corev1 "k8s.io/api/core/v1"
)

// PinTo is the node affinity of a local volume that lives on node, as
// Rancher's local-path-provisioner writes it: one required term on the
// node's kubernetes.io/hostname label, which ordo's agent sets to the node
// name. The scheduler then places the volume's pods on that node only.
func PinTo(node string) *corev1.VolumeNodeAffinity {
	return &corev1.VolumeNodeAffinity{Required: &corev1.NodeSelector{
		NodeSelectorTerms: []corev1.NodeSelectorTerm{{MatchExpressions: []corev1.NodeSelectorRequirement{{
			Key: corev1.LabelHostname, Operator: corev1.NodeSelectorOpIn, Values: []string{node},
		}}}},
	}}
}

// PinnedNode is the node a volume made by PinTo lives on, "" for a volume
// with any other (or no) node affinity.
func PinnedNode(pv *corev1.PersistentVolume) string {
	a := pv.Spec.NodeAffinity
	if a == nil || a.Required == nil || len(a.Required.NodeSelectorTerms) != 1 {
		return ""
	}
	term := a.Required.NodeSelectorTerms[0]
	if len(term.MatchExpressions) != 1 || len(term.MatchFields) != 0 {
		return ""
	}
	r := term.MatchExpressions[0]
	if r.Key != corev1.LabelHostname || r.Operator != corev1.NodeSelectorOpIn || len(r.Values) != 1 {
		return ""
	}
	return r.Values[0]
}
