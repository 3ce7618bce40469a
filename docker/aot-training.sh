#!/usr/bin/env bash
# The ahead-of-time cache's training run (JEP 483/515), used by docker/Dockerfile and bench/Bench.java: starts the
# hub on its sandbox defaults (loopback only, no secret), waits until it is ready, books a few slots end to end
# through the sandbox's simulators, then stops it; the JVM writes the cache as it exits. Ready, not merely refreshed
# (Spring's spring.context.exit=onRefresh): Camel starts its routes and the broker its queues after the refresh, and
# the 2,400 classes they load were read from the jars at every start.
# The bookings (see train below for what they do and what was measured)
# Usage: aot-training.sh <cache file> <jar> [port]. JVM flags come from JDK_JAVA_OPTIONS, the java from $JAVA or PATH.
set -euo pipefail
export LC_ALL=C # ${#body} in bytes: Content-Length
cache=$1
jar=$2
port=${3:-8080}
# the training's own Stripe signing secret, beside the sandbox simulator's, for the webhooks sent below
secret=whsec_aot_training

"${JAVA:-java}" -XX:AOTCacheOutput="$cache" -jar "$jar" --server.port="$port" --logging.level.root=WARN \
    --connectify.stripe.webhook-secrets="$secret" &
hub=$!

# One HTTP/1.0 exchange on loopback (the JRE image has no curl: bash's /dev/tcp), 60 s at most (the hub's first
# answers come from the interpreter: on a loaded two-core machine the first availability took 10 s): the whole
# response, status line and headers included. http <method> <host> <port> <path> [json body] [extra header line]
http() {
    timeout 60 bash -c '
        exec 3<>"/dev/tcp/$2/$3"
        printf "%s %s HTTP/1.0\r\nHost: %s:%s\r\nX-API-Key: sandbox\r\nContent-Type: application/json\r\n%sContent-Length: %d\r\n\r\n%s" \
            "$1" "$4" "$2" "$3" "$6" "${#5}" "$5" >&3
        cat <&3' http "$1" "$2" "$3" "$4" "${5-}" "${6-}" 2>/dev/null || true
}

hub_http() {
    http "$1" 127.0.0.1 "$port" "$2" "${3-}" "${4-}"
}

# the first value of a JSON string field in a response
field() {
    grep -o "\"$1\":\"[^\"]*\"" | head -n 1 | sed -E 's/^"[^"]*":"(.*)"$/\1/'
}

# the group's own status, first in the body: its components (db, jms) say "UP" while the hub is still
# OUT_OF_SERVICE, Camel's routes not yet started
ready() {
    hub_http GET /actuator/health/readiness | grep -q '^{"status":"UP"'
}

# Signed Stripe webhooks for bookings the hub does not know (the consumer looks each up and drops it), as the
# benchmark sends them; with openssl only (HMAC-SHA256), else none.
webhooks() {
    command -v openssl >/dev/null || { echo "aot-training: no openssl, no signed webhooks"; return 0; }
    local accepted=0 n ts body sig
    for n in 1 2 3 4 5; do
        ts=$(date +%s)
        body='{"id":"evt_aot_training_'$n'","object":"event","type":"checkout.session.completed","data":{"object":{"id":"cs_aot_training_'$n'","object":"checkout.session","payment_status":"paid","metadata":{"bookingId":"00000000-0000-4000-8000-00000000000'$n'"}}}}'
        sig=$(printf '%s' "$ts.$body" | openssl dgst -sha256 -hmac "$secret" | sed 's/^.* //')
        if hub_http POST /webhooks/stripe "$body" "Stripe-Signature: t=$ts,v1=$sig"$'\r\n' \
                | head -n 1 | grep -q ' 2[0-9][0-9] '; then
            accepted=$((accepted + 1))
        fi
    done
    echo "aot-training: $accepted of 5 signed webhooks accepted"
}

# One booking as a customer makes it (README, Walkthrough): the day's free slots, the price, the booking, the
# Stripe sandbox's payment page (its simulator then sends the signed webhook), and the booking confirmed with its
# SMS and email sent (each notification then carries the provider's reference); 60 s at most for the last.
book() {
    local start=$1 booking id url target host_port path deadline
    booking=$(hub_http POST /api/v1/bookings '{"start":"'"$start"'","durationMinutes":60,"provider":"stripe","customer":{"name":"Training","email":"training@example.com","phone":"+41791234567","locale":"de","timeZone":"Europe/Zurich"},"summary":"AOT training"}')
    id=$(field id <<<"$booking")
    url=$(field paymentUrl <<<"$booking")
    target=${url#http://}
    host_port=${target%%/*}
    path=/${target#*/}
    case $host_port in
        127.0.0.1:* | localhost:*) ;;
        *) echo "aot-training: no loopback payment URL for $start" >&2; return 1 ;;
    esac
    http GET "${host_port%:*}" "${host_port#*:}" "$path" >/dev/null
    deadline=$((SECONDS + 60))
    while ((SECONDS < deadline)); do
        if [[ $(hub_http GET "/api/v1/bookings/$id/notifications" | grep -o '"providerReference":' | wc -l) -ge 2 ]] \
                && hub_http GET "/api/v1/bookings/$id" | grep -q '"status":"CONFIRMED"'; then
            return 0
        fi
        sleep 0.2
    done
    echo "aot-training: booking $id not confirmed with its notifications within 60 s" >&2
    return 1
}

train() {
    local day start confirmed=0 n
    webhooks
    # a working day (Monday to Friday) a week or two ahead, as in the README's walkthrough
    day=$(date -d 'next tuesday + 7 days' +%F)
    hub_http GET /api/v1/prices?duration=60 >/dev/null
    for n in 1 2 3; do
        # the day's first free slot, asked again after each booking (the slots of one answer overlap); no booking
        # begun after 4 minutes: the build must not wait on a hub that stopped answering
        if ((SECONDS > started + 240)); then
            echo "aot-training: out of time after $confirmed bookings" >&2
            break
        fi
        start=$(hub_http GET "/api/v1/availability?from=${day}T00:00:00%2B01:00&to=${day}T23:59:00%2B01:00&duration=60" \
            | grep -o '"start":"[^"]*"' | head -n 1 | sed -E 's/^"start":"(.*)"$/\1/')
        if [[ -z $start ]]; then
            echo "aot-training: no free slot on $day" >&2
            break
        fi
        if book "$start"; then
            confirmed=$((confirmed + 1))
        fi
    done
    echo "aot-training: $confirmed of 3 bookings confirmed with their notifications"
}

# 300 s: on a loaded two-core machine the start alone took more than 120 s
while ((SECONDS < 300)); do
    if ready; then
        started=$SECONDS
        # never a reason to go without the cache: a failed booking leaves it trained on less
        train || echo "aot-training: the bookings failed; the cache holds what was loaded until then" >&2
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
