// Package proxy makes Service ClusterIPs reachable on the node, from pods
// and from the host: kube-proxy's old "userspace" mode, without iptables.
//
//	pod 10.42.0.5 ── default via 10.42.0.1 (bridge) ──▶ host netns
//	host netns: ordo-svc0 holds every ClusterIP as a /32 (local addresses)
//	            a TCP/UDP listener on exactly ClusterIP:port per Service port
//	            ──▶ dials a ready endpoint IP:targetPort (round robin,
//	                skipping endpoints that refuse) and splices the bytes
//
// Why userspace and not DNAT: DNAT needs netfilter (iptables or nftables
// rules, and conntrack), which Debian does not install by default and which
// other software on the host also edits; a local address plus a listener
// needs only netlink and sockets, keeps every packet on the machine, and
// leaves nothing behind that removing one interface does not remove. The
// cost is a copy through the agent per byte, and the backend sees the
// node's bridge address as the client.
//
// The interface is a "dummy" link; kernels without the dummy driver (some
// sandboxes) get an empty bridge instead, which holds local addresses the
// same way. It carries the alias "ordo service proxy", is deleted and made
// afresh when the proxy starts (a killed agent leaves it behind) and
// deleted when it stops.
//
// A Service port whose Service has no ready endpoint has its ClusterIP but
// no listener, so connections are refused at once, as kube-proxy's REJECT
// rule does. Headless and ExternalName Services get nothing.
package proxy
