// Package nodelifecycle is the part of Kubernetes' node lifecycle
// controller that keeps a Node truthful when its agent goes quiet: an
// agent renews its Lease in kube-node-lease every 10 s; when neither the
// Lease nor the Node's Ready heartbeat has moved for the grace period
// (--node-monitor-grace-period, 50 s as in Kubernetes), the Node's
// conditions become Unknown (NodeStatusUnknown, "Kubelet stopped posting
// node status."), it is tainted node.kubernetes.io/unreachable:NoSchedule,
// and its pods' Ready conditions become False, so Services stop sending
// them traffic. The pods are left running and are not failed: their
// processes may well live on (an agent restart, a partition). When the
// agent posts Ready again, the taint goes.
//
// Deliberately not done: the NoExecute unreachable taint, on which
// Kubernetes' taint manager evicts pods after tolerationSeconds (300 s by
// default). On ordo's one or few machines, an agent that is merely
// restarting would come back to find its stateful pods deleted. ordo's
// taint manager (internal/controller/taintmanager) evicts only for
// NoExecute taints someone else adds.
//
// Heartbeats are timed by this controller's clock when it sees them
// change, not by the agent's timestamps, so clock skew between machines
// does not matter; on start every node gets the full grace period.
package nodelifecycle
