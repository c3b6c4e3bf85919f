// Command podnet measures pod-to-pod TCP on one node against across
// nodes, side by side: the latency of small request/response round trips
// (64 bytes each way, p50/p99) and the throughput of one connection
// (MB/s, counted by the sender). It runs a lab of two test machines
// (package testcluster/machines: a server and a joined agent on a test
// bridge, routed by host-gw), one echo pod on each node and a client pod
// on the server's node, and measures from the client to each echo pod by
// pod IP. The pods run this very binary (copied to a hostPath volume) in
// -serve and -probe modes. The lab and the copy are removed
// at the end.
//
// It never judges the figures: it exits 1 only if something broke.
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/ordo-dev/ordo/bench/internal/benchutil"
	"github.com/ordo-dev/ordo/internal/testcluster"
	"github.com/ordo-dev/ordo/internal/testcluster/machines"
)

func main() {
	serveAddr := flag.String("serve", "", "internal: serve echo and sink on this address (the pods' mode)")
	probeAddr := flag.String("probe", "", "internal: measure this echo server (the client pod's mode)")
	n := flag.Int("n", 5000, "round trips per latency measurement")
	dur := flag.Duration("duration", 3*time.Second, "how long each throughput measurement sends")
	runs := flag.Int("runs", 3, "measurements of each path, alternating (the best throughput and the median p50/p99 are printed)")
	flag.Parse()
	var err error
	switch {
	case *serveAddr != "":
		err = serve(*serveAddr)
	case *probeAddr != "":
		err = probe(*probeAddr, *n, *dur)
	default:
		err = orchestrate(*n, *dur, *runs)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "podnet:", err)
		os.Exit(1)
	}
}

func orchestrate(n int, dur time.Duration, runs int) (err error) {
	bin, err := testcluster.Binary()
	if err != nil {
		return err
	}
	dir, err := os.MkdirTemp("/var/tmp", "ordo-podnet-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	self, err := copySelf(dir)
	if err != nil {
		return err
	}
	lab, err := machines.Open(bin, dir)
	if err != nil {
		return err
	}
	defer func() {
		if cerr := lab.Close(); cerr != nil && err == nil {
			err = cerr
		}
	}()
	srvM, err := lab.AddMachine("server1")
	if err != nil {
		return err
	}
	agM, err := lab.AddMachine("agent1")
	if err != nil {
		return err
	}
	s, err := srvM.StartServer()
	if err != nil {
		return err
	}
	if _, err := agM.StartAgent(srvM); err != nil {
		return err
	}
	benchutil.Progress("lab up: %s and %s", srvM.NodeName, agM.NodeName)
	ctx := context.Background()
	kubectl := func(stdin string, args ...string) (string, error) {
		out, errOut, err := s.Kubectl(ctx, stdin, args...)
		if err != nil {
			return "", fmt.Errorf("kubectl %s: %v: %s", strings.Join(args, " "), err, errOut)
		}
		return strings.TrimSpace(out), nil
	}
	manifest := pod("echo-local", srvM.NodeName, self) + "---\n" + pod("echo-remote", agM.NodeName, self) + "---\n" + pod("client", srvM.NodeName, self)
	if _, err := kubectl(manifest, "apply", "-f", "-"); err != nil {
		return err
	}
	if _, err := kubectl("", "wait", "--for=condition=Ready", "pod/echo-local", "pod/echo-remote", "pod/client", "--timeout=120s"); err != nil {
		described, _ := kubectl("", "describe", "pods")
		return fmt.Errorf("%w\n%s", err, described)
	}
	ips := map[string]string{}
	for _, p := range []string{"echo-local", "echo-remote"} {
		if ips[p], err = kubectl("", "get", "pod", p, "-o=jsonpath={.status.podIP}"); err != nil {
			return err
		}
	}
	results := map[string][]probeResult{}
	for i := 0; i < runs; i++ {
		for _, p := range []string{"echo-local", "echo-remote"} {
			out, err := kubectl("", "exec", "client", "--", "/bench/podnet", "-probe", ips[p]+":7000", "-n", fmt.Sprint(n), "-duration", dur.String())
			if err != nil {
				return err
			}
			var r probeResult
			if err := json.Unmarshal([]byte(out), &r); err != nil {
				return fmt.Errorf("probe output %q: %w", out, err)
			}
			results[p] = append(results[p], r)
		}
	}
	report(os.Stdout, n, dur, runs, results)
	return nil
}

// pod is a pod on node running this binary's echo server, from a
// hostPath volume of the directory it was copied to (pods do not see the
// host's /tmp or /var/tmp).
func pod(name, node, self string) string {
	return fmt.Sprintf(`apiVersion: v1
kind: Pod
metadata: {name: %s}
spec:
  nodeName: %s
  terminationGracePeriodSeconds: 1
  containers:
  - name: c
    image: busybox
    command: [/bench/podnet, -serve, ":7000"]
    volumeMounts: [{name: bench, mountPath: /bench}]
    readinessProbe:
      tcpSocket: {port: 7000}
      periodSeconds: 1
  volumes:
  - {name: bench, hostPath: {path: %s, type: Directory}}
`, name, node, filepath.Dir(self))
}

// copySelf copies the running binary into dir, where pods see it.
func copySelf(dir string) (string, error) {
	exe, err := os.Executable()
	if err != nil {
		return "", err
	}
	in, err := os.Open(exe)
	if err != nil {
		return "", err
	}
	defer in.Close()
	path := filepath.Join(dir, "podnet")
	out, err := os.OpenFile(path, os.O_CREATE|os.O_WRONLY, 0o755)
	if err != nil {
		return "", err
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return "", err
	}
	return path, out.Close()
}
