package podenv

import (
	"errors"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
)

// resolveCase describes one container and what Resolve must make of it.
// Fields left empty in want* are still checked (an empty Env means "none").
type resolveCase struct {
	name        string
	container   corev1.Container
	serviceEnv  []corev1.EnvVar
	allocatable corev1.ResourceList
	wantEnv     []string
	wantCommand []string
	wantArgs    []string
	wantSkipped []string
	wantErr     string // substring; "" means success
}

func runResolveCases(t *testing.T, cases []resolveCase) {
	t.Helper()
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c := tc.container
			got, err := Resolve(Input{
				Pod: testPod(), Container: &c, Sources: standardSources(),
				Allocatable: tc.allocatable, ServiceEnv: tc.serviceEnv,
			})
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("error = %v, want one containing %q", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("unexpected error: %v", err)
			}
			checkList(t, "Env", got.Env, tc.wantEnv)
			checkList(t, "Command", got.Command, tc.wantCommand)
			checkList(t, "Args", got.Args, tc.wantArgs)
			checkList(t, "Skipped", got.Skipped, tc.wantSkipped)
		})
	}
}

func checkList(t *testing.T, what string, got, want []string) {
	t.Helper()
	if !sameStrings(got, want) {
		t.Errorf("%s =\n  %s\nwant\n  %s", what, quoted(got), quoted(want))
	}
}

func TestResolveLiteralsAndExpansion(t *testing.T) {
	runResolveCases(t, []resolveCase{
		{
			name:      "literal values in order",
			container: corev1.Container{Env: []corev1.EnvVar{lit("B", "two"), lit("A", "1"), lit("EMPTY", "")}},
			wantEnv:   []string{"B=two", "A=1", "EMPTY="},
		},
		{
			name:      "reference to an earlier var",
			container: corev1.Container{Env: []corev1.EnvVar{lit("HOST", "db"), lit("URL", "pg://$(HOST):5432")}},
			wantEnv:   []string{"HOST=db", "URL=pg://db:5432"},
		},
		{
			name:      "reference to a later var stays unexpanded",
			container: corev1.Container{Env: []corev1.EnvVar{lit("URL", "pg://$(HOST)"), lit("HOST", "db")}},
			wantEnv:   []string{"URL=pg://$(HOST)", "HOST=db"},
		},
		{
			name:      "undefined reference stays",
			container: corev1.Container{Env: []corev1.EnvVar{lit("A", "x$(NOWHERE)y")}},
			wantEnv:   []string{"A=x$(NOWHERE)y"},
		},
		{
			name: "$$ escapes a reference",
			container: corev1.Container{Env: []corev1.EnvVar{
				lit("A", "a"), lit("LITERAL", "$$(A)"), lit("MIXED", "$$$(A)"), lit("PRICE", "5$"),
			}},
			wantEnv: []string{"A=a", "LITERAL=$(A)", "MIXED=$a", "PRICE=5$"},
		},
		{
			name: "unterminated and nested references",
			container: corev1.Container{Env: []corev1.EnvVar{
				lit("A", "a"), lit("OPEN", "$(A"), lit("NESTED", "$(A$(A))"), lit("INNER", "$($(A)"),
			}},
			wantEnv: []string{"A=a", "OPEN=$(A", "NESTED=$(A$(A))", "INNER=$($(A)"},
		},
		{
			name:      "a value expands against the name's previous definition",
			container: corev1.Container{Env: []corev1.EnvVar{lit("P", "/bin"), lit("P", "$(P):/usr/bin")}},
			wantEnv:   []string{"P=/bin:/usr/bin"},
		},
		{
			name:      "valueFrom results are not expanded",
			container: corev1.Container{Env: []corev1.EnvVar{lit("LOG_LEVEL", "info"), from("T", cmKey("app-config", "TEMPLATE", nil))}},
			wantEnv:   []string{"LOG_LEVEL=info", "T=$(LOG_LEVEL)"},
		},
	})
}

