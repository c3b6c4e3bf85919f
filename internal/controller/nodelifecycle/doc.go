// Package nodelifecycle is the part of Kubernetes' node lifecycle
// controller that keeps a Node truthful when its agent goes quiet, and
// starts taint-based eviction. An agent renews its Lease in
// kube-node-lease every 10 s; when neither the Lease nor the Node's Ready
// heartbeat has moved for the grace period (--node-monitor-grace-period,
// 50 s as in Kubernetes), the Node's conditions become Unknown
// (NodeStatusUnknown, "Kubelet stopped posting node status.") and its
// pods' Ready conditions become False, so Services stop sending them
// traffic. The pods are not failed: their processes may well live on (an
// agent restart, a partition).
//
// # Taints
//
// As Kubernetes' TaintNodesByCondition and taint-based eviction, the node
// carries, while its Ready condition is
//
//	Unknown  node.kubernetes.io/unreachable  NoSchedule and NoExecute
//	False    node.kubernetes.io/not-ready    NoSchedule and NoExecute
//	True     neither
//
// A Node that never posted Ready is new, not lost: it gets
// node.kubernetes.io/not-ready:NoSchedule at once, as a Node a kubelet
// registers (Ready False until its first status), and only when its grace
// period has passed does it go Unknown and get both unreachable taints.
// Other taints are left alone.
//
// # When pods are evicted and recreated elsewhere
//
// The NoExecute taint hands the node's pods to the taint manager
// (internal/controller/taintmanager): every pod tolerates it for 300 s
// (the DefaultTolerationSeconds admission; ordo server's
// --default-unreachable-toleration-seconds), DaemonSet pods forever. When
// that runs out the pod is deleted gracefully. A Deployment's or Job's pod
// is replaced at once: its controller counts a terminating pod as gone. A
// StatefulSet's pod is not: it stays Terminating, since only its node's
// agent can say its processes ended, and its replacement would have the
// same name, so the same identity never runs on two nodes. It is
// force-deleted, and recreated elsewhere, only once a person declares the
// machine gone, by deleting the Node or tainting it
// node.kubernetes.io/out-of-service (internal/controller/podgc). A pod
// whose local volume lives on the lost node is recreated but stays Pending
// with the volume's node affinity conflict until that node is back.
//
// A restart of ordo evicts nothing: heartbeats are timed by this
// controller's clock when it sees them change, not by the agent's
// timestamps (so clock skew between machines does not matter either), and
// on start every node gets the full grace period; the taint manager's
// clock starts afresh too.
package nodelifecycle
