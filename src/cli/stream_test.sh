#!/usr/bin/env bash
# openai-images generate/edit --stream against fake-openai-server on 127.0.0.1:
#   1. generate --stream --partial-images 3: each partial image saved as it
#      arrives (image.partial-0..2.png, listed in that order before the final
#      image.png), all PNGs, the drafts different from the final image; the
#      progress line counts the partials; the request sent stream and
#      partial_images;
#   2. edit --stream, and n=2 (image-1.partial-0.png... image-2.png);
#      --overwrite replaces a stream's earlier drafts, not only its image;
#   3. a connection reset after the 2nd event: the 2 partials kept, no final
#      image, exit 1, and the request not sent again (it was being answered);
#   4. refusals before sending (exit 2): a stream's partials already in --out,
#      --stream for a model that cannot stream, "stream" in a batch's line.
# Usage: stream_test.sh OPENAI_IMAGES FAKE_OPENAI_SERVER WORK_DIR
set -euo pipefail

cli=$1
server=$2
work=$3
key=sk-test-key

rm -rf "$work"
mkdir -p "$work"

. "$(dirname "$0")/test_server.sh"
trap stop_fake_servers EXIT

sent() { if [ -f "$work/requests.jsonl" ]; then wc -l <"$work/requests.jsonl"; else echo 0; fi; }

start_fake_server server "$server" --plain --api-key "$key" --stream-interval-ms 5 \
  --log-requests "$work/requests.jsonl"
url=$server_url
common=(--base-url "$url" --api-key "$key" --model gpt-image-1)

# 1. Three partial images, then the final one.
rc=0
"$cli" generate --prompt "an otter" --stream --partial-images 3 --size 1024x1536 \
  --out "$work/out1" "${common[@]}" >"$work/gen.out" 2>"$work/gen.err" || rc=$?
