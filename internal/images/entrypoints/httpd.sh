#!/bin/sh
# ordo's stand-in for the httpd image's httpd-foreground: the host's
# nginx serving /usr/local/apache2/htdocs on port 80, with the image's
# "It works!" index.html. The files land in the container's writable
# layer, so a test may move index.html away and back.
set -eu
htdocs=/usr/local/apache2/htdocs
conf=/usr/local/apache2/conf/nginx.conf
mkdir -p "$htdocs" "${conf%/*}"
[ -e "$htdocs/index.html" ] || echo '<html><body><h1>It works!</h1></body></html>' >"$htdocs/index.html"
cat >"$conf" <<CONF
pid /tmp/httpd.pid;
error_log stderr;
events {}
http {
  include /etc/nginx/mime.types;
  access_log /dev/stdout;
  server {
    listen 80;
    root $htdocs;
    index index.html;
  }
}
CONF
exec nginx -c "$conf" -g 'daemon off;'
