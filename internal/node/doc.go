// Package node assembles one machine's node: the agent that runs the pods
// bound to it, and around it the host claims, pod bridge, cgroups, runtime,
// image store, cluster DNS server and service proxy. `ordo server` runs one
// for its own machine (New with the server's loopback client, unless
// --no-agent); `ordo agent` runs one joined to a server on another machine
// (RunJoined, with the node token). See README.md for the flow.
package node
