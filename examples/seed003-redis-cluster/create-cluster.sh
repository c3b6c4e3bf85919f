#!/bin/sh
# Creates the Redis Cluster from the pods' DNS names (the seed's "detour",
# section 3.3.2): each name is resolved inside redis-app-0, through the
# cluster DNS, and redis-cli --cluster create makes 3 masters with one
# replica each. KUBECTL is the kubectl to use (default: kubectl).
set -eu
kubectl=${KUBECTL:-kubectl}
$kubectl -n dev exec redis-app-0 -- sh -c '
  addrs=""
  for i in 0 1 2 3 4 5; do
    ip=$(getent hosts redis-app-$i.redis-service.dev.svc.cluster.local | cut -d" " -f1)
    addrs="$addrs $ip:6379"
  done
  redis-cli --cluster create $addrs --cluster-replicas 1 --cluster-yes
'
