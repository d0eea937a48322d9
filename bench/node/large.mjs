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

import { createRequire } from "node:module";
import { parseArgs } from "node:util";
import { performance } from "node:perf_hooks";

const require = createRequire(new URL("../.node/node_modules/", import.meta.url));
const OpenAI = require("openai").default;

const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

function usage(message) {
  process.stderr.write(
    `large.mjs: ${message}\n` +
      "usage: large.mjs --url URL --key KEY --model MODEL --n N --size WxH --runs R\n",
  );
  process.exit(2);
}

function fail(message) {
  process.stderr.write(`large.mjs: ${message}\n`);
  process.exit(1);
}

function parseOptions() {
  let values;
  try {
    ({ values } = parseArgs({
      options: {
        url: { type: "string" },
        key: { type: "string" },
        model: { type: "string", default: "gpt-image-1" },
        n: { type: "string", default: "1" },
        size: { type: "string", default: "1024x1024" },
        runs: { type: "string", default: "3" },
      },
      strict: true,
    }));
  } catch (err) {
    usage(err.message);
  }
  if (!values.url) usage("--url is required");
  if (!values.key) usage("--key is required");
  const n = Number(values.n);
  const runs = Number(values.runs);
  if (!Number.isInteger(n) || n < 1) usage("--n must be a positive integer");
  if (!Number.isInteger(runs) || runs < 1) usage("--runs must be a positive integer");
  return { url: values.url, key: values.key, model: values.model, n, size: values.size, runs };
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
  const opts = parseOptions();
  const client = new OpenAI({ apiKey: opts.key, baseURL: opts.url, maxRetries: 0 });
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
