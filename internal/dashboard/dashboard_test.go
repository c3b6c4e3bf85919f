package dashboard

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apiserver/pkg/authentication/user"
	"k8s.io/apiserver/pkg/authorization/authorizer"
	"k8s.io/apiserver/pkg/endpoints/request"
	"k8s.io/client-go/kubernetes/fake"
	"k8s.io/client-go/rest"
)

// nsAuthorizer allows what its rules list: "verb resource namespace".
func nsAuthorizer(rules ...string) authorizer.Authorizer {
	return authorizer.AuthorizerFunc(func(_ context.Context, attrs authorizer.Attributes) (authorizer.Decision, string, error) {
		for _, r := range rules {
			if r == attrs.GetVerb()+" "+attrs.GetResource()+" "+attrs.GetNamespace() {
				return authorizer.DecisionAllow, "", nil
			}
		}
		return authorizer.DecisionNoOpinion, "", nil
	})
}

func cronJob(ns, name string) *batchv1.CronJob {
	return &batchv1.CronJob{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name, UID: types.UID(ns + "-" + name)},
		Spec: batchv1.CronJobSpec{Schedule: "*/5 * * * *"}}
}

// testDashboard is a dashboard over a fake clientset holding objs, with
// its informers started and synced.
func testDashboard(t *testing.T, authz authorizer.Authorizer, objs ...interface{ GetName() string }) *Dashboard {
	t.Helper()
	p, err := parsePages()
	if err != nil {
		t.Fatal(err)
	}
	client := fake.NewClientset()
	for _, o := range objs {
		var err error
		switch o := o.(type) {
		case *batchv1.CronJob:
			_, err = client.BatchV1().CronJobs(o.Namespace).Create(context.Background(), o, metav1.CreateOptions{})
		case *corev1.Namespace:
			_, err = client.CoreV1().Namespaces().Create(context.Background(), o, metav1.CreateOptions{})
		case *corev1.Event:
			_, err = client.CoreV1().Events(o.Namespace).Create(context.Background(), o, metav1.CreateOptions{})
		}
		if err != nil {
			t.Fatal(err)
		}
	}
	d := newDashboard(Config{Loopback: &rest.Config{Host: "https://127.0.0.1:1"}, Authorizer: authz}, p, client)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { d.Run(ctx); close(done) }()
	t.Cleanup(func() { cancel(); <-done })
	close(d.wanted)
	d.startOnce.Do(func() {})
	wctx, wcancel := context.WithTimeout(ctx, 10*time.Second)
	defer wcancel()
	if !d.cache.wait(wctx) {
		t.Fatal("informers did not sync")
	}
	return d
}

func serveAs(d *Dashboard, u user.Info, method, path string, header http.Header) *httptest.ResponseRecorder {
	r := httptest.NewRequest(method, path, nil)
	for k, v := range header {
		r.Header[k] = v
	}
	r = r.WithContext(request.WithUser(r.Context(), u))
	w := httptest.NewRecorder()
	d.ServeHTTP(w, r)
	return w
}

