package server

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/ordo-dev/ordo/internal/apiserver"
	"github.com/ordo-dev/ordo/internal/datadir"
	"github.com/ordo-dev/ordo/internal/pki"
	"github.com/ordo-dev/ordo/internal/storage/etcd"
	clientv3 "go.etcd.io/etcd/client/v3"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apiserver/pkg/endpoints/request"
	"k8s.io/klog/v2"
)

// ClusterOptions make `ordo server` one of several servers sharing an
// embedded etcd cluster (k3s's --cluster-init and --server/--token).
//
// Trust on join: the joining server verifies the server it joins with the
// cluster CA given as --ca-cert (as `ordo agent` does), and authenticates
// with the join token (<data-dir>/pki/node-token); only then does it
// receive the CA and service-account keys. The path that hands them out
// (JoinPath) answers only the server join token's identity
// (apiserver.ServerJoinGroup) and system:masters: agents join with the
// agent token (pki/agent-token) or a bootstrap token, which buy only a
// node client certificate.
type ClusterOptions struct {
	// Init starts the first member of a new cluster (--cluster-init).
	Init bool
	// Join is the URL of a server of the cluster to join (--join).
	Join string
	// Token and CACert authenticate the join (--token, --ca-cert).
	Token, CACert string
	// AdvertiseAddress is the IP other servers reach this one's etcd at
	// (--advertise-address; default the --listen IP).
	AdvertiseAddress string
	// EtcdClientPort and EtcdPeerPort are etcd's ports on it (2379, 2380).
	EtcdClientPort, EtcdPeerPort int
}

// Enabled says whether this server's etcd is (or joins) a cluster.
func (c ClusterOptions) Enabled() bool { return c.Init || c.Join != "" }

// JoinPath is where a server hands a joining one the cluster's shared files
// and its etcd members' client URLs.
const JoinPath = apiserver.JoinPath

// MembersPath + "/NAME" is where `ordo server remove NAME` deletes a
// member (system:masters only).
const MembersPath = "/ordo/v1/members"

// joinResponse is JoinPath's body.
type joinResponse struct {
	Files          map[string][]byte `json:"files"`
	EtcdClientURLs []string          `json:"etcdClientURLs"`
	// ServiceCIDR is the cluster's Service range (the answering server's
	// --service-cidr, which every server of the cluster shares).
	ServiceCIDR string `json:"serviceCIDR,omitempty"`
}

// validate checks the flags together, naming them in errors.
func (c ClusterOptions) validate(listen string, external []string) error {
	switch {
	case !c.Enabled():
		return nil
	case c.Init && c.Join != "":
		return errors.New("--cluster-init and --join are mutually exclusive: the first server inits, the others join")
	case len(external) > 0:
		return errors.New("--etcd-servers cannot be used with --cluster-init or --join: an external etcd cluster is its own cluster")
	case c.Join != "" && (c.Token == "" || c.CACert == ""):
		return errors.New("--join requires --token and --ca-cert (the first server's pki/node-token and pki/ca.crt)")
	}
	if c.Join != "" {
		if u, err := url.Parse(c.Join); err != nil || u.Scheme != "https" || u.Host == "" {
			return fmt.Errorf("--join: invalid value %q: must be https://HOST:PORT", c.Join)
		}
	}
	if _, err := c.advertiseIP(listen); err != nil {
		return err
	}
	return nil
}

// advertiseIP is --advertise-address, else the IP of --listen.
func (c ClusterOptions) advertiseIP(listen string) (net.IP, error) {
	addr := c.AdvertiseAddress
	if addr == "" {
		addr, _, _ = net.SplitHostPort(listen)
	}
	ip := net.ParseIP(addr)
	if ip == nil || ip.IsUnspecified() {
		return nil, fmt.Errorf("--advertise-address: invalid value %q: an IP address other servers can reach is required when --listen (%s) does not name one", c.AdvertiseAddress, listen)
	}
	return ip, nil
}

func (c ClusterOptions) urls(ip net.IP) (client, peer string) {
	host := ip.String()
	return "https://" + net.JoinHostPort(host, strconv.Itoa(c.EtcdClientPort)), "https://" + net.JoinHostPort(host, strconv.Itoa(c.EtcdPeerPort))
}

