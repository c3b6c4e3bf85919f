package e2e

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// mysqlServer runs the host's MariaDB server as the pod behind the Service
// the seed's CronJob dumps from, mysql.default:3306. An init container
// creates the data directory in an emptyDir with mariadb-install-db;
// mariadbd then runs the ConfigMap's SQL on every start (--init-file): root
// gets the seed's password and may log in over TCP from anywhere, and a
// database with one known row is there to be dumped. mariadbd listens on
// 0.0.0.0 inside the pod's own network namespace, with its socket in the
// pod's private /tmp; --no-defaults keeps the host's /etc/mysql out of it.
// PIDMARK is replaced by a name unique to the test run, so the test can
// find its mariadbd among the host's processes.
const mysqlServer = `apiVersion: v1
kind: ConfigMap
metadata: {name: mysql-init}
data:
  init.sql: |
    ALTER USER 'root'@'localhost' IDENTIFIED BY 'password_123';
    CREATE USER IF NOT EXISTS 'root'@'%' IDENTIFIED BY 'password_123';
    GRANT ALL PRIVILEGES ON *.* TO 'root'@'%' WITH GRANT OPTION;
    CREATE DATABASE IF NOT EXISTS shop;
    CREATE TABLE IF NOT EXISTS shop.seed004_orders (id INT PRIMARY KEY, item VARCHAR(64) NOT NULL);
    INSERT IGNORE INTO shop.seed004_orders VALUES (1, 'nightly-backup-marker-7f3a');
---
apiVersion: v1
kind: Pod
metadata: {name: mysql-0, labels: {app: mysql}}
spec:
  terminationGracePeriodSeconds: 5
  initContainers:
  - name: install-db
    image: docker.io/library/mariadb:10.11
    command: [mariadb-install-db]
    args: [--no-defaults, --user=root, --datadir=/data, --skip-test-db]
    volumeMounts: [{name: data, mountPath: /data}]
  containers:
  - name: mariadb
    image: docker.io/library/mariadb:10.11
    command: [mariadbd]
    args: [--no-defaults, --user=root, --datadir=/data, --socket=/tmp/mysqld.sock, --pid-file=/data/PIDMARK.pid,
           --bind-address=0.0.0.0, --port=3306, --skip-name-resolve, --init-file=/init/init.sql,
           --innodb-buffer-pool-size=16M]
    ports: [{name: mysql, containerPort: 3306}]
    volumeMounts:
    - {name: data, mountPath: /data}
    - {name: init, mountPath: /init}
    readinessProbe:
      tcpSocket: {port: 3306}
      periodSeconds: 1
  volumes:
  - name: data
    emptyDir: {}
  - name: init
    configMap: {name: mysql-init}
---
apiVersion: v1
kind: Service
metadata: {name: mysql}
spec:
  selector: {app: mysql}
  ports: [{name: mysql, port: 3306, targetPort: mysql}]
`

// nfsCSIClass stands in for the seed's nfs-csi class. The seed's cluster
// has an NFS CSI driver behind it; ordo has none, and a claim of a class
// nobody created stays Pending (TestClaimOfMissingClassWaits), as in
// Kubernetes. The claim is left as written and the class is made to exist,
// served by ordo's local provisioner, whose directories any number of pods
// on the machine can share, which is what ReadWriteMany asks for here.
const nfsCSIClass = `apiVersion: storage.k8s.io/v1
kind: StorageClass
metadata: {name: nfs-csi}
provisioner: ordo.dev/local-path
`

