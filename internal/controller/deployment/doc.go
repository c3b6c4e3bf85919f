// Package deployment rolls Deployments out through ReplicaSets, with
// Kubernetes' deployment-controller semantics:
//
//	Deployment or ReplicaSet event ─► queue (ns/name) ─► sync:
//	  split owned ReplicaSets: new (runs spec.template) / old
//	  paused: only scale a finished rollout's ReplicaSet
//	  Recreate: old ReplicaSets to 0; once their pods are gone, the new
//	    one at replicas
//	  RollingUpdate: the new ReplicaSet grows while all pods stay within
//	    replicas+maxSurge (newReplicas); old ones shrink while at least
//	    replicas−maxUnavailable pods stay available, unavailable old pods
//	    first (scaleDownOld)
//	  revision annotations; old empty ReplicaSets beyond
//	    revisionHistoryLimit deleted
//	  status: counts, Available and Progressing conditions with
//	    Kubernetes' reasons, ProgressDeadlineExceeded after
//	    progressDeadlineSeconds without progress
//
// The new ReplicaSet is "<deployment>-<pod-template-hash>"; its selector,
// labels and template carry pod-template-hash, so a rollout's ReplicaSets
// never share pods. kubectl rollout undo, restart, pause and resume work on
// the fields this controller reads.
//
// Not yet: proportional scaling of a rollout in progress (a scale during a
// rollout resizes the new ReplicaSet only), adoption of orphaned
// ReplicaSets.
package deployment
