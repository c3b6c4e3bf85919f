// Package scheduler assigns pending pods to nodes, as Kubernetes'
// default-scheduler does for the cases ordo needs: it is the only writer of
// pods/binding, so the agent on a node sees a pod only once it is placed.
//
//	pod event (unbound, ours) ─► queue (ns/name) ─► sync
//	cluster event (queueing.go) ─► move the parked pods it may help
//	sync: claims bound? (volumesBlock, the VolumeBinding PreFilter) ─►
//	      nodes + load ─► pickNode (pure) ─► decide:
//	   a node fits → assume, POST pods/binding, event Scheduled
//	   none fits   → PodScheduled=False/Unschedulable, event
//	                 FailedScheduling, park the pod
//
// Unschedulable pods (queueing.go, Kubernetes' unschedulable queue) are
// parked: not tried again until a cluster event that may let them fit
// moves them (a node added or changed, a bound pod freed or placed, a
// claim changed: each event concerns only the pods it may help, as the
// plugins' queueing hints decide), and then only once their back-off
// (1 s doubling to 10 s) since their last attempt has passed; a pod no
// event moves is tried again after 5 minutes. An event that arrives while
// a pod is being tried is not lost: that pod is not parked.
//
// Before any node is looked at, every persistentVolumeClaim volume must
// name an existing claim that is bound, unless its class is
// WaitForFirstConsumer; otherwise the pod stays Pending with Kubernetes'
// "pod has unbound immediate PersistentVolumeClaims".
//
// VolumeBinding (volumebinding.go): a node must match the node affinity
// of every bound claim's volume ("node(s) had volume node affinity
// conflict": a local volume keeps its pods on its node), and an unbound
// claim whose volume.kubernetes.io/selected-node names a node admits only
// that node ("node(s) didn't find available persistent volumes to bind").
// For a pod with unbound WaitForFirstConsumer claims, the node chosen is
// written into each claim's selected-node, the provisioner makes the
// volume there, and the pod is bound on a later attempt once every claim
// is bound (Kubernetes' PreBind, without blocking a worker).
//
// Filters, in the order Kubernetes runs them, each node reporting the first
// one it fails: spec.unschedulable (unless tolerated), Ready=True, taints
// with effect NoSchedule/NoExecute, then spec.nodeSelector and required
// node affinity.
//
// Then, per node, NodeResourcesFit (cpu and memory requests and the pod
// count against allocatable: "Insufficient cpu", "Too many pods") and
// InterPodAffinity (the pod's required affinity and anti-affinity terms,
// and existing pods' required anti-affinity, over each term's topology
// domain). Among the nodes left, the highest sum of preferred node and pod
// affinity weights met wins, then the fewest non-terminal pods, ties
// broken by name, so pods spread.
//
// When no node fits, preemption (preempt.go, Kubernetes' DefaultPreemption)
// looks for a node where deleting pods of lower spec.priority makes room,
// the fewest budget-protected and the least important victims first; the
// victims get the DisruptionTarget condition and are deleted, and the pod
// is nominated (status.nominatedNodeName) and placed once they are gone.
// Pending pods are not queued by priority.
//
// Left out on purpose, for later: binding WaitForFirstConsumer claims to
// existing volumes by node (the binder does it once a node is selected),
// storage capacity, allowedTopologies, topology spread,
// PreferNoSchedule scoring, namespaceSelector labels and matchLabelKeys in
// pod affinity terms, and schedulers other than "default-scheduler".
//
// Glossary:
//   - pending: spec.nodeName empty, not deleted, schedulerName ours, no
//     schedulingGates.
//   - load: non-terminal pods bound to a node, counted from the informer
//     plus the pods this process bound that the informer has not shown yet.
//   - assumed: a pod we bound whose binding the informer has not echoed.
package scheduler
