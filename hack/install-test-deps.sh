#!/usr/bin/env bash
# Installs, with apt-get, whatever the test suite needs and the machine lacks.
# Safe to run repeatedly; does nothing when everything is present.
# With --conformance, also what hack/conformance.sh's pods need.
set -euo pipefail
need=()
command -v make >/dev/null || need+=(make)
command -v git >/dev/null || need+=(git)
command -v gcc >/dev/null || need+=(gcc)
# Pods in the end-to-end tests run /usr/bin/python3 as a small TCP server.
[ -x /usr/bin/python3 ] || need+=(python3)
# Seed 000's end-to-end test runs the host's redis-server in a pod and
# redis-cli in the CronJob's pod.
command -v redis-server >/dev/null || need+=(redis-server)
command -v redis-cli >/dev/null || need+=(redis-tools)
# Seed 004's end-to-end test runs the host's MariaDB server (mariadbd,
# initialised by mariadb-install-db) in a pod and mysqldump in the
# CronJob's pod.
{ command -v mariadbd >/dev/null && command -v mariadb-install-db >/dev/null; } || need+=(mariadb-server)
command -v mysqldump >/dev/null || need+=(mariadb-client)
# Seed 002's end-to-end tests run the host's PostgreSQL server (initdb and
# postgres from /usr/lib/postgresql/<version>/bin) and psql in pods, nginx
# in the lab's StatefulSet, and the chapter's nslookup in the sleep pod.
compgen -G '/usr/lib/postgresql/*/bin/postgres' >/dev/null || need+=(postgresql)
command -v psql >/dev/null || need+=(postgresql-client)
command -v nginx >/dev/null || need+=(nginx)
command -v nslookup >/dev/null || need+=(bind9-dnsutils)
# The busybox image's ip and sysctl are the host's (internal/images):
# TestContainerCapabilities runs ip, TestPodSysctls /bin/sysctl.
command -v ip >/dev/null || need+=(iproute2)
# The multi-machine harness (internal/testcluster/machines) enters its
# machines' namespaces with util-linux's nsenter and unshare.
{ command -v nsenter >/dev/null && command -v unshare >/dev/null; } || need+=(util-linux)
[ -x /usr/sbin/sysctl ] || need+=(procps)
# Image tests (internal/image, test/e2e) build their images from Debian's
# statically linked busybox, so a pod's root has nothing of the host's.
[ -x /bin/busybox ] || need+=(busybox-static)
# The dashboard's browser tests (test/e2e/dashboard_test.go) drive Debian's
# chromium headless with chromedp.
command -v chromium >/dev/null || need+=(chromium)
# --conformance: the tools of the agnhost e2e image that Kubernetes'
# conformance tests run in its pods (hack/conformance.sh), from the host.
if [ "${1:-}" = --conformance ]; then
  command -v nc >/dev/null || need+=(netcat-openbsd)
  command -v socat >/dev/null || need+=(socat)
  command -v curl >/dev/null || need+=(curl)
fi
if [ ${#need[@]} -gt 0 ]; then
  if [ "$(id -u)" -ne 0 ]; then
    echo "missing ${need[*]}; run as root or install them" >&2
    exit 1
  fi
  # Debian's redis-server, mariadb-server, postgresql and nginx packages
  # start system servers on 6379, 3306, 5432 and 80; the tests start their own,
  # inside pods. A policy-rc.d that answers 101 stops invoke-rc.d from
  # starting any service during the install (kept if the machine already
  # has one, e.g. a container image).
  policy=/usr/sbin/policy-rc.d
  if [ ! -e "$policy" ]; then
    printf '#!/bin/sh\nexit 101\n' >"$policy"
    chmod 755 "$policy"
    trap 'rm -f "$policy"' EXIT
  fi
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}"
  # With systemd, the units are enabled for the next boot: turn them off.
  if [[ " ${need[*]} " == *" redis-server "* ]] && [ -d /run/systemd/system ]; then
    systemctl disable --now redis-server.service
  fi
  if [[ " ${need[*]} " == *" mariadb-server "* ]] && [ -d /run/systemd/system ]; then
    systemctl disable --now mariadb.service
  fi
  if [[ " ${need[*]} " == *" postgresql "* ]] && [ -d /run/systemd/system ]; then
    systemctl disable --now postgresql.service
  fi
  if [[ " ${need[*]} " == *" nginx "* ]] && [ -d /run/systemd/system ]; then
    systemctl disable --now nginx.service
  fi
fi