func TestResolvePrecedence(t *testing.T) {
	svc := []corev1.EnvVar{lit("REDIS_SERVICE_HOST", "10.43.0.9"), lit("MODE", "from-service")}
	runResolveCases(t, []resolveCase{
		{
			name:       "env overrides envFrom, envFrom overrides service links",
			serviceEnv: svc,
			container: corev1.Container{
				EnvFrom: []corev1.EnvFromSource{cmFrom("overrides", "", nil)},
				Env:     []corev1.EnvVar{lit("REDIS_SERVICE_HOST", "127.0.0.1")},
			},
			wantEnv: []string{"REDIS_SERVICE_HOST=127.0.0.1", "MODE=slow"},
		},
		{
			name: "later envFrom source overrides an earlier one",
			container: corev1.Container{EnvFrom: []corev1.EnvFromSource{
				cmFrom("app-config", "", nil), cmFrom("overrides", "", nil),
			}},
			wantEnv:     []string{"..hidden=dot-dot", "1st=first", "LOG_LEVEL=debug", "MODE=slow", "TEMPLATE=$(LOG_LEVEL)", "a.b-c=dotted"},
			wantSkipped: nil,
		},
		{
			name:      "later env entry with the same name wins",
			container: corev1.Container{Env: []corev1.EnvVar{lit("A", "1"), lit("B", "b"), lit("A", "2")}},
			wantEnv:   []string{"A=2", "B=b"},
		},
		{
			name: "optional missing valueFrom keeps the envFrom value",
			container: corev1.Container{
				EnvFrom: []corev1.EnvFromSource{cmFrom("overrides", "", nil)},
				Env:     []corev1.EnvVar{from("MODE", cmKey("overrides", "absent", optional()))},
			},
			wantEnv: []string{"MODE=slow"},
		},
		{
			name:       "values and args see service links and envFrom",
			serviceEnv: svc,
			container: corev1.Container{
				EnvFrom: []corev1.EnvFromSource{cmFrom("overrides", "CFG_", nil)},
				Env:     []corev1.EnvVar{lit("ADDR", "$(REDIS_SERVICE_HOST):6379/$(CFG_MODE)")},
				Args:    []string{"--mode=$(MODE)", "$(ADDR)"},
			},
			wantEnv:  []string{"REDIS_SERVICE_HOST=10.43.0.9", "MODE=from-service", "CFG_MODE=slow", "ADDR=10.43.0.9:6379/slow"},
			wantArgs: []string{"--mode=from-service", "10.43.0.9:6379/slow"},
		},
	})
}

func TestResolveEnvFrom(t *testing.T) {
	runResolveCases(t, []resolveCase{
		{
			name:        "configMapRef without prefix: every printable key is a name (Kubernetes 1.34+)",
			container:   corev1.Container{EnvFrom: []corev1.EnvFromSource{cmFrom("app-config", "", nil)}},
			wantEnv:     []string{"..hidden=dot-dot", "1st=first", "LOG_LEVEL=debug", "MODE=fast", "TEMPLATE=$(LOG_LEVEL)", "a.b-c=dotted"},
			wantSkipped: nil,
		},
		{
			name:        "prefix applies to every key and can make a key valid",
			container:   corev1.Container{EnvFrom: []corev1.EnvFromSource{cmFrom("app-config", "APP_", nil)}},
			wantEnv:     []string{"APP_..hidden=dot-dot", "APP_1st=first", "APP_LOG_LEVEL=debug", "APP_MODE=fast", "APP_TEMPLATE=$(LOG_LEVEL)", "APP_a.b-c=dotted"},
			wantSkipped: nil,
		},
		{
			name:        "a prefix with digits and symbols, as the conformance test's",
			container:   corev1.Container{EnvFrom: []corev1.EnvFromSource{cmFrom("overrides", "9", nil), cmFrom("overrides", "$_-", nil), cmFrom("overrides", "#@!", nil)}},
			wantEnv:     []string{"9MODE=slow", "$_-MODE=slow", "#@!MODE=slow"},
			wantSkipped: nil,
		},
		{
			name:        "a name with '=' (never valid) is skipped",
			container:   corev1.Container{EnvFrom: []corev1.EnvFromSource{cmFrom("overrides", "A=", nil)}},
			wantEnv:     nil,
			wantSkipped: []string{"A=MODE"},
		},
		{
			name:      "secretRef with prefix",
			container: corev1.Container{EnvFrom: []corev1.EnvFromSource{secretFrom("db", "DB_", nil)}},
			wantEnv:   []string{"DB_password=s3cr3t", "DB_user=admin"},
		},
		{
			name: "optional missing sources add nothing",
			container: corev1.Container{EnvFrom: []corev1.EnvFromSource{
				cmFrom("nope", "", optional()), secretFrom("nope", "", optional()),
			}, Env: []corev1.EnvVar{lit("A", "a")}},
			wantEnv: []string{"A=a"},
		},
		{
			name:      "mandatory missing configMapRef",
			container: corev1.Container{EnvFrom: []corev1.EnvFromSource{cmFrom("nope", "", nil)}},
			wantErr:   `configmap "nope" not found`,
		},
		{
			name:      "mandatory missing secretRef",
			container: corev1.Container{EnvFrom: []corev1.EnvFromSource{secretFrom("nope", "", nil)}},
			wantErr:   `secret "nope" not found`,
		},
	})
}

