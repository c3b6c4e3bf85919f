package garbagecollector

import (
	"encoding/json"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
)

// metadataPatch is a JSON merge patch of metadata. It carries uid and
// resourceVersion so the server rejects it if the object was replaced or
// changed since we read it (merge patches work for every resource, custom
// ones included, unlike strategic merge patches).
type metadataPatch struct {
	Metadata patchedMeta `json:"metadata"`
}

type patchedMeta struct {
	UID             types.UID                `json:"uid"`
	ResourceVersion string                   `json:"resourceVersion"`
	OwnerReferences *[]metav1.OwnerReference `json:"ownerReferences,omitempty"`
	Finalizers      *[]string                `json:"finalizers,omitempty"`
}

func newPatch(m metav1.Object) metadataPatch {
	return metadataPatch{Metadata: patchedMeta{UID: m.GetUID(), ResourceVersion: m.GetResourceVersion()}}
}

// removeOwnerRefsPatch drops the references to owners; ok is false when
// there is nothing to drop.
func removeOwnerRefsPatch(m metav1.Object, owners []types.UID) (patch []byte, ok bool, err error) {
	drop := uidSet(owners)
	kept := []metav1.OwnerReference{}
	for _, r := range m.GetOwnerReferences() {
		if _, gone := drop[r.UID]; !gone {
			kept = append(kept, r)
		}
	}
	if len(kept) == len(m.GetOwnerReferences()) {
		return nil, false, nil
	}
	p := newPatch(m)
	p.Metadata.OwnerReferences = &kept
	b, err := json.Marshal(p)
	return b, err == nil, err
}

// unblockOwnerRefsPatch sets blockOwnerDeletion=false on the references to
// owners; ok is false when none of them blocks.
func unblockOwnerRefsPatch(m metav1.Object, owners []types.UID) (patch []byte, ok bool, err error) {
	unblock := uidSet(owners)
	refs := []metav1.OwnerReference{}
	changed := false
	for _, r := range m.GetOwnerReferences() {
		if _, hit := unblock[r.UID]; hit && blocks(r) {
			no := false
			r.BlockOwnerDeletion = &no
			changed = true
		}
		refs = append(refs, r)
	}
	if !changed {
		return nil, false, nil
	}
	p := newPatch(m)
	p.Metadata.OwnerReferences = &refs
	b, err := json.Marshal(p)
	return b, err == nil, err
}

// removeFinalizerPatch drops finalizer f; ok is false when it is absent.
func removeFinalizerPatch(m metav1.Object, f string) (patch []byte, ok bool, err error) {
	kept := []string{}
	for _, x := range m.GetFinalizers() {
		if x != f {
			kept = append(kept, x)
		}
	}
	if len(kept) == len(m.GetFinalizers()) {
		return nil, false, nil
	}
	p := newPatch(m)
	p.Metadata.Finalizers = &kept
	b, err := json.Marshal(p)
	return b, err == nil, err
}

func uidSet(uids []types.UID) map[types.UID]struct{} {
	s := make(map[types.UID]struct{}, len(uids))
	for _, u := range uids {
		s[u] = struct{}{}
	}
	return s
}
