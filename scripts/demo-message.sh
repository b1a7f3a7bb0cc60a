#!/usr/bin/env bash
# Plays a customer writing to the demo bot: asks the local Cloud API sandbox to
# post a signed webhook to the fleet, then shows the bot's reply.
# Usage: ./scripts/demo-message.sh "text" [from-number] (while ./scripts/run-fleet.sh runs)
set -euo pipefail
cd "$(dirname "$0")/.."
text="${1:?usage: $0 \"text\" [from-number]}"
from="${2:-5215512345678}"
phone_number_id="$(grep '^DEMO_PHONE_NUMBER_ID=' .run/local.env | cut -d= -f2)"
sandbox="http://127.0.0.1:${SANDBOX_PORT:-4010}"
body="$(node -e 'console.log(JSON.stringify({phone_number_id: process.argv[1], from: process.argv[2], name: "Ana", text: process.argv[3]}))' "$phone_number_id" "$from" "$text")"
since="$(date -u +%Y-%m-%dT%H:%M:%S.000Z)"
curl -sf -X POST "$sandbox/_sandbox/customer/messages" -H 'content-type: application/json' -d "$body" >/dev/null
echo "customer $from: $text"
for _ in $(seq 1 50); do
  reply="$(curl -sf "$sandbox/_sandbox/messages?to=$from&outcome=accepted&since=$since")"
  if [ "$reply" != "[]" ]; then
    node -e 'for (const r of JSON.parse(process.argv[1])) console.log("bot:", r.body?.text?.body ?? JSON.stringify(r.body))' "$reply"
    exit 0
  fi
  sleep 0.1
done
echo "no reply within 5 s; see .run/logs/" >&2
exit 1
