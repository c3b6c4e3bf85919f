// Package machines runs several test "machines" on one host, for the
// end-to-end tests and benchmarks of a cluster of a few machines (issue 27).
//
// A Lab is a test bridge in the host's network namespace with a private /24
// of its own; a Machine is
//
//   - a named network namespace (`ip netns list` shows it) whose eth0 is one
//     end of a veth pair, the other end on the lab's bridge, with its own
//     address on the lab's /24, loopback up and a default route via the
//     bridge's address;
//   - a mount and UTS namespace of its own, held by a `sleep` process for the
//     machine's lifetime: its /run is a directory of its own (so hostclaim's
//     /run/ordo/claims, for one, is per machine, as on separate hosts), its
//     /etc/resolv.conf names the lab's gateway (where nothing answers), and
//     its host name is the machine's;
//   - a data directory of its own, at the same path inside and outside, so the
//     host-side helpers of package testcluster (kubeconfig, logs, the sweep of
//     pod shims) work unchanged.
//
// A lab of two machines:
//
//	host netns                       machine "server1" (netns olab40123-server1)
//	olab40123 (bridge, 10.25x.y.1/24) ── olab40123v1 ═══ eth0 10.25x.y.2/24
//	     │                                              ordo server --listen 10.25x.y.2:6443
//	     └─────────── olab40123v2 ═══ eth0 10.25x.y.3/24 (machine "agent1")
//	                                                    ordo agent --server https://10.25x.y.2:6443
//
// ordo runs inside a machine through testcluster's Server and Agent, with
// their Wrap set to `nsenter --target HOLDER --net --mount --uts --`: one
// mount namespace per machine, kept across restarts of ordo, as on a real
// host. The test process reaches every machine's address over the bridge, so
// kubectl and client-go run on the host against a machine's API.
//
// Faults: Machine.CutLink and RestoreLink set the host end of the machine's
// veth down and up (the machine keeps its address and routes, its packets go
// nowhere); Machine.Delay adds latency with netem where the kernel has it;
// Kill9 kills the machine's ordo process (its pods live on in their shims)
// and KillAll every process of the machine, as a power loss.
//
// Everything is undone by the test's cleanup, which then checks that no
// process, network namespace, veth, bridge, mount or cgroup of the lab is left.
package machines
