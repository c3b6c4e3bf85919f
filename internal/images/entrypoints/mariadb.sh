#!/bin/sh
# ordo's stand-in for the official mysql and mariadb images'
# docker-entrypoint.sh, running the host's MariaDB server. As the images
# do: options first mean "mysqld with these options"; an empty datadir
# (/var/lib/mysql) is initialised with mariadb-install-db, then
# MYSQL_ROOT_PASSWORD (or MARIADB_ROOT_PASSWORD; MYSQL_ALLOW_EMPTY_PASSWORD
# to go without), MYSQL_DATABASE, MYSQL_USER/MYSQL_PASSWORD and the
# scripts of /docker-entrypoint-initdb.d (*.sh, *.sql, *.sql.gz) are
# applied through a server on the socket only; then the server runs in
# the foreground, as the mysql user when started as root (the datadir and
# everything in it handed to that user first).
set -eu
case "${1:-}" in -*) set -- mysqld "$@" ;; esac
case "${1:-}" in mysqld | mariadbd) ;; *) exec "$@" ;; esac
shift
datadir=/var/lib/mysql
socket=/run/mysqld/mysqld.sock
user=
[ "$(id -u)" = 0 ] && user=--user=mysql
mkdir -p /run/mysqld "$datadir"
if [ -n "$user" ]; then
	# Everything below the datadir, as the images do: data an init
	# container cloned or restored as root is the server's to write.
	chown mysql:mysql /run/mysqld
	find "$datadir" ! -user mysql -exec chown mysql:mysql '{}' +
fi
root_pw=${MARIADB_ROOT_PASSWORD:-${MYSQL_ROOT_PASSWORD:-}}
if [ ! -d "$datadir/mysql" ]; then
	if [ -z "$root_pw" ] && [ -z "${MYSQL_ALLOW_EMPTY_PASSWORD:-}${MARIADB_ALLOW_EMPTY_ROOT_PASSWORD:-}" ]; then
		echo "error: database is uninitialized and password option is not specified" >&2
		echo "  You need to specify one of MARIADB_ROOT_PASSWORD, MYSQL_ROOT_PASSWORD or MYSQL_ALLOW_EMPTY_PASSWORD" >&2
		exit 1
	fi
	mariadb-install-db $user --datadir="$datadir" --auth-root-authentication-method=normal --skip-test-db >/dev/null
	mariadbd $user --datadir="$datadir" --skip-networking --socket="$socket" &
	pid=$!
	for _ in $(seq 60); do mariadb-admin --socket="$socket" ping >/dev/null 2>&1 && break; sleep 0.5; done
	sql() { mariadb --protocol=socket --socket="$socket" -uroot "$@"; }
	db=${MARIADB_DATABASE:-${MYSQL_DATABASE:-}}
	dbuser=${MARIADB_USER:-${MYSQL_USER:-}}
	dbpw=${MARIADB_PASSWORD:-${MYSQL_PASSWORD:-}}
	{
		# The anonymous accounts mariadb-install-db makes would match
		# before 'user'@'%' for local connections, as the images drop them.
		echo "DROP USER IF EXISTS ''@'localhost', ''@'$(hostname)';"
		echo "CREATE USER IF NOT EXISTS 'root'@'%' IDENTIFIED BY '$root_pw'; GRANT ALL ON *.* TO 'root'@'%' WITH GRANT OPTION;"
		echo "ALTER USER 'root'@'localhost' IDENTIFIED BY '$root_pw';"
		[ -z "$db" ] || echo "CREATE DATABASE IF NOT EXISTS \`$db\`;"
		if [ -n "$dbuser" ]; then
			echo "CREATE USER '$dbuser'@'%' IDENTIFIED BY '$dbpw';"
			[ -z "$db" ] || echo "GRANT ALL ON \`$db\`.* TO '$dbuser'@'%';"
		fi
		echo "FLUSH PRIVILEGES;"
	} | sql
	for f in /docker-entrypoint-initdb.d/*; do
		case "$f" in
		*.sh) echo "$0: running $f"; . "$f" ;;
		*.sql) echo "$0: running $f"; sql -p"$root_pw" ${db:+"$db"} <"$f" ;;
		*.sql.gz) echo "$0: running $f"; gunzip -c "$f" | sql -p"$root_pw" ${db:+"$db"} ;;
		esac
	done
	kill "$pid"
	wait "$pid" || true
	echo "MariaDB init process done. Ready for start up."
fi
# The images listen on every address (the host's configuration may bind
# 127.0.0.1 only).
exec mariadbd $user --datadir="$datadir" --socket="$socket" --bind-address='*' "$@"
