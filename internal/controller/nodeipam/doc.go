// Package nodeipam gives every Node a pod range, as kube-controller-manager
// does with --allocate-node-cidrs (its "RangeAllocator"): a Node without
// spec.podCIDR gets the next free block of --node-cidr-mask-size bits
// (/24) from --cluster-cidr (10.42.0.0/16, as k3s), in spec.podCIDR and
// spec.podCIDRs. The agent on that node builds its pod bridge on it, and
// every other node routes the block to it (package network/routes).
//
//	Node added/updated ──▶ queue ──▶ sync(name)
//	                                   ├─ gone: free its block
//	                                   ├─ has spec.podCIDR: mark it used
//	                                   └─ none: take the next free block,
//	                                      Update the Node (resourceVersion
//	                                      from the cache); on a conflict
//	                                      give the block back and retry
//	                                      none left: event CIDRNotAvailable
//
// The set of used blocks lives only in memory: each leadership term builds
// the controller anew and, before its first decision, marks every block
// the Nodes already hold (a restart loses nothing, a deleted Node's block
// is free again). One worker makes every decision, and the API's
// optimistic concurrency catches a Node that changed under it, so two
// Nodes never share a block.
package nodeipam
