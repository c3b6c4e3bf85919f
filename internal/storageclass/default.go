// Package storageclass holds the StorageClass rules several parts of ordo
// share: which class is the default (the DefaultStorageClass admission
// plugin and the binder use it) and the name of ordo's own provisioner.
package storageclass

import (
	"sort"

	storagev1 "k8s.io/api/storage/v1"
)

// Annotations that mark the default class, as Kubernetes reads them: the
// GA one and its beta predecessor, either set to "true".
const (
	IsDefaultAnnotation     = "storageclass.kubernetes.io/is-default-class"
	BetaIsDefaultAnnotation = "storageclass.beta.kubernetes.io/is-default-class"
)

// LocalPath is the provisioner name of ordo's local provisioner: classes
// with this provisioner get directories under a node's data directory,
// pinned to that node (see PinTo).
const LocalPath = "ordo.dev/local-path"

// IsDefault says whether sc is marked as the default class.
func IsDefault(sc *storagev1.StorageClass) bool {
	return sc.Annotations[IsDefaultAnnotation] == "true" || sc.Annotations[BetaIsDefaultAnnotation] == "true"
}

// Default picks the default class among classes, nil if none is marked.
// With several marked, the newest wins and, among equally new ones, the
// first by name, as Kubernetes does since 1.26 so that adding a new default
// before unmarking the old one does not stop claims being created.
func Default(classes []*storagev1.StorageClass) *storagev1.StorageClass {
	var marked []*storagev1.StorageClass
	for _, sc := range classes {
		if IsDefault(sc) {
			marked = append(marked, sc)
		}
	}
	if len(marked) == 0 {
		return nil
	}
	sort.Slice(marked, func(i, j int) bool {
		a, b := marked[i].CreationTimestamp, marked[j].CreationTimestamp
		if !a.Equal(&b) {
			return b.Before(&a)
		}
		return marked[i].Name < marked[j].Name
	})
	return marked[0]
}