// fetchJoin asks the server at c.Join for the shared files and writes them
// to files, unless this data directory already has a CA (a restart). It
// returns the etcd members' client URLs to join through. A server whose
// serviceCIDR is not the cluster's is refused here, before its etcd member
// joins: a member that joined and then exited would cost the cluster its
// quorum (two members, one down).
func fetchJoin(ctx context.Context, c ClusterOptions, files pki.Files, serviceCIDR string) ([]string, error) {
	caPEM, err := os.ReadFile(c.CACert)
	if err != nil {
		return nil, fmt.Errorf("--ca-cert: %w", err)
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(caPEM) {
		return nil, fmt.Errorf("--ca-cert: %s holds no certificate", c.CACert)
	}
	hc := &http.Client{Timeout: 30 * time.Second, Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12}}}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, strings.TrimSuffix(c.Join, "/")+JoinPath, nil)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Authorization", "Bearer "+c.Token)
	resp, err := hc.Do(req)
	if err != nil {
		return nil, fmt.Errorf("--join %s: %w", c.Join, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return nil, err
	}
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("--join %s: %s: %s", c.Join, resp.Status, strings.TrimSpace(string(body)))
	}
	var jr joinResponse
	if err := json.Unmarshal(body, &jr); err != nil {
		return nil, fmt.Errorf("--join %s: %w", c.Join, err)
	}
	if err := sameServiceRange(serviceCIDR, jr.ServiceCIDR); err != nil {
		return nil, err
	}
	if !exists(files.CACert()) {
		if err := files.WriteShared(jr.Files); err != nil {
			return nil, fmt.Errorf("--join %s: %w", c.Join, err)
		}
	}
	return jr.EtcdClientURLs, nil
}

// startClusterEtcd starts this server's member of an embedded cluster:
// the first (--cluster-init, or any restart of a member) or a new one
// (--join on an empty data directory), over TLS from the cluster CA.
func startClusterEtcd(ctx context.Context, dir string, o Options, files pki.Files, name string, joinURLs []string) ([]string, func(), error) {
	ip, err := o.Cluster.advertiseIP(o.Listen)
	if err != nil {
		return nil, nil, err
	}
	if err := pki.EnsureEtcd(files, []net.IP{ip}); err != nil {
		return nil, nil, fmt.Errorf("pki: %w", err)
	}
	clientURL, peerURL := o.Cluster.urls(ip)
	cfg := etcd.EmbeddedConfig{DataDir: datadir.Etcd(dir), Name: name, ClientURL: "http://127.0.0.1:0", PeerURL: peerURL,
		Cluster: &etcd.ClusterConfig{AdvertiseClientURL: clientURL, CertFile: files.EtcdCert(), KeyFile: files.EtcdKey(), CAFile: files.CACert()}}
	var e *etcd.Embedded
	if o.Cluster.Join != "" && !etcd.HasData(cfg.DataDir) {
		e, err = startJoined(ctx, files, cfg, joinURLs)
	} else {
		// The first member, or a restart of any member: its WAL knows
		// the cluster.
		cfg.Cluster.Join = o.Cluster.Join != ""
		e, err = etcd.StartEmbedded(ctx, cfg)
	}
	if err != nil {
		return nil, nil, err
	}
	if err := e.AdvertisePeerURL(ctx, peerURL); err != nil {
		e.Close()
		return nil, nil, err
	}
	go watchMember(ctx, e, name)
	return []string{e.ClientURL()}, e.Close, nil
}

func startJoined(ctx context.Context, files pki.Files, cfg etcd.EmbeddedConfig, endpoints []string) (*etcd.Embedded, error) {
	tlsCfg, err := files.EtcdClientTLS()
	if err != nil {
		return nil, fmt.Errorf("pki: %w", err)
	}
	if len(endpoints) == 0 {
		return nil, errors.New("--join: the server answered no etcd client URLs")
	}
	cl, err := clientv3.New(clientv3.Config{Endpoints: endpoints, TLS: tlsCfg, DialTimeout: 10 * time.Second, Logger: quietZap()})
	if err != nil {
		return nil, fmt.Errorf("etcd client: %w", err)
	}
	defer cl.Close()
	started := time.Now()
	e, err := etcd.StartJoined(ctx, cl, cfg)
	if err != nil {
		return nil, err
	}
	klog.FromContext(ctx).Info("Joined the etcd cluster as a voting member", "member", cfg.Name, "took", time.Since(started).Round(time.Millisecond))
	return e, nil
}

