# Shared by bin/prod-local and bin/prod-load: the environment of the
# production topology on this machine, and starting, stopping and
# restarting its processes. Source it from the repository root:
#
#   . bin/lib/prod.sh
#   prod_environment pp_platform 5 parkportal-prod-local
#   start_web web1; start_worker worker1; start_beat
#
# Each process is started in a session of its own, so that it and its
# children (gunicorn's and Celery's pool processes) form one process
# group: SIGTERM goes to the master, which stops its children itself;
# SIGKILL goes to the whole group, as when a machine dies.

venv=.venv/bin
declare -A proc_pid=() proc_port=()

# prod_environment DATABASE BROKER_DB RUN_PREFIX
prod_environment() {
    export DEBUG=false
    export DATABASE_URL="${DATABASE_URL:-postgres://postgres@127.0.0.1:5432/$1}"
    export CELERY_BROKER_URL="${CELERY_BROKER_URL:-redis://127.0.0.1:6379/$2}"
    export REDIS_URL="${REDIS_URL:-$CELERY_BROKER_URL}"
    export ALLOWED_HOSTS="127.0.0.1,localhost"
    # Plain HTTP on loopback: secure-only cookies would never come back.
    export SESSION_COOKIE_SECURE=false CSRF_COOKIE_SECURE=false
    export LOG_LEVEL="${LOG_LEVEL:-WARNING}"

    bin/setup-venv requirements.txt
    run_dir="$(mktemp -d -t "$3.XXXXXX")"
    export PARKPORTAL_DATA_DIR="$run_dir/data"
    SECRET_KEY="$("$venv/python" -c 'import secrets; print(secrets.token_urlsafe(50))')"
    export SECRET_KEY
    trap stop_all EXIT
}

free_port() {
    "$venv/python" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# The database of DATABASE_URL, created when missing, migrated, with its
# static files collected.
prepare_database() {
    local name="${DATABASE_URL##*/}"
    name="${name%%\?*}"
    if ! psql "${DATABASE_URL%/*}/postgres" -tAc \
        "SELECT 1 FROM pg_database WHERE datname = '$name'" | grep -q 1; then
        createdb --maintenance-db="${DATABASE_URL%/*}/postgres" "$name"
        echo "Created database $name"
    fi
    "$venv/python" manage.py migrate --noinput -v 0
    "$venv/python" manage.py collectstatic --noinput -v 0
}

# start_web NAME [WORKERS]: a gunicorn master with its workers, as
# docker-compose's web service runs it, on a port kept across restarts.
start_web() {
    local name="$1" workers="${2:-2}"
    proc_port[$name]="${proc_port[$name]:-$(free_port)}"
    setsid "$venv/gunicorn" parkportal.wsgi --bind "127.0.0.1:${proc_port[$name]}" \
        --workers "$workers" --timeout 60 --graceful-timeout 30 \
        --access-logfile "$run_dir/$name-access.log" \
        --error-logfile "$run_dir/$name.log" &
    proc_pid[$name]=$!
}

# start_worker NAME [CONCURRENCY]
start_worker() {
    local name="$1"
    setsid "$venv/celery" -A parkportal worker --concurrency "${2:-2}" \
        --loglevel INFO --hostname "$name-$$@%h" >>"$run_dir/$name.log" 2>&1 &
    proc_pid[$name]=$!
}

start_beat() {
    setsid "$venv/celery" -A parkportal beat --loglevel INFO \
        --schedule "$run_dir/celerybeat-schedule" >>"$run_dir/beat.log" 2>&1 &
    proc_pid[beat]=$!
}

# stop_process NAME [SIGNAL]: TERM asks the master to finish its work and
# stop; KILL takes the whole process group down at once.
stop_process() {
    local pid="${proc_pid[$1]:-}" signal="${2:-TERM}"
    [ -n "$pid" ] || return 0
    if [ "$signal" = KILL ]; then
        kill -KILL -- "-$pid" 2>/dev/null || true
    else
        kill -TERM "$pid" 2>/dev/null || true
    fi
    wait "$pid" 2>/dev/null || true
    unset "proc_pid[$1]"
}

# restart NAME [SIGNAL]: stop the process and start it again as it was.
restart() {
    local name="$1"
    stop_process "$name" "${2:-TERM}"
    case "$name" in
        web*) start_web "$name" ;;
        worker*) start_worker "$name" ;;
        beat) start_beat ;;
    esac
}

stop_all() {
    local name count="${#proc_pid[@]}"
    for name in "${!proc_pid[@]}"; do
        kill -TERM "${proc_pid[$name]}" 2>/dev/null || true
    done
    for name in "${!proc_pid[@]}"; do
        wait "${proc_pid[$name]}" 2>/dev/null || true
    done
    echo "Stopped: $count processes; logs in $run_dir"
}

# http_status URL: the status code, or 000 when nothing answers.
http_status() {
    curl -s -o /dev/null -w '%{http_code}' "$1" || true
}

# wait_for_web NAME: until the web process answers /healthz (at most 60 s).
wait_for_web() {
    local url="http://127.0.0.1:${proc_port[$1]}/healthz" _
    for _ in $(seq 1 120); do
        [ "$(http_status "$url")" = "200" ] && return 0
        sleep 0.5
    done
    return 1
}

failures=0
check() {
    if [ "$2" = "yes" ]; then
        echo "ok    $1"
    else
        echo "FAIL  $1"
        failures=$((failures + 1))
    fi
}