// TestPagesShowOnlyWhatTheUserMayList: a user who may list CronJobs only
// in namespace a sees a's and not b's, on the CronJobs page and its
// namespace menu, and gets 403 for b's CronJob page.
func TestPagesShowOnlyWhatTheUserMayList(t *testing.T) {
	ns := func(n string) *corev1.Namespace { return &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: n}} }
	authz := nsAuthorizer("list cronjobs a", "get cronjobs a")
	d := testDashboard(t, authz, ns("a"), ns("b"), cronJob("a", "mine"), cronJob("b", "theirs"))
	alice := &user.DefaultInfo{Name: "alice"}

	w := serveAs(d, alice, http.MethodGet, "/ui/", nil)
	body := w.Body.String()
	if w.Code != http.StatusOK || !strings.Contains(body, `data-cronjob="a/mine"`) {
		t.Fatalf("GET /ui/: %d, want a/mine in:\n%s", w.Code, body)
	}
	if strings.Contains(body, "theirs") || strings.Contains(body, "<option>b</option>") {
		t.Errorf("alice sees namespace b:\n%s", body)
	}
	if strings.Contains(body, `data-action="suspend"`) || strings.Contains(body, `data-action="run"`) {
		t.Error("alice, who may not patch CronJobs or create Jobs, is offered Suspend or Run now")
	}
	if w := serveAs(d, alice, http.MethodGet, "/ui/cronjobs/b/theirs", nil); w.Code != http.StatusForbidden ||
		!strings.Contains(w.Body.String(), `cronjobs.batch "theirs" is forbidden: User "alice" cannot get resource "cronjobs" in API group "batch" in the namespace "b"`) {
		t.Errorf("GET b's CronJob: %d %s, want 403 in the API server's words", w.Code, w.Body)
	}
	if w := serveAs(d, alice, http.MethodGet, "/ui/cronjobs/a/mine", nil); w.Code != http.StatusOK || !strings.Contains(w.Body.String(), "CronJob a/mine") {
		t.Errorf("GET a's CronJob: %d", w.Code)
	}
	// A fragment (the live refresh) is the content without the layout.
	w = serveAs(d, alice, http.MethodGet, "/ui/", http.Header{FragmentHeader: {"1"}})
	if strings.Contains(w.Body.String(), "<html") || !strings.Contains(w.Body.String(), "a/mine") {
		t.Errorf("fragment: %s", w.Body)
	}
	// A bad label selector is reported naming the field.
	w = serveAs(d, alice, http.MethodGet, "/ui/?label=a%3D%3D%3Db", nil)
	if !strings.Contains(w.Body.String(), "label: ") {
		t.Errorf("a bad ?label= is not reported: %s", w.Body)
	}
}

// TestLiveStreamIsFiltered: the live stream names a kind only for changes
// in namespaces where the user may list it.
func TestLiveStreamIsFiltered(t *testing.T) {
	authz := nsAuthorizer("list cronjobs a")
	d := testDashboard(t, authz)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		d.ServeHTTP(w, r.WithContext(request.WithUser(r.Context(), &user.DefaultInfo{Name: "alice"})))
	}))
	defer srv.Close()
	resp, err := http.Get(srv.URL + LivePath + "?kinds=cronjobs")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if ct := resp.Header.Get("Content-Type"); ct != "text/event-stream" {
		t.Fatalf("Content-Type %q", ct)
	}
	lines := make(chan string, 16)
	go func() {
		buf := make([]byte, 4096)
		for {
			n, err := resp.Body.Read(buf)
			if n > 0 {
				lines <- string(buf[:n])
			}
			if err != nil {
				close(lines)
				return
			}
		}
	}()
	<-lines // the opening comment
	waitSubscribed(t, d)
	d.live.publish(change{kind: kindCronJobs, namespace: "b"})
	d.live.publish(change{kind: kindJobs, namespace: "a"})
	select {
	case l := <-lines:
		t.Fatalf("got %q for changes alice may not see or did not ask for", l)
	case <-time.After(3 * liveDebounce):
	}
	d.live.publish(change{kind: kindCronJobs, namespace: "a"})
	select {
	case l := <-lines:
		if l != "event: change\ndata: cronjobs\n\n" {
			t.Errorf("got %q", l)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("no change event for a/cronjobs")
	}
}

