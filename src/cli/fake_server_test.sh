#!/usr/bin/env bash
# The openai-images tool against fake-openai-server over TLS on 127.0.0.1:
#   1. a text prompts file of 6 prompts (plus a comment and a blank line):
#      exit 0, 6 PNG files named by line number, a summary on stdout;
#   2. JSON Lines with one line that breaks its model's rules (size 3x3 for
#      dall-e-2): exit 2, the line named, nothing sent; without it, generations,
#      an edit and a variation are all saved;
#   3. refusals before sending (exit 2, nothing sent): an --out that cannot be
#      written, an image that exists already (--overwrite replaces it);
#   4. the API key never appears in any output.
# Usage: fake_server_test.sh OPENAI_IMAGES FAKE_OPENAI_SERVER WORK_DIR
set -euo pipefail

cli=$1
server=$2
work=$3
key=sk-test-key

rm -rf "$work"
mkdir -p "$work"

. "$(dirname "$0")/test_server.sh"
trap stop_fake_servers EXIT

start_fake_server server "$server" --tls --api-key "$key" --cert-dir "$work/pki" \
  --log-requests "$work/requests.jsonl"
url=$server_url
[ -f "$work/pki/ca.pem" ] || fail "no CA file"
echo "fake server at $url"


common=(--base-url "$url" --ca-file "$work/pki/ca.pem" --api-key "$key" --concurrency 4)

# 1. Text prompts: 6 prompts, dall-e-2 url images (downloaded from the server).
cat >"$work/prompts.txt" <<'PROMPTS'
# six prompts; this comment and the blank line are skipped
a red fox in the snow
a lighthouse at dusk

a bowl of ramen, top view
an otter holding a shell
a paper boat on a pond
a cactus wearing a hat
PROMPTS
rc=0
"$cli" batch --prompts "$work/prompts.txt" --model dall-e-2 --size 256x256 --out "$work/out1" \
  "${common[@]}" >"$work/run1.out" 2>"$work/run1.err" || rc=$?
[ "$rc" -eq 0 ] || fail "text batch: exit $rc, expected 0"
count=$(find "$work/out1" -type f -name '*.png' | wc -l)
[ "$count" -eq 6 ] || fail "text batch: $count files, expected 6"
for stem in 0002 0003 0005 0006 0007 0008; do
  is_png "$work/out1/$stem.png" || fail "text batch: $stem.png is not a PNG"
done
grep -q "^  requests  6 sent: 6 succeeded, 0 failed$" "$work/run1.out" || fail "text batch: no summary"
grep -q "^  saved     6 images in " "$work/run1.out" || fail "text batch: summary does not count 6 images"
grep -q "^  retries   0$" "$work/run1.out" || fail "text batch: summary lacks retries"
[ "$(grep -c '"status":"done"' "$work/out1/openai-images-manifest.jsonl")" -eq 6 ] ||
  fail "text batch: the manifest does not have 6 lines done"
echo "text batch ok: 6 PNGs"

sent() { if [ -f "$work/requests.jsonl" ]; then wc -l <"$work/requests.jsonl"; else echo 0; fi; }

# Refusals before sending: exit 2, nothing sent, no summary.
refused() {  # refused NAME PATTERN ARGS...
  local name=$1 pattern=$2
  shift 2
  local before rc=0
  before=$(sent)
  "$cli" "$@" >"$work/$name.out" 2>"$work/$name.err" || rc=$?
  [ "$rc" -eq 2 ] || fail "$name: exit $rc, expected 2"
  grep -q -- "$pattern" "$work/$name.err" || fail "$name: stderr lacks '$pattern'"
  [ "$(sent)" -eq "$before" ] || fail "$name: a request was sent"
  ! grep -q "summary" "$work/$name.out" || fail "$name: a summary printed"
}

