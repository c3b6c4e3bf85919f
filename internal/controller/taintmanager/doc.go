// Package taintmanager is Kubernetes' NoExecute taint manager (the
// taint-eviction-controller): a pod bound to a node with a NoExecute taint
// it does not tolerate is deleted at once; one that tolerates every such
// taint, some only for tolerationSeconds, is deleted when the shortest of
// those has passed since this controller first saw the pod under the
// taints, unless the taints go first. Before the delete the pod gets the
// DisruptionTarget condition (reason DeletionByTaintManager) and a
// TaintManagerEviction event, as in Kubernetes.
//
// # Node loss
//
// The node lifecycle controller (internal/controller/nodelifecycle) taints
// a node whose agent went quiet for its grace period (50 s)
// node.kubernetes.io/unreachable:NoExecute, and every pod tolerates that
// for 300 s (the DefaultTolerationSeconds admission), so the pods of a
// node lost for about six minutes are evicted here. This manager's clock
// starts when it sees the taint (a restarted manager starts it afresh),
// and the node lifecycle controller gives every node its full grace period
// again at a start, so a restart of ordo evicts nothing. An eviction is a
// graceful delete: a pod on an unreachable node stays Terminating until its
// agent confirms or a person declares the node gone
// (internal/controller/podgc). NoExecute taints a user adds (kubectl taint
// nodes n key=v:NoExecute) act the same.
//
//	node taints changed ─► queue its pods ─┐
//	pod bound or changed ─► queue the pod ─┴► decide(taints, tolerations, since, now)
//	   ─► nothing | look again after d | evict: DisruptionTarget, event, delete
package taintmanager
