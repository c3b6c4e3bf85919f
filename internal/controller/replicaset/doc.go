// Package replicaset keeps each ReplicaSet's pods at spec.replicas, with
// Kubernetes' replicaset-controller semantics:
//
//	ReplicaSet or pod event ─► queue (ns/name) ─► sync:
//	  claim pods (controllerref: own, release the unmatched, adopt orphans)
//	  expectations satisfied? (the cache shows our last creates/deletes)
//	    manage (pure): active < replicas → create the difference, in
//	      batches 1, 2, 4, … (slow start), at most 500 a sync;
//	      active > replicas → delete the surplus, worst first
//	      (deleteFirst: unscheduled, Pending, not ready, ready for less
//	      time, more restarts, newer)
//	  status: replicas, fullyLabeledReplicas, readyReplicas,
//	    availableReplicas (Ready for minReadySeconds), observedGeneration,
//	    ReplicaFailure (FailedCreate/FailedDelete); requeue when a pod
//	    becomes available with time
//
// The same controller keeps ReplicationControllers
// (NewForReplicationControllers), as Kubernetes' replication manager is
// the ReplicaSet controller behind a conversion: workload.go sees each RC
// as a ReplicaSet (its selector map as matchLabels) whose owner
// references, events and status writes go to the RC.
//
// Glossary:
//   - active: a pod neither finished nor being deleted; only active pods
//     count towards replicas.
//   - expectations: creations and deletions this process made that the
//     informer cache may not show yet (package expectations).
package replicaset
