#!/bin/sh
# The pause image's /pause (registry.k8s.io/pause): wait, doing nothing,
# until SIGTERM or SIGINT, then exit 0, as Kubernetes' pause does. As PID 1
# of its container it also reaps whatever is orphaned there (sh waits for
# its children). It needs only the host's /bin/sh, so `kubectl run
# --image=registry.k8s.io/pause` and the kubectl debug documentation's
# example work without the e2e images.
trap 'exit 0' TERM INT
while :; do
  sleep 86400 &
  wait $!
done