func TestResolveKeyRefs(t *testing.T) {
	runResolveCases(t, []resolveCase{
		{
			name: "configMapKeyRef and secretKeyRef",
			container: corev1.Container{Env: []corev1.EnvVar{
				from("LEVEL", cmKey("app-config", "LOG_LEVEL", nil)),
				from("PASS", secretKey("db", "password", nil)),
			}},
			wantEnv: []string{"LEVEL=debug", "PASS=s3cr3t"},
		},
		{
			name: "optional references to missing objects and keys are left out",
			container: corev1.Container{Env: []corev1.EnvVar{
				from("A", cmKey("nope", "k", optional())),
				from("B", cmKey("app-config", "nope", optional())),
				from("C", secretKey("nope", "k", optional())),
				from("D", secretKey("db", "nope", optional())),
				lit("E", "[$(A)]"),
			}},
			wantEnv: []string{"E=[$(A)]"},
		},
		{
			name:      "missing configmap",
			container: corev1.Container{Env: []corev1.EnvVar{from("A", cmKey("nope", "k", nil))}},
			wantErr:   `configmap "nope" not found`,
		},
		{
			name:      "missing configmap key",
			container: corev1.Container{Env: []corev1.EnvVar{from("A", cmKey("app-config", "k", nil))}},
			wantErr:   "couldn't find key k in ConfigMap default/app-config",
		},
		{
			name:      "missing secret",
			container: corev1.Container{Env: []corev1.EnvVar{from("A", secretKey("nope", "k", nil))}},
			wantErr:   `secret "nope" not found`,
		},
		{
			name:      "missing secret key",
			container: corev1.Container{Env: []corev1.EnvVar{from("A", secretKey("db", "k", nil))}},
			wantErr:   "couldn't find key k in Secret default/db",
		},
		{
			name: "fileKeyRef is refused, not silently empty",
			container: corev1.Container{Env: []corev1.EnvVar{from("A", corev1.EnvVarSource{
				FileKeyRef: &corev1.FileKeySelector{VolumeName: "cfg", Path: "a.env", Key: "A"}})}},
			wantErr: "fileKeyRef",
		},
	})
}

// The kubelet's wording is what users see in kubectl describe; the error must
// also stay a NotFound so callers can tell it from a transient failure.
func TestResolveMissingErrorsExactly(t *testing.T) {
	c := corev1.Container{Env: []corev1.EnvVar{from("A", secretKey("s", "k", nil))}}
	_, err := Resolve(Input{Pod: testPod(), Container: &c, Sources: standardSources()})
	if err == nil || err.Error() != `secret "s" not found` || !apierrors.IsNotFound(err) {
		t.Fatalf("error = %v (NotFound=%v), want exactly `secret \"s\" not found`", err, apierrors.IsNotFound(err))
	}
}

func TestResolveOtherSourceErrorsPassThrough(t *testing.T) {
	boom := errors.New("connection refused")
	src := &fakeSources{err: boom}
	for _, c := range []corev1.Container{
		{EnvFrom: []corev1.EnvFromSource{cmFrom("x", "", optional())}},
		{Env: []corev1.EnvVar{from("A", secretKey("x", "k", optional()))}},
	} {
		_, err := Resolve(Input{Pod: testPod(), Container: &c, Sources: src})
		if !errors.Is(err, boom) {
			t.Errorf("error = %v, want %v even though optional", err, boom)
		}
	}
}

func TestResolveReadsEachObjectOnce(t *testing.T) {
	src := standardSources()
	c := corev1.Container{
		EnvFrom: []corev1.EnvFromSource{cmFrom("app-config", "X_", nil), secretFrom("db", "", nil)},
		Env: []corev1.EnvVar{
			from("A", cmKey("app-config", "MODE", nil)), from("B", cmKey("app-config", "LOG_LEVEL", nil)),
			from("C", secretKey("db", "user", nil)),
		},
	}
	if _, err := Resolve(Input{Pod: testPod(), Container: &c, Sources: src}); err != nil {
		t.Fatal(err)
	}
	for key, n := range src.reads {
		if n != 1 {
			t.Errorf("%s read %d times, want 1", key, n)
		}
	}
	if len(src.reads) != 2 {
		t.Errorf("reads = %v, want the configmap and the secret", src.reads)
	}
}

func TestResolveWithoutSources(t *testing.T) {
	c := corev1.Container{Env: []corev1.EnvVar{lit("A", "a")}, Args: []string{"$(A)"}}
	got, err := Resolve(Input{Pod: testPod(), Container: &c})
	if err != nil || !sameStrings(got.Args, []string{"a"}) {
		t.Fatalf("got %+v, %v", got, err)
	}
	c = corev1.Container{Env: []corev1.EnvVar{from("A", cmKey("cm", "k", nil))}}
	if _, err := Resolve(Input{Pod: testPod(), Container: &c}); err == nil {
		t.Fatal("want an error when a reference needs Sources and there are none")
	}
	if _, err := Resolve(Input{Container: &c}); err == nil {
		t.Fatal("want an error without a pod")
	}
}
