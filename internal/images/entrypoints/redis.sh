#!/bin/sh
# ordo's stand-in for the official redis image's docker-entrypoint.sh,
# running the host's redis-server: options or a .conf file first mean
# "redis-server with these arguments", as in the image.
set -eu
case "${1:-}" in -* | *.conf) set -- redis-server "$@" ;; esac
exec "$@"
