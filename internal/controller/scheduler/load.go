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

// addNodeIndex lets load count a node's pods without scanning all pods.
// It fails when a shared informer has already started; load then scans.
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

// load counts the non-terminal pods on each of nodes from the cache.
func (c *Controller) load(nodes []*corev1.Node) map[string]int {
	load := make(map[string]int, len(nodes))
	indexer := c.pods.GetIndexer()
	for _, n := range nodes {
		objs, err := indexer.ByIndex(nodeIndex, n.Name)
		if err != nil {
			return c.scanLoad()
		}
		for _, obj := range objs {
			if pod, ok := obj.(*corev1.Pod); ok && occupiesNode(pod) {
				load[n.Name]++
			}
		}
	}
	return load
}

// scanLoad is load without the index.
func (c *Controller) scanLoad() map[string]int {
	load := map[string]int{}
	for _, obj := range c.pods.GetIndexer().List() {
		if pod, ok := obj.(*corev1.Pod); ok && occupiesNode(pod) {
			load[pod.Spec.NodeName]++
		}
	}
	return load
}