// watchMember ends the process when etcd stops the member for good (it was
// removed from the cluster): a server without its member cannot serve.
func watchMember(ctx context.Context, e *etcd.Embedded, name string) {
	select {
	case <-ctx.Done():
	case err := <-e.Failed():
		if ctx.Err() == nil && err != nil {
			klog.ErrorS(err, "etcd member stopped; this server can no longer serve", "member", name)
			klog.Flush()
			os.Exit(1)
		}
	}
}

// clusterHandlers serve JoinPath and MembersPath from the local member.
type clusterHandlers struct {
	files       pki.Files
	etcd        clientv3.Cluster
	serviceCIDR string
}

func (h clusterHandlers) join(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet {
		writeStatus(w, apierrors.NewMethodNotSupported(clusterResource, r.Method))
		return
	}
	if !inGroup(r, apiserver.ServerJoinGroup, "system:masters") {
		writeStatus(w, apierrors.NewForbidden(clusterResource, "join", errors.New("only the server join token may join a server")))
		return
	}
	ctx, cancel := context.WithTimeout(r.Context(), 10*time.Second)
	defer cancel()
	list, err := h.etcd.MemberList(ctx)
	if err != nil {
		writeStatus(w, apierrors.NewServiceUnavailable("etcd member list: "+err.Error()))
		return
	}
	jr := joinResponse{Files: map[string][]byte{}, ServiceCIDR: h.serviceCIDR}
	for _, m := range list.Members {
		jr.EtcdClientURLs = append(jr.EtcdClientURLs, m.ClientURLs...)
	}
	for name, path := range h.files.SharedFiles() {
		data, err := os.ReadFile(path)
		if err != nil {
			writeStatus(w, apierrors.NewInternalError(err))
			return
		}
		jr.Files[name] = data
	}
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(jr)
}

func (h clusterHandlers) removeMember(w http.ResponseWriter, r *http.Request) {
	name := strings.TrimPrefix(r.URL.Path, MembersPath+"/")
	if r.Method != http.MethodDelete || name == "" || strings.Contains(name, "/") {
		writeStatus(w, apierrors.NewMethodNotSupported(clusterResource, r.Method))
		return
	}
	if !inGroup(r, "system:masters") {
		writeStatus(w, apierrors.NewForbidden(clusterResource, name, errors.New("only system:masters may remove a server")))
		return
	}
	ctx, cancel := context.WithTimeout(r.Context(), 30*time.Second)
	defer cancel()
	id, err := etcd.RemoveMember(ctx, h.etcd, name)
	var notFound etcd.ErrMemberNotFound
	switch {
	case errors.As(err, &notFound):
		writeStatus(w, apierrors.NewNotFound(clusterResource, name))
		return
	case err != nil:
		writeStatus(w, apierrors.NewServiceUnavailable(fmt.Sprintf("remove etcd member %s: %v", name, err)))
		return
	}
	klog.FromContext(r.Context()).Info("Removed etcd member", "member", name, "id", fmt.Sprintf("%x", id))
	writeStatus(w, &apierrors.StatusError{ErrStatus: metav1.Status{Status: metav1.StatusSuccess, Code: http.StatusOK,
		Message: fmt.Sprintf("etcd member %q removed", name)}})
}

// clusterResource names etcd members in Kubernetes-style errors.
var clusterResource = schema.GroupResource{Resource: "etcdmembers"}

func inGroup(r *http.Request, groups ...string) bool {
	u, ok := request.UserFrom(r.Context())
	if !ok {
		return false
	}
	for _, g := range u.GetGroups() {
		for _, want := range groups {
			if g == want {
				return true
			}
		}
	}
	return false
}

func writeStatus(w http.ResponseWriter, err *apierrors.StatusError) {
	s := err.ErrStatus
	s.Kind, s.APIVersion = "Status", "v1"
	if s.Status == "" {
		s.Status = metav1.StatusFailure
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(int(s.Code))
	_ = json.NewEncoder(w).Encode(s)
}

func exists(path string) bool {
	_, err := os.Stat(path)
	return err == nil
}
