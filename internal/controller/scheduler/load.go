package scheduler

import (
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/client-go/tools/cache"
	"k8s.io/klog/v2"
)

// nodeIndex indexes the pod cache by spec.nodeName. The name is ours so
// it cannot clash with an index another user of a shared factory adds.
const nodeIndex = "scheduler.ordo.dev/nodeName"

var everything = labels.Everything()

// addNodeIndex lets placed find a node's pods without scanning all pods.
// It fails when a shared informer has already started; placed then scans.
func addNodeIndex(inf cache.SharedIndexInformer) {
	err := inf.AddIndexers(cache.Indexers{nodeIndex: func(obj interface{}) ([]string, error) {
		if pod, ok := obj.(*corev1.Pod); ok && pod.Spec.NodeName != "" {
			return []string{pod.Spec.NodeName}, nil
		}
		return nil, nil
	}})
	if err != nil {
		klog.V(1).Infof("scheduler: pod index unavailable, counting by scan: %v", err)
	}
}

// placed lists the non-terminal pods on each of nodes from the cache.
func (c *Controller) placed(nodes []*corev1.Node) map[string][]*corev1.Pod {
	placed := make(map[string][]*corev1.Pod, len(nodes))
	indexer := c.pods.GetIndexer()
	for _, n := range nodes {
		objs, err := indexer.ByIndex(nodeIndex, n.Name)
		if err != nil {
			return c.scanPlaced()
		}
		for _, obj := range objs {
			if pod, ok := obj.(*corev1.Pod); ok && occupiesNode(pod) {
				placed[n.Name] = append(placed[n.Name], pod)
			}
		}
	}
	return placed
}

// scanPlaced is placed without the index.
func (c *Controller) scanPlaced() map[string][]*corev1.Pod {
	placed := map[string][]*corev1.Pod{}
	for _, obj := range c.pods.GetIndexer().List() {
		if pod, ok := obj.(*corev1.Pod); ok && occupiesNode(pod) {
			placed[pod.Spec.NodeName] = append(placed[pod.Spec.NodeName], pod)
		}
	}
	return placed
}