func waitSubscribed(t *testing.T, d *Dashboard) {
	t.Helper()
	for i := 0; i < 100; i++ {
		d.live.mu.Lock()
		n := len(d.live.subs)
		d.live.mu.Unlock()
		if n > 0 {
			return
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatal("the live stream never subscribed")
}

// TestActionsNeedTheCSRFHeader: a POST without X-Ordo-Dashboard, or one
// a browser marks cross-site, is refused before anything is done.
func TestActionsNeedTheCSRFHeader(t *testing.T) {
	d := testDashboard(t, nsAuthorizer())
	u := &user.DefaultInfo{Name: "alice"}
	for name, h := range map[string]http.Header{
		"no header":  {},
		"cross-site": {CSRFHeader: {"1"}, "Sec-Fetch-Site": {"cross-site"}},
		"same-site":  {CSRFHeader: {"1"}, "Sec-Fetch-Site": {"same-site"}},
	} {
		w := serveAs(d, u, http.MethodPost, "/ui/actions/suspend/a/mine", h)
		if w.Code != http.StatusForbidden || !strings.Contains(w.Body.String(), "cross-site request refused") {
			t.Errorf("%s: %d %s, want 403", name, w.Code, w.Body)
		}
	}
	w := serveAs(d, u, http.MethodGet, "/ui/actions/suspend/a/mine", nil)
	if w.Code != http.StatusMethodNotAllowed {
		t.Errorf("GET of an action: %d, want 405", w.Code)
	}
}

// TestJobFromCronJob is kubectl create job --from=cronjob/'s Job.
func TestJobFromCronJob(t *testing.T) {
	cj := cronJob("a", strings.Repeat("x", 52))
	cj.Spec.JobTemplate.Labels = map[string]string{"app": "x"}
	cj.Spec.JobTemplate.Annotations = map[string]string{"note": "y"}
	j := jobFromCronJob(cj)
	if len(j.GenerateName)+5 > 63 {
		t.Errorf("generateName %q makes names longer than 63", j.GenerateName)
	}
	if j.Annotations[manualAnnotation] != "manual" || j.Annotations["note"] != "y" || j.Labels["app"] != "x" {
		t.Errorf("labels %v annotations %v", j.Labels, j.Annotations)
	}
	ref := j.OwnerReferences
	if len(ref) != 1 || ref[0].Kind != "CronJob" || ref[0].UID != cj.UID || ref[0].Controller == nil || !*ref[0].Controller {
		t.Errorf("owner %+v", ref)
	}
}

// TestProxyLendsCredentialsOnlyToTheKeyHolder: `ordo dashboard`'s proxy
// answers 401 without its session cookie, turns the one-time key into an
// HttpOnly SameSite=Strict cookie once, and passes on requests with the
// kubeconfig's credentials, never the browser's cookie.
func TestProxyLendsCredentialsOnlyToTheKeyHolder(t *testing.T) {
	var mu sync.Mutex
	var passed *http.Request
	seenReq := func() *http.Request { mu.Lock(); defer mu.Unlock(); return passed }
	api := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		defer mu.Unlock()
		passed = r.Clone(context.Background())
		_, _ = io.WriteString(w, "dashboard page")
	}))
	defer api.Close()
	p, err := NewProxy(&rest.Config{Host: api.URL, BearerToken: "kubeconfig-token"})
	if err != nil {
		t.Fatal(err)
	}
	get := func(path, cookie string) *httptest.ResponseRecorder {
		r := httptest.NewRequest(http.MethodGet, path, nil)
		if cookie != "" {
			r.Header.Set("Cookie", cookie)
		}
		r.Header.Set("Authorization", "Bearer from-the-browser")
		w := httptest.NewRecorder()
		p.ServeHTTP(w, r)
		return w
	}
	if w := get("/ui/", ""); w.Code != http.StatusUnauthorized || seenReq() != nil {
		t.Fatalf("no cookie: %d (passed on: %v)", w.Code, seenReq() != nil)
	}
	if w := get("/ui/?key=nope", ""); w.Code != http.StatusUnauthorized {
		t.Fatalf("wrong key: %d", w.Code)
	}
	if w := get("/api/v1/secrets", ""); w.Code != http.StatusNotFound {
		t.Fatalf("outside /ui/: %d, want 404", w.Code)
	}
	w := get(p.Path(), "")
	cookie := w.Header().Get("Set-Cookie")
	if w.Code != http.StatusSeeOther || w.Header().Get("Location") != "/ui/" || !strings.Contains(cookie, "HttpOnly") || !strings.Contains(cookie, "SameSite=Strict") {
		t.Fatalf("key: %d Location %q Set-Cookie %q", w.Code, w.Header().Get("Location"), cookie)
	}
	if w := get(p.Path(), ""); w.Code != http.StatusUnauthorized {
		t.Errorf("key used twice: %d, want 401", w.Code)
	}
	session := strings.Split(cookie, ";")[0]
	w = get("/ui/jobs", session)
	if w.Code != http.StatusOK || w.Body.String() != "dashboard page" {
		t.Fatalf("with the cookie: %d %s", w.Code, w.Body)
	}
	seen := seenReq()
	if seen.Header.Get("Cookie") != "" || seen.Header.Get("Authorization") != "Bearer kubeconfig-token" || seen.URL.Path != "/ui/jobs" {
		t.Errorf("passed on with Cookie %q Authorization %q path %q", seen.Header.Get("Cookie"), seen.Header.Get("Authorization"), seen.URL.Path)
	}
	if w := get("/ui/jobs", SessionCookie+"=forged"); w.Code != http.StatusUnauthorized {
		t.Errorf("forged cookie: %d", w.Code)
	}
}