// Seed 004's nightly backup: the blog's PVC and CronJob (with only its line
// break in "--all-databases" mended) dump a real MariaDB, reached as
// mysql.default through the pod's DNS search path, cluster DNS and the
// service proxy, onto the provisioned volume; the job is started by hand,
// as the seed does.
func TestSeed004MySQLBackup(t *testing.T) {
	t.Parallel()
	requirePrograms(t, "mariadb-server and mariadb-client", "mariadbd", "mariadb-install-db", "mysqldump")
	backup := seedBlock004Backup(t)
	// Registered before the cluster starts, so it runs after the cluster
	// (and with it every pod) has been stopped.
	mark := "seed004-" + randomHex(t)
	t.Cleanup(func() {
		if pids := processesWith(mark); len(pids) > 0 {
			t.Errorf("mariadbd still running after the server stopped: pids %v", pids)
		}
	})
	c, cs, _ := startWithAgent(t)
	ctx := context.Background()

	c.RunIn(strings.ReplaceAll(mysqlServer, "PIDMARK", mark), "-n", "default", "apply", "-f", "-")
	c.Run("-n", "default", "wait", "--for=condition=Ready", "--timeout=120s", "pod/mysql-0")
	if pids := processesWith(mark); len(pids) != 1 {
		t.Fatalf("want one mariadbd with %s on the host, found %v", mark, pids)
	}
	podIP := c.Run("-n", "default", "get", "pod", "mysql-0", "-o", "jsonpath={.status.podIP}")
	waitFor(t, func() bool {
		return c.Run("-n", "default", "get", "endpoints", "mysql", "-o", "jsonpath={.subsets[0].addresses[0].ip}") == podIP
	}, "Endpoints mysql list the MariaDB pod")

	c.Run("create", "namespace", "cronjob")
	c.RunIn(nfsCSIClass, "apply", "-f", "-")
	c.RunIn(backup, "apply", "-f", "-")
	c.Run("-n", "cronjob", "create", "job", "mysql-backup-test", "--from=cronjob/mysql-backup")
	c.Run("-n", "cronjob", "wait", "--for=condition=complete", "--timeout=180s", "job/mysql-backup-test")

	claim, err := cs.CoreV1().PersistentVolumeClaims("cronjob").Get(ctx, "mysql-backup-data", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if claim.Status.Phase != corev1.ClaimBound || claim.Spec.StorageClassName == nil || *claim.Spec.StorageClassName != "nfs-csi" {
		t.Fatalf("claim mysql-backup-data: phase %s, class %v; want Bound, nfs-csi", claim.Status.Phase, claim.Spec.StorageClassName)
	}
	if got := claim.Status.AccessModes; len(got) != 1 || got[0] != corev1.ReadWriteMany {
		t.Errorf("claim access modes %v, want [ReadWriteMany]", got)
	}
	pv, err := cs.CoreV1().PersistentVolumes().Get(ctx, claim.Spec.VolumeName, metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if pv.Spec.HostPath == nil || pv.Spec.StorageClassName != "nfs-csi" {
		t.Fatalf("volume %s: class %q, source %+v; want a local-path hostPath volume of nfs-csi", pv.Name, pv.Spec.StorageClassName, pv.Spec.PersistentVolumeSource)
	}

	// The job's own output: `ls /mnt/` lists the dump it just wrote.
	logs := c.Run("-n", "cronjob", "logs", "job/mysql-backup-test")
	dumps := regexp.MustCompile(`(?m)^all-\d{8}-\d{6}\.sql\s*$`).FindAllString(logs, -1)
	if len(dumps) != 1 {
		t.Fatalf("job output %q: want `ls /mnt/` to list one all-<date>.sql", logs)
	}
	name := strings.TrimSpace(dumps[0])
	// mysqldump's stderr goes to the same log, and `; ls` makes the job
	// succeed whatever mysqldump did: anything beyond the listing is an
	// error (the dump's contents are checked below too).
	if strings.TrimSpace(logs) != name {
		t.Errorf("job output %q: want only the listing of %s", logs, name)
	}

	// The dump, read from the volume's directory on this machine.
	dump, err := os.ReadFile(filepath.Join(pv.Spec.HostPath.Path, name))
	if err != nil {
		t.Fatalf("reading the dump from the provisioned volume: %v", err)
	}
	t.Logf("job output %q; %s on %s: %d bytes", logs, name, pv.Name, len(dump))
	for _, want := range []string{
		"-- MariaDB dump",
		"CREATE DATABASE /*!32312 IF NOT EXISTS*/ `shop`",
		"CREATE TABLE `seed004_orders`",
		"INSERT INTO `seed004_orders` VALUES",
		"(1,'nightly-backup-marker-7f3a')",
		"-- Dump completed",
	} {
		if !strings.Contains(string(dump), want) {
			t.Errorf("dump %s (%d bytes) lacks %q:\n%s", name, len(dump), want, headTail(string(dump)))
		}
	}

	// The next night's run is another pod on the same claim: its listing
	// shows the first night's dump next to its own. (The dump names have
	// one-second resolution; the first run ended at least a second ago.)
	time.Sleep(time.Until(time.Now().Truncate(time.Second).Add(time.Second)))
	c.Run("-n", "cronjob", "create", "job", "mysql-backup-test-2", "--from=cronjob/mysql-backup")
	c.Run("-n", "cronjob", "wait", "--for=condition=complete", "--timeout=180s", "job/mysql-backup-test-2")
	listing := regexp.MustCompile(`(?m)^all-\d{8}-\d{6}\.sql\s*$`).FindAllString(c.Run("-n", "cronjob", "logs", "job/mysql-backup-test-2"), -1)
	if len(listing) != 2 || strings.TrimSpace(listing[0]) != name {
		t.Errorf("second run lists %q: want the first run's %s and its own dump", listing, name)
	}
}

// seedBlock004Backup is the PVC and CronJob of seed 004's "定期备份mysql"
// section. The blog's mysqldump line is broken inside the block scalar,
// "-p'password_123' -" then "all-databases > ..." at column 0, which ends
// the scalar and makes the document invalid (seeds_test.go keeps that
// rejection). Rejoining the two lines into "--all-databases" is the only
// change.
func seedBlock004Backup(t *testing.T) string {
	t.Helper()
	const broken, mended = "-p'password_123' -\nall-databases >", "-p'password_123' --all-databases >"
	for _, b := range loadSeedBlocks(t) {
		if strings.HasPrefix(b.File, "004_") && b.Index == 3 {
			if !strings.Contains(b.YAML, "name: mysql-backup") || strings.Count(b.YAML, broken) != 1 {
				t.Fatalf("seed 004's fourth block is not the mysqldump CronJob with its broken line:\n%s", b.YAML)
			}
			return strings.Replace(b.YAML, broken, mended, 1)
		}
	}
	t.Fatal("seed 004 not found")
	return ""
}

// processesWith lists the host's processes whose command line contains s.
func processesWith(s string) []string {
	var pids []string
	dirs, _ := filepath.Glob("/proc/[0-9]*")
	for _, d := range dirs {
		cmdline, err := os.ReadFile(filepath.Join(d, "cmdline"))
		if err == nil && strings.Contains(string(cmdline), s) {
			pids = append(pids, filepath.Base(d)+": "+strings.ReplaceAll(string(cmdline), "\x00", " "))
		}
	}
	return pids
}

func randomHex(t *testing.T) string {
	t.Helper()
	b := make([]byte, 6)
	if _, err := rand.Read(b); err != nil {
		t.Fatal(err)
	}
	return hex.EncodeToString(b)
}

// headTail shortens a dump for an error message.
func headTail(s string) string {
	if len(s) <= 3000 {
		return s
	}
	return s[:1500] + "\n...\n" + s[len(s)-1500:]
}
