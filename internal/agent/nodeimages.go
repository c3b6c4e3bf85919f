package agent

import (
	"sort"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/equality"
)

// maxNodeImages is how many images the Node's status lists, biggest
// first (the kubelet's --node-status-max-images default).
const maxNodeImages = 50

// nodeImages is the Node's status.images: the store's images with their
// repository digests and tags as names, as the kubelet reports them.
func (a *Agent) nodeImages() []corev1.ContainerImage {
	if a.cfg.Store == nil {
		return nil
	}
	list, err := a.cfg.Store.List()
	if err != nil {
		a.log("list images: %v", err)
		return nil
	}
	out := make([]corev1.ContainerImage, 0, len(list))
	for _, img := range list {
		names := append(append([]string{}, img.RepoDigests...), img.Names...)
		if len(names) == 0 {
			names = []string{img.ID}
		}
		out = append(out, corev1.ContainerImage{Names: names, SizeBytes: img.Size})
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].SizeBytes > out[j].SizeBytes })
	if len(out) > maxNodeImages {
		out = out[:maxNodeImages]
	}
	return out
}

// imagesChanged: the store's images differ from what the Node shows.
func imagesChanged(shown, now []corev1.ContainerImage) bool {
	if len(shown) == 0 && len(now) == 0 {
		return false
	}
	return !equality.Semantic.DeepEqual(shown, now)
}

// statusChanged: a condition's status or the images differ from the
// Node's, so its status is written before the minute is up.
func (a *Agent) statusChanged(n *corev1.Node) bool {
	now := a.nodeStatus()
	return conditionsChanged(n.Status.Conditions, now.Conditions) || imagesChanged(n.Status.Images, now.Images)
}
