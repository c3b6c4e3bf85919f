// Package daemonset runs one pod of each DaemonSet on every node that
// should run it, with Kubernetes' daemonset-controller semantics:
//
//	DaemonSet, pod, node or revision event ─► queue (ns/name) ─► sync:
//	  claim pods (controllerref)
//	  history: the ControllerRevision of the current template (created,
//	    or renumbered to the newest when an undo brings an old one back);
//	    its hash labels new pods (controller-revision-hash)
//	  expectations satisfied? then decide (pure) from nodes and pods:
//	    placement (shouldRun): nodeName, nodeSelector and required node
//	      affinity, taints against the template's tolerations plus those
//	      the controller adds (not-ready/unreachable NoExecute,
//	      disk/memory/pid-pressure and unschedulable NoSchedule,
//	      network-unavailable for hostNetwork)
//	    manage: create a pod on a node that should run one and has none;
//	      delete surplus pods (keep the oldest; with surge, one old and
//	      one new), failed pods (with back-off) and pods on nodes that
//	      should not keep them
//	    rollingUpdate: maxSurge 0 → delete old pods while at most
//	      maxUnavailable are unavailable; maxSurge > 0 → create new pods
//	      beside old ones (at most maxSurge at once), delete an old pod
//	      once its replacement is available. OnDelete: nothing.
//	  do: create (slow start batches) and delete, with events
//	  prune revisions beyond revisionHistoryLimit that no pod uses
//	  status: desired/current/ready/updated/available/unavailable/
//	    misscheduled, observedGeneration
//
// Pods are created unscheduled, with a required node affinity on the
// node's name (matchFields metadata.name), and placed by ordo's scheduler,
// as Kubernetes' default scheduler has placed DaemonSet pods since 1.12.
//
// Glossary:
//   - updated: a pod whose controller-revision-hash is the current
//     revision's hash.
//   - available: Ready for at least minReadySeconds.
package daemonset
