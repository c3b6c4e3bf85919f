package dashboard

import (
	"bytes"
	"embed"
	"fmt"
	"html/template"
	"io/fs"
	"net/http"
	"strings"
	"time"

	"k8s.io/klog/v2"
)

//go:embed templates/*.html
var templateFiles embed.FS

//go:embed static
var staticFiles embed.FS

// FragmentHeader asks for a page's content only, without the layout: the
// page's script sends it to refresh itself after a live change.
const FragmentHeader = "X-Ordo-Fragment"

// pages are the parsed templates, one set per page, each with the layout.
type pages struct {
	byName map[string]*template.Template
}

// page is what every page template gets.
type page struct {
	Title string
	// Nav is the menu entry to mark as current.
	Nav  string
	User string
	// Live is the kinds whose changes refresh the page.
	Live []string
	Data any
}

// templateFuncs are the helpers the templates call.
func templateFuncs() template.FuncMap {
	return template.FuncMap{
		"ago":            ago,
		"dur":            dur,
		"ts":             func(t time.Time) string { return t.UTC().Format("2006-01-02 15:04:05Z") },
		"join":           strings.Join,
		"lower":          strings.ToLower,
		"deref32":        func(p *int32) int32 { return *p },
		"list":           func(s ...string) []string { return s },
		"navName":        func(s string) string { return navNames[s] },
		"lastSeen":       lastSeen,
		"jobStatus":      jobStatus,
		"jobCompletions": jobCompletions,
		"jobDuration":    jobDuration,
		"rollout":        rollout,
	}
}

func parsePages() (*pages, error) {
	names, err := fs.Glob(templateFiles, "templates/*.html")
	if err != nil {
		return nil, err
	}
	p := &pages{byName: map[string]*template.Template{}}
	for _, n := range names {
		if strings.HasSuffix(n, "/layout.html") {
			continue
		}
		t, err := template.New("layout.html").Funcs(templateFuncs()).ParseFS(templateFiles, "templates/layout.html", n)
		if err != nil {
			return nil, fmt.Errorf("dashboard template %s: %w", n, err)
		}
		p.byName[strings.TrimSuffix(strings.TrimPrefix(n, "templates/"), ".html")] = t
	}
	return p, nil
}

// render writes the page, or only its content for a live refresh.
func (d *Dashboard) render(w http.ResponseWriter, r *http.Request, name string, pg page) {
	t := d.pages.byName[name]
	pg.User = userOf(r).GetName()
	root := "layout.html"
	if r.Header.Get(FragmentHeader) != "" {
		root = "content"
	}
	var buf bytes.Buffer
	if err := t.ExecuteTemplate(&buf, root, pg); err != nil {
		klog.FromContext(r.Context()).Error(err, "Dashboard page failed to render", "page", name)
		http.Error(w, "the page failed to render", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	// Only the dashboard's own script and style; no framing by other sites.
	w.Header().Set("Content-Security-Policy", "default-src 'self'; img-src 'self' data:; frame-ancestors 'none'")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	_, _ = w.Write(buf.Bytes())
}

// ago is a duration since t in kubectl's AGE style ("5s", "3m", "2h").
func ago(t time.Time) string {
	if t.IsZero() {
		return "-"
	}
	return shortDur(time.Since(t))
}

// shortDur is kubectl's HumanDuration, coarsely.
func shortDur(d time.Duration) string {
	switch {
	case d < 0:
		return "in " + shortDur(-d)
	case d < 2*time.Minute:
		return fmt.Sprintf("%ds", int(d.Seconds()))
	case d < 2*time.Hour:
		return fmt.Sprintf("%dm", int(d.Minutes()))
	case d < 48*time.Hour:
		return fmt.Sprintf("%dh", int(d.Hours()))
	default:
		return fmt.Sprintf("%dd", int(d.Hours()/24))
	}
}

// dur is a lag or run time: milliseconds under 10 s, where lag lives.
func dur(d time.Duration) string {
	if d < 10*time.Second && d > -10*time.Second {
		return fmt.Sprintf("%dms", d.Milliseconds())
	}
	return d.Round(time.Second).String()
}
