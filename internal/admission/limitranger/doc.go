// Package limitranger is Kubernetes' LimitRanger admission plugin. On a
// pod's create it fills each container's missing requests and limits from
// the namespace's LimitRanges (their Container items' defaultRequest and
// default) and records what it set in the kubernetes.io/limit-ranger
// annotation ("LimitRanger plugin set: cpu request for container app");
// then it refuses a pod whose containers, or whose sum, fall outside an
// item's min, max or maxLimitRequestRatio, and a claim whose storage
// request falls outside a PersistentVolumeClaim item's, in Kubernetes'
// words:
//
//	pods "x" is forbidden: maximum cpu usage per Container is 500m, but limit is 800m
//
// Pod updates are not checked: a pod's containers and their resources do
// not change. The decisions are pure functions (defaults.go, limits.go);
// plugin.go reads the LimitRanges from the API server's informer.
package limitranger
