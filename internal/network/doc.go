// Package network gives every pod its own network namespace with one IPv4
// address on a node-local bridge, so that pods can bind the same ports and
// reach each other, and the node, by IP.
//
//	host (node) network namespace                  pod network namespaces
//	┌──────────────────────────────────────┐
//	│ ordo0 (bridge) 10.42.0.1/16          │        ┌────────────────────────┐
//	│   ├── veth1a2b3c4d ◀─── veth pair ───┼──────▶ │ eth0 10.42.0.2/16      │
//	│   │                                  │        │ lo   127.0.0.1         │
//	│   │                                  │        │ default via 10.42.0.1  │
//	│   │                                  │        └────────────────────────┘
//	│   └── veth5e6f7a8b ◀─── veth pair ───┼──────▶ eth0 10.42.0.3/16 …
//	│ route 10.42.0.0/16 dev ordo0         │
//	└──────────────────────────────────────┘
//
// Pods talk to each other through the bridge at layer 2; the node reaches them
// through the bridge's connected route. Nothing is routed or masqueraded off
// the machine and no iptables rules are installed: pod traffic stays local.
//
// Addresses are leased from a directory holding one file per allocated IP
// (its name is the IP, its content the pod UID). The directory, not memory,
// is the source of truth, so an agent restarted after a crash sees exactly
// the leases it had, and Sweep can release those of pods that no longer exist.
// Files are created with O_EXCL, so two allocators can never hand out the same
// address even if they race.
//
// A host-side veth is named "veth" plus 8 hex digits of a hash of the pod UID
// (interface names are limited to 15 bytes, UIDs are 36) and carries the full
// pod UID as its interface alias. The alias, not the name, decides ownership:
// ordo deletes a veth only when it can tell the veth is its own.
package network
