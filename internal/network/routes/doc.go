// Package routes makes every node reach every other node's pod range, as
// flannel does: each agent watches the Nodes and, for every other Node
// with a spec.podCIDR and an InternalIP,
//
//   - host-gw when that IP is on a subnet of one of this machine's links:
//     a route "podCIDR via nodeIP" (the other node forwards onto its
//     bridge);
//   - VXLAN otherwise: a vxlan device ordo-vxlan0 (VNI 1, UDP 8472, as
//     flannel.1) holding this node's range's network address as a /32,
//     a route "podCIDR via <its network address> dev ordo-vxlan0 onlink",
//     a permanent neighbour entry for that address with the other node's
//     VTEP MAC, and an FDB entry sending that MAC to the node's IP. A VTEP
//     MAC is derived from the node's IP (02:76:<ip>), so no Node annotation
//     is needed to learn it.
//
// Routes carry protocol 111 ("ordo"), and the ranges installed are
// written to a state file in the node's data directory: an agent
// restarted deletes the stale ones it installed and never touches a route
// it did not make. IP forwarding is turned on in the node's network
// namespace once it has a route; pod traffic to other pod ranges is not
// masqueraded (ordo adds no NAT at all).
//
//	Node informer ──▶ trigger ──▶ Plan(self, nodes, local addresses)  (pure)
//	resync 30s   ──┘                │
//	                                ▼
//	              apply: vxlan device, neighbours, FDB, routes; delete ours
//	              not in the plan; state file; ip_forward=1 when any
package routes
