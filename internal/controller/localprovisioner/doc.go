// Package localprovisioner is ordo's dynamic provisioner: for claims of a
// StorageClass whose provisioner is ordo.dev/local-path it creates a
// hostPath PersistentVolume pre-bound to the claim and pinned by node
// affinity to the node that holds its directory, as Rancher's
// local-path-provisioner does. It behaves as the external provisioners of
// Kubernetes (sig-storage-lib-external-provisioner) do, so claims,
// volumes and events look the same:
//
//	claim annotated volume.kubernetes.io/storage-provisioner: ordo.dev/local-path
//	(by pvbinder) ─► claim queue ─► decideProvision (pure)
//	   class WaitForFirstConsumer and no selected-node → wait
//	   volume pvc-<claim uid> exists → done (the name is the lock)
//	   node = selected-node (set by the scheduler), or this server's own
//	          node for an Immediate class
//	   root = the node's ordo.dev/local-path-dir annotation (published by
//	          its agent; this server's <data-dir>/volumes for its own node)
//	   event Provisioning, create the PV: hostPath root/pvc-<uid>,
//	   nodeAffinity kubernetes.io/hostname In [node], claimRef = the
//	   claim, reclaim policy of the class, annotation
//	   pv.kubernetes.io/provisioned-by; event ProvisioningSucceeded — or
//	   ProvisioningFailed with the error (a node that published no
//	   directory yet is retried)
//	pvbinder then binds claim and volume; the scheduler binds the pod to
//	the node; the node's agent makes the directory (0777) at first mount.
//	volume Released, policy Delete ─► the agent of its node removes the
//	   directory and deletes the PV (package agent, localvolumes.go).
//	   Only unpinned volumes (made by a server without an agent, or
//	   before volumes had node affinity) are deleted here: decideDelete
//	   (pure), directory then PV (uid precondition); a failure is a
//	   VolumeFailedDelete event and a retry.
//
// Where the data lives: on the machine of the node the volume is pinned
// to. The server never makes a directory on another machine: it cannot;
// for its own node it makes it at once, which the agent's first mount
// then finds. A volume whose node is gone stays where it is, and its
// pods stay Pending with "volume node affinity conflict" until the node
// returns; a Released one is deleted when its agent comes back.
//
// The directories are mode 0777, as Rancher's local path provisioner
// makes them, so pods running as any user can write. Containers never see
// the data directory itself (the agent hides it); a volume reaches a
// container only through its mount. Every access mode is accepted: a
// directory on one machine can be shared by any number of its pods.
// Block volumes are refused.
package localprovisioner
