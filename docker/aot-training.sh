#!/usr/bin/env bash
# The ahead-of-time cache's training run (JEP 483/515), used by docker/Dockerfile and bench/Bench.java: starts the
# hub on its sandbox defaults (loopback only, no secret), waits until it is ready, then stops it; the JVM writes the
# cache as it exits. Ready, not merely refreshed (Spring's spring.context.exit=onRefresh): Camel starts its routes and
# the broker its queues after the refresh, and the 2,400 classes they load were read from the jars at every start.
# Usage: aot-training.sh <cache file> <jar> [port]. JVM flags come from JDK_JAVA_OPTIONS, the java from $JAVA or PATH.
set -euo pipefail
cache=$1
jar=$2
port=${3:-8080}

"${JAVA:-java}" -XX:AOTCacheOutput="$cache" -jar "$jar" --server.port="$port" --logging.level.root=WARN &
hub=$!

# the group's own status, first in the body: its components (db, jms) say "UP" while the hub is still
# OUT_OF_SERVICE, Camel's routes not yet started
ready() {
    (exec 3<>"/dev/tcp/127.0.0.1/$port" \
        && printf 'GET /actuator/health/readiness HTTP/1.0\r\n\r\n' >&3 \
        && grep -q '^{"status":"UP"' <&3) 2>/dev/null
}

for _ in $(seq 1 240); do
    if ready; then
        kill -TERM "$hub"
        wait "$hub" || true # 143: stopped by the signal, as intended; the cache is written on the way out
        test -s "$cache" || { echo "aot-training: no cache written to $cache" >&2; exit 1; }
        exit 0
    fi
    if ! kill -0 "$hub" 2>/dev/null; then
        echo "aot-training: the hub stopped before it was ready" >&2
        exit 1
    fi
    sleep 0.5
done
echo "aot-training: the hub was not ready after 120 s" >&2
kill -TERM "$hub"
exit 1
