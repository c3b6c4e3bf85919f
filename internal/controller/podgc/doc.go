// Package podgc is the part of Kubernetes' pod garbage collector (PodGC)
// that frees a lost node's pods, every 20 s as kube-controller-manager's:
//
//   - orphaned: a pod bound to a Node that no longer exists (kubectl delete
//     node) is force-deleted once the Node has been missing for the 40 s
//     quarantine and a read of the API confirms it is gone (a Node that is
//     merely late in the cache keeps its pods);
//   - out of service: a terminating pod on a Node that is not Ready and
//     carries the node.kubernetes.io/out-of-service taint (Kubernetes'
//     non-graceful node shutdown: a person says the machine is down) is
//     force-deleted; the taint is NoExecute, so the taint manager first
//     deletes gracefully every pod that does not tolerate it;
//   - unscheduled: a terminating pod bound to no node is force-deleted.
//
// A force-delete is Kubernetes': a pod not yet Succeeded or Failed is first
// marked Failed (an orphan also gets DisruptionTarget, reason
// DeletionByPodGC, "PodGC: node no longer exists"), then deleted with a
// grace period of 0, so it leaves the API without its node's agent
// confirming that its processes ended. That is the one way a
// StatefulSet's pod on an unreachable node is replaced (see
// internal/controller/nodelifecycle): only after a person deleted the
// Node or marked it out of service. An agent that comes back ends the
// processes of every pod it finds gone from the API (internal/agent's
// adoption), so the old copy stops then at the latest.
//
// Not done: terminated-pod collection (--terminated-pod-gc-threshold).
package podgc