[ "$rc" -eq 0 ] || fail "generate --stream: exit $rc, expected 0"
expected="partial $work/out1/image.partial-0.png (1024x1536 png, 
partial $work/out1/image.partial-1.png (1024x1536 png, 
partial $work/out1/image.partial-2.png (1024x1536 png, 
saved $work/out1/image.png (1024x1536 png, "
[ "$(grep -E '^(partial|saved) ' "$work/gen.out" | cut -d, -f1 | sed 's/$/, /')" = "$expected" ] ||
  fail "generate --stream: not the files expected, in that order"
for f in image.partial-0.png image.partial-1.png image.partial-2.png image.png; do
  is_png "$work/out1/$f" || fail "generate --stream: $f is not a PNG"
done
[ "$(find "$work/out1" -type f | wc -l)" -eq 4 ] || fail "generate --stream: files other than the 4"
for k in 0 1 2; do
  ! cmp -s "$work/out1/image.partial-$k.png" "$work/out1/image.png" ||
    fail "generate --stream: partial $k is the final image"
done
grep -q "^  partials  3 partial images saved$" "$work/gen.out" || fail "generate --stream: summary"
grep -q "^  requests  1 sent: 1 succeeded, 0 failed$" "$work/gen.out" || fail "generate --stream: requests"
# stderr is not a terminal: a progress line as each partial is saved.
for k in 1 2 3; do
  grep -q "^0/1 ok 0 failed 0 in flight 1 retrying 0 saved 0 partials $k " "$work/gen.err" ||
    fail "generate --stream: no progress line for partial $k"
done
grep -q '"stream":true' "$work/requests.jsonl" && grep -q '"partial_images":3' "$work/requests.jsonl" ||
  fail "generate --stream: the request did not ask for a stream of 3 partial images"
echo "generate --stream ok: 3 partial images, then the final one"

# 2. An edit streams too; n=2 names each image's partials after the image.
rc=0
"$cli" edit --prompt "add a hat" --image "$work/out1/image.png" --stream --partial-images 1 \
  --out "$work/out2" "${common[@]}" >"$work/edit.out" 2>"$work/edit.err" || rc=$?
[ "$rc" -eq 0 ] || fail "edit --stream: exit $rc, expected 0"
is_png "$work/out2/image.partial-0.png" && is_png "$work/out2/image.png" ||
  fail "edit --stream: image.partial-0.png and image.png expected"
grep -q '"stream":"true"' "$work/requests.jsonl" || fail "edit --stream: no stream field sent"
rc=0
"$cli" generate --prompt "two otters" --stream --partial-images 2 --n 2 --size 1024x1024 \
  --out "$work/out3" "${common[@]}" >"$work/two.out" 2>"$work/two.err" || rc=$?
[ "$rc" -eq 0 ] || fail "n=2 --stream: exit $rc, expected 0"
[ "$(cd "$work/out3" && ls | tr '\n' ' ')" = "image-1.partial-0.png image-1.partial-1.png image-1.png image-2.partial-0.png image-2.partial-1.png image-2.png " ] ||
  fail "n=2 --stream: files $(ls "$work/out3")"
echo "edit --stream and n=2 ok"

# --overwrite on a stream replaces the earlier drafts too: none of the first
# run's 3 partial images is left beside the new run's 1.
rc=0
"$cli" generate --prompt "an otter" --stream --partial-images 1 --size 1024x1536 --overwrite \
  --out "$work/out1" "${common[@]}" >"$work/again.out" 2>"$work/again.err" || rc=$?
[ "$rc" -eq 0 ] || fail "--overwrite --stream: exit $rc, expected 0"
[ "$(cd "$work/out1" && ls | tr '\n' ' ')" = "image.partial-0.png image.png " ] ||
  fail "--overwrite --stream: files $(ls "$work/out1")"
grep -q "^openai-images: --overwrite: removed 3 partial images of an earlier stream in " \
  "$work/again.err" || fail "--overwrite --stream: the removal is not said"
echo "--overwrite --stream ok: the earlier drafts replaced"

# 3. A reset after the 2nd event: what arrived is kept, nothing is sent again.
start_fake_server reset-server "$server" --plain --api-key "$key" --stream-interval-ms 5 \
  --fault kind=stream-reset,events=2 --log-requests "$work/reset-requests.jsonl"
rc=0
"$cli" generate --prompt "an otter" --stream --partial-images 3 --out "$work/out4" \
  --base-url "$server_url" --api-key "$key" --model gpt-image-1 \
  >"$work/reset.out" 2>"$work/reset.err" || rc=$?
[ "$rc" -eq 1 ] || fail "reset mid-stream: exit $rc, expected 1"
[ "$(cd "$work/out4" && ls | tr '\n' ' ')" = "image.partial-0.png image.partial-1.png " ] ||
  fail "reset mid-stream: files $(ls "$work/out4")"
[ "$(wc -l <"$work/reset-requests.jsonl")" -eq 1 ] && grep -q "^  retries   0$" "$work/reset.out" ||
  fail "reset mid-stream: the request was sent again"
grep -q "^openai-images: generate: connection closed before the whole response" "$work/reset.err" ||
  fail "reset mid-stream: the failure is not reported"
grep -q "^  partials  2 partial images saved$" "$work/reset.out" || fail "reset mid-stream: summary"
echo "reset mid-stream ok: 2 partial images kept, exit 1, not sent again"

# 4. Refusals before sending.
refused() {  # refused NAME PATTERN ARGS...
  local name=$1 pattern=$2
  shift 2
  local before rc=0
  before=$(sent)
  "$cli" "$@" >"$work/$name.out" 2>"$work/$name.err" || rc=$?
  [ "$rc" -eq 2 ] || fail "$name: exit $rc, expected 2"
  grep -q -- "$pattern" "$work/$name.err" || fail "$name: stderr lacks '$pattern'"
  [ "$(sent)" -eq "$before" ] || fail "$name: a request was sent"
}
refused partials_exist "out4/image.partial-0.png, .*image.partial-1.png already exists" \
  generate --prompt "an otter" --stream --out "$work/out4" "${common[@]}"
refused cannot_stream "^openai-images: --stream: not supported by dall-e-3 (only the GPT image models" \
  generate --prompt "an otter" --stream --model dall-e-3 --out "$work/out5" \
  --base-url "$url" --api-key "$key"
echo '{"prompt": "an otter", "model": "gpt-image-1", "stream": true}' >"$work/lines.jsonl"
refused batch_stream 'lines.jsonl:1: "stream": a batch does not stream' \
  batch --prompts "$work/lines.jsonl" --out "$work/out6" --base-url "$url" --api-key "$key"
echo "refusals ok"

echo "cli stream test ok"