# 2. JSON Lines, one line that breaks its model's rules (3x3 is no size of
#    dall-e-2): exit 2 naming it, nothing sent; the other lines alone all succeed.
img="$work/out1/0002.png"
good_lines='{"prompt": "a red fox", "model": "dall-e-2", "size": "256x256", "response_format": "b64_json"}
{"prompt": "a wide fox", "model": "gpt-image-1", "size": "1536x1024", "output_format": "webp", "quality": "low"}
{"operation": "edit", "model": "dall-e-2", "image": "'"$img"'", "prompt": "add a hat", "size": "256x256"}
{"operation": "variation", "image": ["'"$img"'"], "size": "256x256", "n": 2}'
{ echo '{"prompt": "a tiny fox", "model": "dall-e-2", "size": "3x3"}'; echo "$good_lines"; } \
  >"$work/prompts.jsonl"
refused bad_line "prompts.jsonl:1: size: .*3x3" \
  batch --prompts "$work/prompts.jsonl" --out "$work/out2" "${common[@]}"
grep -q "nothing was sent" "$work/bad_line.err" || fail "bad line: does not say nothing was sent"
echo "$good_lines" >"$work/prompts.jsonl"
rc=0
"$cli" batch --prompts "$work/prompts.jsonl" --out "$work/out2" "${common[@]}" \
  >"$work/run2.out" 2>"$work/run2.err" || rc=$?
[ "$rc" -eq 0 ] || fail "JSON Lines batch: exit $rc, expected 0"
for f in 0001.png 0002.png 0003.png 0004-1.png 0004-2.png; do
  is_png "$work/out2/$f" || fail "JSON Lines batch: $f missing or not a PNG"
done
grep -q "^  requests  4 sent: 4 succeeded, 0 failed$" "$work/run2.out" ||
  fail "JSON Lines batch: wrong summary"
echo "JSON Lines batch ok: a bad line refused before sending; 5 PNGs without it"

refused unwritable_out "--out: /proc/nope: cannot create the directory" \
  batch --prompts "$work/prompts.txt" --model dall-e-2 --size 256x256 --out /proc/nope "${common[@]}"
refused too_long_prompt "--prompt: 1001 characters; dall-e-2 allows at most 1000" \
  generate --prompt "$(printf 'a%.0s' $(seq 1 1001))" --model dall-e-2 --out "$work/out5" "${common[@]}"
"$cli" generate --prompt "a fox" --model gpt-image-1-mini --out "$work/out5" "${common[@]}" \
  >"$work/gen1.out" 2>"$work/gen1.err" || fail "generate: exit $?"
old_sum=$(cksum <"$work/out5/image.png")
refused existing_image "out5/image.png already exists" \
  generate --prompt "a cat" --model gpt-image-1-mini --out "$work/out5" "${common[@]}"
[ "$(cksum <"$work/out5/image.png")" = "$old_sum" ] || fail "existing image: it was replaced"
mkdir -p "$work/changed"
sed 's/lighthouse/windmill/' "$work/prompts.txt" >"$work/changed/prompts.txt"
refused changed_line "changed/prompts.txt:3 changed since .*0003.png was saved" \
  batch --prompts "$work/changed/prompts.txt" --model dall-e-2 --size 256x256 --out "$work/out1" \
  "${common[@]}"
"$cli" generate --prompt "a cat" --model gpt-image-1-mini --out "$work/out5" --overwrite \
  "${common[@]}" >"$work/gen2.out" 2>"$work/gen2.err" || fail "generate --overwrite: exit $?"
echo "refusals ok: exit 2 and nothing sent; --overwrite replaces"

# A JSON Lines file that is not valid: exit 2, nothing sent.
printf '{"prompt": "fine"}\n{"prompt": "typo", "sise": "256x256"}\nnot json\n' >"$work/bad.jsonl"
rc=0
"$cli" batch --prompts "$work/bad.jsonl" --out "$work/out3" "${common[@]}" \
  >"$work/run3.out" 2>"$work/run3.err" || rc=$?
