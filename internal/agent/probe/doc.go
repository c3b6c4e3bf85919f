// Package probe runs Kubernetes' liveness, readiness and startup probes
// (exec, httpGet, tcpSocket, grpc) against a container that is a local process
// with its own network namespace, with the kubelet's timing and semantics,
// so that manifests written for a real cluster behave the same here.
//
// It has two layers, decide then do:
//
//   - Do runs one attempt and judges it: Success, Failure, or Unknown when
//     the attempt could not be judged (a port name that matches nothing, a
//     pod without an IP yet, the caller cancelling). Unknown never counts, so a probe
//     ordo cannot run never restarts a container.
//   - Worker runs one probe of one container run on a clock. A pure tracker
//     decides when an attempt is due (initialDelaySeconds from the container
//     start, periodSeconds, the startup gate) and what the thresholded result
//     is (successThreshold / failureThreshold in a row); the Worker only
//     waits, calls Do, and reports news through OnResult.
//
// One Worker's life:
//
//	        container started (StartedAt)
//	               │
//	initialDelaySeconds; liveness/readiness also wait for Started()
//	               ▼
//	┌──────▶ attempt (Do, timeoutSeconds) ──▶ tracker.observe
//	│              │                              │ news? ──▶ OnResult
//	│   periodSeconds, or Trigger()               ▼
//	└──────────────┘         liveness Failure / startup Failure: kill verdict
//	                         startup Success: started
//	                               │
//	                               ▼
//	                    no more attempts until ctx is done
//	                    (the agent starts a new Worker per container run)
//
// Before it settles, a probe reads as the kubelet's initial values:
// readiness Failure (not ready until proven ready), liveness Success,
// startup Unknown. OnResult is called for the first settled result and for
// every change after it.
package probe
