#!/usr/bin/env bash
# Plays a customer writing to the demo bot: asks the fake of the demo's provider
# (the one ./scripts/run-fleet.sh --provider chose, recorded in .run/provider) to
# post its webhook to the fleet, then shows the bot's reply as that fake received it.
# Usage: ./scripts/demo-message.sh "text" [from-number] (while ./scripts/run-fleet.sh runs;
# set SANDBOX_PORT as for the run when it is not 4010)
set -euo pipefail
cd "$(dirname "$0")/.."
text="${1:?usage: $0 \"text\" [from-number]}"
from="${2:-5215512345678}"
from="${from#+}"
provider="$(cat .run/provider 2>/dev/null || echo meta)"
local_env() { # NAME: its value in .run/local.env
  grep "^$1=" .run/local.env | cut -d= -f2-
}
# The fakes listen on SANDBOX_PORT and the next three ports, as run-fleet.sh starts them.
port="${SANDBOX_PORT:-4010}"
json() { # key value ...: a JSON object of strings
  node -e 'const a = process.argv.slice(1); const o = {}; for (let i = 0; i < a.length; i += 2) o[a[i]] = a[i + 1]; console.log(JSON.stringify(o))' "$@"
}
case "$provider" in
  meta)
    control="http://127.0.0.1:$port/_sandbox"
    body="$(json phone_number_id "$(local_env DEMO_PHONE_NUMBER_ID)" from "$from" name Ana text "$text")"
    sent="messages?to=$from&outcome=accepted" ;;
  official)
    control="http://127.0.0.1:$((port + 1))/_sandbox/d360"
    body="$(json phone_number_id "$(local_env DEMO_D360_PHONE_NUMBER_ID)" from "$from" name Ana text "$text")"
    sent="messages?to=$from&outcome=accepted" ;;
  twilio)
    control="http://127.0.0.1:$((port + 2))/_sandbox/twilio"
    body="$(json from "+$from" to "$(local_env DEMO_TWILIO_NUMBER)" profile_name Ana body "$text")"
    sent="messages?to=$from&outcome=accepted" ;;
  evolution)
    control="http://127.0.0.1:$((port + 3))/_sandbox/evolution"
    body="$(json instance demo-shop from "$from" pushName Ana text "$text")"
    sent="" ;; # known from the fake's answer: WhatsApp may give the chat another number (52 1 55… → 52 55…)
  *) echo "unknown provider '$provider' in .run/provider" >&2; exit 1 ;;
esac
since="$(date -u +%Y-%m-%dT%H:%M:%S.000Z)"
if ! answer="$(curl -sS -X POST "$control/customer/messages" -H 'content-type: application/json' -d "$body" -w '\n%{http_code}')" \
  || [ "${answer##*$'\n'}" -ge 300 ]; then
  echo "the $provider fake did not take the customer's message: ${answer%$'\n'*}" >&2
  exit 1
fi
if [ -z "$sent" ]; then
  chat="$(node -p 'JSON.parse(process.argv[1]).remoteJid.split("@")[0]' "${answer%$'\n'*}")"
  sent="messages?number=$chat&outcome=accepted"
fi
echo "customer $from ($provider): $text"
# A turn may send several messages one after another: once the first is there, wait until no new
# one came for a second.
reply="[]"
for _ in $(seq 1 50); do
  reply="$(curl -sf "$control/$sent&since=$since")"
  if [ "$reply" != "[]" ]; then
    for _ in $(seq 1 10); do
      sleep 1
      more="$(curl -sf "$control/$sent&since=$since")"
      [ "$more" != "$reply" ] || break
      reply="$more"
    done
    # Each fake records a send its own way: Cloud API bodies, Twilio's Body, Evolution's message.
    # Buttons and lists show their options; media its link.
    node -e '
      const interactive = (i) => {
        const options = i.type === "button" ? i.action.buttons.map((b) => b.reply.title) : i.action.sections.flatMap((s) => s.rows.map((r) => r.title));
        return `${i.body?.text ?? ""}  [${options.join(" | ")}]`;
      };
      const media = (b) => { const m = b[b.type]; return `(${b.type}) ${m?.link ?? m?.id ?? ""} ${m?.caption ?? ""}`.trim(); };
      for (const r of JSON.parse(process.argv[1])) {
        const b = r.body;
        const text = typeof b === "string" ? b
          : b?.text?.body ?? (b?.interactive ? interactive(b.interactive) : undefined) ?? (b && ["image", "document", "audio", "video"].includes(b.type) ? media(b) : undefined)
          ?? r.message?.message?.conversation ?? r.request?.text;
        console.log("bot:", text ?? JSON.stringify(b ?? r.request));
      }' "$reply"
    exit 0
  fi
  sleep 0.1
done
echo "no reply within 5 s; see .run/logs/" >&2
exit 1
