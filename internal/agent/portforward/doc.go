// Package portforward is the agent's side of `kubectl port-forward`: the
// SPDY "portforward.k8s.io" protocol the kubelet speaks, ending in a TCP
// connection to localhost inside the pod's network namespace.
//
// The API server proxies pods/portforward here; kubectl's WebSocket
// (SPDY/3.1+portforward.k8s.io) variant arrives as plain SPDY because the API
// server unwraps the tunnel, as kube-apiserver does for kubelets. Other
// clients may use the kubelet's bare WebSocket protocol (websocket.go): one
// connection per port named in the query, no SPDY.
//
// Glossary:
//
//	session     one upgraded connection: many forwarded TCP connections
//	stream      a SPDY stream; headers streamType (data|error), port, requestID
//	pair        the data and error streams of one forwarded connection, matched
//	            by requestID; the error stream carries a failure message back
//
// Flow of one forwarded connection:
//
//	kubectl                          agent (session)                 pod netns
//	  │ error stream (port, id) ───────▶ pair[id] waits (30 s)
//	  │ data stream (port, id) ────────▶ pair[id] complete ──dial──▶ 127.0.0.1:port
//	  │◀═══════════ data stream ════════════╪═════════ copy ═════════════▶│
//	  │◀── "error forwarding port ..." ─────┘ (only when the dial fails)
//
// The session ends when the connection closes or stays idle past the idle
// timeout; every TCP connection it opened is closed with it.
package portforward
