// Package taintmanager is Kubernetes' NoExecute taint manager (the
// taint-eviction-controller): a pod bound to a node with a NoExecute taint
// it does not tolerate is deleted at once; one that tolerates every such
// taint, some only for tolerationSeconds, is deleted when the shortest of
// those has passed since this controller first saw the pod under the
// taints, unless the taints go first. Before the delete the pod gets the
// DisruptionTarget condition (reason DeletionByTaintManager) and a
// TaintManagerEviction event, as in Kubernetes.
//
// # The embedded agent's restarts
//
// ordo's node lifecycle controller (internal/controller/nodelifecycle)
// never adds NoExecute taints: when an agent stops posting for its grace
// period (50 s) it marks the node unreachable with the NoSchedule taint
// only, so this manager evicts nothing because an agent went quiet. On a
// server restart (which restarts the embedded agent) the node lifecycle
// controller starts by giving every node the full grace period again, so a
// restart of a few seconds does not even add the NoSchedule taint. And were
// a node.kubernetes.io/unreachable:NoExecute taint added by hand or by
// another tool, every pod carries the 300 s toleration that the
// DefaultTolerationSeconds admission plugin adds, and this manager's clock
// starts when it sees the taint (a restarted manager starts it afresh),
// so a StatefulSet's pods outlive any restart shorter than five minutes.
// NoExecute taints a user adds (kubectl taint nodes n key=v:NoExecute) act
// as in Kubernetes.
//
//	node taints changed ─► queue its pods ─┐
//	pod bound or changed ─► queue the pod ─┴► decide(taints, tolerations, since, now)
//	   ─► nothing | look again after d | evict: DisruptionTarget, event, delete
package taintmanager
