# Starts a throwaway PostgreSQL 15 server on a free loopback port: start_postgres sets POSTGRES_URL.
PG_BIN=${PG_BIN:-/usr/lib/postgresql/15/bin}

as_postgres() {
  if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

start_postgres() {
  PG_DIR=$(mktemp -d /tmp/logto-supabase-pg.XXXXXX)
  [ "$(id -u)" = 0 ] && chown postgres "$PG_DIR"
  PG_PORT=$(node -e 'const s=require("net").createServer().listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})')
  as_postgres "$PG_BIN/initdb" -D "$PG_DIR/data" -A trust -U postgres --no-instructions >/dev/null
  as_postgres "$PG_BIN/pg_ctl" -D "$PG_DIR/data" -w -l "$PG_DIR/log" \
    -o "-p $PG_PORT -k $PG_DIR -c listen_addresses=127.0.0.1 -c fsync=off" start >/dev/null
  POSTGRES_URL="postgres://postgres@127.0.0.1:$PG_PORT/postgres"
  export POSTGRES_URL
}

stop_postgres() {
  [ -n "${PG_DIR:-}" ] || return 0
  as_postgres "$PG_BIN/pg_ctl" -D "$PG_DIR/data" -m fast stop >/dev/null 2>&1 || true
  rm -rf "$PG_DIR"
}
