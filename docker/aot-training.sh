#!/usr/bin/env bash
# The ahead-of-time cache's training run (JEP 483/515), used by docker/Dockerfile and bench/Bench.java: starts the
# hub on its sandbox defaults (loopback only, no secret), waits until it is ready, then stops it; the JVM writes the
# cache as it exits. Ready, not merely refreshed (Spring's spring.context.exit=onRefresh): Camel starts its routes and
# the broker its queues after the refresh, and the 2,400 classes they load were read from the jars at every start.
# Not further: a training run that, once ready, also booked three slots end to end through the sandbox (payment
# page, signed webhook, confirmation, SMS and email) and sent five signed webhooks, so that the 2,800 classes of the
# booking path (stripe-java, Twilio, Google's client, the JDK's HTTP client) came from the cache, made a cache of
# 159 MB instead of 138-140, all of it resident from the start: idle RSS 273 and 291 against 256-280 MB, at the
# booking flow's end 394 and 388 against 369-392 (5 s later 367 and 373 against 369-384). Mapping by mapping at the
# flow's end the cache held 148 MB against 132 and the rest of the process 4 MB less: those classes cost less in
# metaspace, loaded during the flow, than in the cache from the start (five runs, bench/RESULTS.md).
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

# 300 s: on a two-core machine loaded by other work the start alone took more than 120 s (the benchmark's training
# run failed there)
while ((SECONDS < 300)); do
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
echo "aot-training: the hub was not ready after 300 s" >&2
kill -TERM "$hub"
exit 1