[ "$rc" -eq 2 ] || fail "invalid JSON Lines: exit $rc, expected 2"
grep -q "bad.jsonl:2: unknown field \"sise\"" "$work/run3.err" || fail "invalid JSON Lines: line 2"
grep -q "bad.jsonl:3: not JSON" "$work/run3.err" || fail "invalid JSON Lines: line 3"
[ ! -e "$work/out3" ] || fail "invalid JSON Lines: something was written"

# A url image that cannot be downloaded (the server answers the generation,
# then 404 to every later request): the request succeeded, its save failed,
# and the summary says both without contradiction; exit 1.
start_fake_server fault-server "$server" --plain --api-key "$key" --fault kind=status,status=404,after=1
plain_url=$server_url
rc=0
"$cli" generate --prompt "a fox" --model dall-e-2 --size 256x256 --response-format url \
  --out "$work/out6" --base-url "$plain_url" --api-key "$key" --retries 0 \
  >"$work/run6.out" 2>"$work/run6.err" || rc=$?
[ "$rc" -eq 1 ] || fail "failed download: exit $rc, expected 1"
grep -q "^  requests  1 sent: 1 succeeded, 0 failed$" "$work/run6.out" ||
  fail "failed download: the request is not counted as succeeded"
grep -q "^  saved     0 images in .*; the images of 1 request not saved$" "$work/run6.out" ||
  fail "failed download: the save is not counted as failed"
grep -q "generate: cannot save: .*404" "$work/run6.err" || fail "failed download: no 404 reported"
echo "failed download ok: 1 request succeeded, its save failed, exit 1"

# A certificate from a CA the system does not trust: said once, with the host
# and the way to trust a private CA; OPENAI_IMAGES_CA_FILE does what --ca-file does.
rc=0
"$cli" generate --prompt "a fox" --model gpt-image-1-mini --out "$work/out7" --base-url "$url" \
  --api-key "$key" --retries 0 >"$work/run7.out" 2>"$work/run7.err" || rc=$?
[ "$rc" -eq 1 ] || fail "untrusted CA: exit $rc, expected 1"
host_port=${url#https://}
host_port=${host_port%/v1}
grep -q "^openai-images: generate: server certificate rejected: $host_port: unable to get local issuer certificate; to trust a private CA, pass --ca-file PEM or set OPENAI_IMAGES_CA_FILE$" \
  "$work/run7.err" || fail "untrusted CA: not the expected message"
[ "$(grep -o "rejected" "$work/run7.err" | wc -l)" -eq 1 ] && ! grep -q "verify failed" "$work/run7.err" ||
  fail "untrusted CA: the message repeats itself"
OPENAI_IMAGES_CA_FILE="$work/pki/ca.pem" "$cli" generate --prompt "a fox" --model gpt-image-1-mini \
  --out "$work/out7" --base-url "$url" --api-key "$key" >"$work/run8.out" 2>"$work/run8.err" ||
  fail "OPENAI_IMAGES_CA_FILE: exit $?"
is_png "$work/out7/image.png" || fail "OPENAI_IMAGES_CA_FILE: no image"
echo "untrusted CA ok: one message naming the host and --ca-file; OPENAI_IMAGES_CA_FILE trusted"

# A wrong API key: every request fails with the API's 401, and the key is not shown.
rc=0
"$cli" generate --prompt "x" --out "$work/out4" "${common[@]}" --api-key sk-wrong-secret \
  >"$work/run4.out" 2>"$work/run4.err" || rc=$?
[ "$rc" -eq 1 ] || fail "wrong key: exit $rc, expected 1"
grep -q "401" "$work/run4.err" || fail "wrong key: no 401 in the error"

if grep -l -e "$key" -e "sk-wrong-secret" "$work"/run*.out "$work"/run*.err; then
  fail "an API key appears in the output"
fi
echo "cli fake server test ok"
