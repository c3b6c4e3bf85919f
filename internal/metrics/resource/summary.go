package resource

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
)

// SummaryPath is where an agent serves its Summary over its HTTPS server.
const SummaryPath = "/stats/resource"

// Summary is an agent's answer: the usage of its node and of its pods'
// running containers, each over its latest window.
type Summary struct {
	// Node is nil until the node has been sampled twice.
	Node *Usage     `json:"node,omitempty"`
	Pods []PodUsage `json:"pods"`
}

// PodUsage is the usage of one pod's containers that can be rated.
type PodUsage struct {
	Namespace  string           `json:"namespace"`
	Name       string           `json:"name"`
	UID        string           `json:"uid"`
	Containers []ContainerUsage `json:"containers"`
}

// ContainerUsage is one container's usage.
type ContainerUsage struct {
	Name string `json:"name"`
	Usage
}

// FetchSummary asks the agent at base for its Summary, through transport
// (the API server's agent client, as for pods/log).
func FetchSummary(ctx context.Context, base *url.URL, transport http.RoundTripper) (*Summary, error) {
	u := *base
	u.Path, u.RawQuery = SummaryPath, ""
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
	if err != nil {
		return nil, err
	}
	resp, err := (&http.Client{Transport: transport}).Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		msg, _ := io.ReadAll(io.LimitReader(resp.Body, 1024))
		return nil, fmt.Errorf("agent %s: %s: %s", base.Host, resp.Status, msg)
	}
	var s Summary
	if err := json.NewDecoder(resp.Body).Decode(&s); err != nil {
		return nil, fmt.Errorf("agent %s: decode summary: %w", base.Host, err)
	}
	return &s, nil
}
