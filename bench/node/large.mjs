// Large-response benchmark for the official OpenAI Node SDK.
//
// Usage:
//   node bench/node/large.mjs --url https://127.0.0.1:PORT/v1 --key KEY \
//     --model gpt-image-1 --n 4 --size 1024x1024 --runs R
//
// Each run generates n images (gpt-image models always answer with base64
// JSON) and decodes all of them; the time of the request plus decoding is
// recorded. One untimed warm-up run comes first. Prints one JSON line on
// stdout. The server's CA is taken from NODE_EXTRA_CA_CERTS.

import { performance } from "node:perf_hooks";
import { makeClient, parseOptions } from "./common.mjs";

const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

function fail(message) {
  process.stderr.write(`large.mjs: ${message}\n`);
  process.exit(1);
}

async function runOnce(client, opts) {
  const t0 = performance.now();
  const r = await client.images.generate({
    model: opts.model,
    prompt: "a large benchmark image",
    n: opts.n,
    size: opts.size,
  });
  const images = [];
  let b64Bytes = 0;
  let decodedBytes = 0;
  for (const item of r.data ?? []) {
    const s = item.b64_json;
    if (typeof s !== "string") fail("response item without b64_json");
    const buf = Buffer.from(s, "base64");
    b64Bytes += s.length;
    decodedBytes += buf.length;
    images.push(buf);
  }
  const t1 = performance.now();

  if (images.length !== opts.n) fail(`expected ${opts.n} images, got ${images.length}`);
  for (const [i, buf] of images.entries()) {
    if (buf.length < PNG_SIGNATURE.length || !buf.subarray(0, PNG_SIGNATURE.length).equals(PNG_SIGNATURE)) {
      fail(`image ${i} does not start with the PNG signature`);
    }
  }
  return { seconds: (t1 - t0) / 1000, b64_bytes: b64Bytes, decoded_bytes: decodedBytes };
}

async function main() {
  const opts = parseOptions("large.mjs", "--url URL --key KEY --model M --n N --size WxH --runs R", {
    model: { type: "string", default: "gpt-image-1" },
    n: { type: "int", default: 1 },
    size: { type: "string", default: "1024x1024" },
    runs: { type: "int", default: 3 },
  });
  const client = makeClient(opts);
  const baseRss = process.memoryUsage().rss;

  await runOnce(client, opts);
  const runs = [];
  for (let i = 0; i < opts.runs; i += 1) runs.push(await runOnce(client, opts));

  const result = {
    client: "node-openai",
    model: opts.model,
    n: opts.n,
    size: opts.size,
    runs,
    peak_rss_bytes: process.resourceUsage().maxRSS * 1024,
    base_rss_bytes: baseRss,
  };
  process.stdout.write(JSON.stringify(result) + "\n", () => process.exit(0));
}

main().catch((err) => {
  fail(String(err?.stack ?? err));
});
