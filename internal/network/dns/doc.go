// Package dns is the node's cluster DNS server: what CoreDNS's kubernetes
// plugin answers, from the agent's informers, on the pod bridge's gateway
// address (the node's own address on the bridge, never 0.0.0.0), so every
// node answers its own pods and no DNS pod is needed.
//
//	pod ─ query ─▶ <gateway>:53 (udp, tcp)
//	                 │ name under cluster.local?
//	                 ├─ yes ─▶ resolve (names.go → records.go) from listers
//	                 │         unknown name: NXDOMAIN + SOA
//	                 └─ no  ─▶ forward to the host's resolv.conf nameservers
//	                           (SERVFAIL when there are none)
//
// Names, all under the cluster domain (cluster.local):
//
//	<svc>.<ns>.svc                      A: ClusterIP; headless: ready endpoint IPs;
//	                                    ExternalName: CNAME
//	<host>.<svc>.<ns>.svc               A: the headless endpoint with that hostname
//	                                    (a StatefulSet pod), or with that
//	                                    dashed IP (1-2-3-4)
//	_<port>._<proto>.<svc>.<ns>.svc     SRV per named port (headless: per endpoint)
//	<a-b-c-d>.<ns>.pod                  A: the IP, if a pod in ns has it
//	                                    ("pods verified" in CoreDNS terms)
//	d.c.b.a.in-addr.arpa                PTR of a ClusterIP or endpoint IP
//
// Only IPv4 exists: AAAA for a known name is an empty NOERROR answer.
package dns
