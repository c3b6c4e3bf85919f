// Command webhook is the admission webhook the tests of test/apis run in a
// pod: HTTPS with the certificate and key it is given, answering
// admission.k8s.io/v1 AdmissionReviews.
//
//   - /validate denies an object labelled webhook.ordo.test/deny, with a
//     message naming the object;
//   - /mutate adds the label webhook.ordo.test/mutated=yes with a JSON
//     patch;
//   - /slow allows, after 3 s.
//
// It uses only the standard library, so the test builds it in a second.
package main

import (
	"encoding/base64"
	"encoding/json"
	"flag"
	"log"
	"net/http"
	"strings"
	"time"
)

const (
	denyLabel    = "webhook.ordo.test/deny"
	mutatedLabel = "webhook.ordo.test/mutated"
)

// review is the part of an AdmissionReview the webhook reads and writes.
type review struct {
	APIVersion string    `json:"apiVersion"`
	Kind       string    `json:"kind"`
	Request    *request  `json:"request,omitempty"`
	Response   *response `json:"response,omitempty"`
}

type request struct {
	UID    string `json:"uid"`
	Name   string `json:"name"`
	Object struct {
		Metadata struct {
			Name   string            `json:"name"`
			Labels map[string]string `json:"labels"`
		} `json:"metadata"`
	} `json:"object"`
}

type response struct {
	UID       string  `json:"uid"`
	Allowed   bool    `json:"allowed"`
	Status    *status `json:"status,omitempty"`
	Patch     string  `json:"patch,omitempty"`
	PatchType string  `json:"patchType,omitempty"`
}

type status struct {
	Code    int    `json:"code"`
	Message string `json:"message"`
}

func main() {
	cert := flag.String("cert", "", "serving certificate (PEM)")
	key := flag.String("key", "", "serving key (PEM)")
	listen := flag.String("listen", ":8443", "address to serve on")
	flag.Parse()
	http.HandleFunc("/validate", handle(validate))
	http.HandleFunc("/mutate", handle(mutate))
	http.HandleFunc("/slow", handle(func(*request) *response {
		time.Sleep(3 * time.Second)
		return &response{Allowed: true}
	}))
	log.Fatal(http.ListenAndServeTLS(*listen, *cert, *key, nil))
}

func handle(decide func(*request) *response) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		var in review
		if err := json.NewDecoder(r.Body).Decode(&in); err != nil || in.Request == nil {
			http.Error(w, "not an AdmissionReview", http.StatusBadRequest)
			return
		}
		out := decide(in.Request)
		out.UID = in.Request.UID
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(review{APIVersion: "admission.k8s.io/v1", Kind: "AdmissionReview", Response: out})
	}
}

func validate(r *request) *response {
	meta := r.Object.Metadata
	if _, deny := meta.Labels[denyLabel]; deny {
		return &response{Status: &status{Code: http.StatusForbidden, Message: "configmap " + meta.Name + " carries the label " + denyLabel}}
	}
	return &response{Allowed: true}
}

func mutate(r *request) *response {
	var patch []map[string]any
	if r.Object.Metadata.Labels == nil {
		patch = append(patch, map[string]any{"op": "add", "path": "/metadata/labels", "value": map[string]string{}})
	}
	patch = append(patch, map[string]any{"op": "add", "path": "/metadata/labels/" + strings.ReplaceAll(mutatedLabel, "/", "~1"), "value": "yes"})
	b, _ := json.Marshal(patch)
	return &response{Allowed: true, Patch: base64.StdEncoding.EncodeToString(b), PatchType: "JSONPatch"}
}
