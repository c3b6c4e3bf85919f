package machines

import (
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strings"

	"github.com/ordo-dev/ordo/internal/testcluster"
)

// Ports of ordo inside a machine: its own network namespace, so every
// machine can use the usual ones.
const (
	APIPort   = 6443
	AgentPort = 10250
)

// URL is the API address of the server the machine runs.
func (m *Machine) URL() string {
	return "https://" + net.JoinHostPort(m.IP.String(), fmt.Sprint(APIPort))
}

// StartServer starts `ordo server` on the machine, listening on its
// address, with its node name (its Node's pod range comes from the
// server's --cluster-cidr, 10.42.0.0/16 by default), stopping its pods when it
// stops; args come last and win. It waits until the server serves.
// kubectl and client-go reach it from the host over the lab's bridge
// (Server.Kubectl, Server.Clientset, testcluster.Bind).
func (m *Machine) StartServer(args ...string) (*testcluster.Server, error) {
	if err := m.idle(); err != nil {
		return nil, err
	}
	s := &testcluster.Server{Bin: m.lab.Bin, DataDir: m.DataDir, Listen: net.JoinHostPort(m.IP.String(), fmt.Sprint(APIPort)),
		NodeName: m.NodeName, Wrap: m.Wrap(),
		ExtraArgs: append([]string{"--node-name", m.NodeName, "--stop-pods-on-exit"}, args...)}
	m.Server = s
	if err := s.Restart(); err != nil {
		return nil, fmt.Errorf("test machine %s: %w", m.Name, err)
	}
	return s, nil
}

// StartAgent joins the machine to the server that machine srv runs, as
// `ordo agent --server https://SRV:6443 --token T --ca-cert F`, with the
// token and CA certificate copied from the server's data directory (as an
// administrator would copy them), and waits until its Node is Ready; args
// come last and win.
func (m *Machine) StartAgent(srv *Machine, args ...string) (*testcluster.Agent, error) {
	if err := m.idle(); err != nil {
		return nil, err
	}
	if srv.Server == nil {
		return nil, fmt.Errorf("test machine %s: %s runs no server to join", m.Name, srv.Name)
	}
	token, err := srv.NodeToken()
	if err != nil {
		return nil, err
	}
	ca, err := os.ReadFile(filepath.Join(srv.DataDir, "pki", "ca.crt"))
	if err != nil {
		return nil, err
	}
	caFile := filepath.Join(m.Dir, "ca.crt")
	if err := os.WriteFile(caFile, ca, 0o644); err != nil {
		return nil, err
	}
	a := testcluster.NewAgent(m.lab.Bin, m.DataDir, m.NodeName, append([]string{
		"--server", srv.URL(), "--token", token, "--ca-cert", caFile,
		"--data-dir", m.DataDir, "--node-name", m.NodeName,
		"--listen", net.JoinHostPort(m.IP.String(), fmt.Sprint(AgentPort)), "--stop-pods-on-exit"}, args...))
	a.Wrap = m.Wrap()
	if err := a.Restart(srv.Server); err != nil {
		return nil, fmt.Errorf("test machine %s: %w", m.Name, err)
	}
	m.Agent = a
	return a, nil
}

// NodeToken is the join token of the server the machine runs (its
// <data-dir>/pki/node-token), for `ordo agent --token` or a joining
// server.
func (m *Machine) NodeToken() (string, error) {
	token, err := os.ReadFile(filepath.Join(m.DataDir, "pki", "node-token"))
	return strings.TrimSpace(string(token)), err
}

func (m *Machine) idle() error {
	if m.Server != nil || m.Agent != nil {
		return fmt.Errorf("test machine %s already runs ordo", m.Name)
	}
	return nil
}
