package garbagecollector

import (
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/types"
)

var configmaps = schema.GroupVersionResource{Version: "v1", Resource: "configmaps"}

func ownerRef(uid types.UID, block bool) metav1.OwnerReference {
	return metav1.OwnerReference{APIVersion: "v1", Kind: "ConfigMap", Name: "cm-" + string(uid), UID: uid, BlockOwnerDeletion: &block}
}

func cmRef(uid types.UID) objectRef {
	return objectRef{Resource: configmaps, APIVersion: "v1", Kind: "ConfigMap", Namespace: "ns", Name: "cm-" + string(uid), UID: uid}
}

// cm builds the metadata of ConfigMap ns/cm-<uid>.
func cm(uid types.UID, owners ...metav1.OwnerReference) *metav1.PartialObjectMetadata {
	return &metav1.PartialObjectMetadata{
		TypeMeta: metav1.TypeMeta{APIVersion: "v1", Kind: "ConfigMap"},
		ObjectMeta: metav1.ObjectMeta{
			Namespace: "ns", Name: "cm-" + string(uid), UID: uid,
			ResourceVersion: "1", OwnerReferences: owners,
		},
	}
}

// deleting marks m as being deleted with finalizers.
func deleting(m *metav1.PartialObjectMetadata, finalizers ...string) *metav1.PartialObjectMetadata {
	now := metav1.Now()
	m.DeletionTimestamp = &now
	m.Finalizers = finalizers
	return m
}
