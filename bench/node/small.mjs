// Small-request benchmark for the official OpenAI Node SDK.
//
// Usage:
//   node bench/node/small.mjs --url https://127.0.0.1:PORT/v1 --key KEY \
//     --concurrency C --duration SECONDS --warmup SECONDS
//
// Runs C concurrent workers sharing one client, each generating 256x256
// dall-e-2 images (answered with URLs) in a loop. Results of the warm-up
// phase are discarded; during the measured phase completed requests, errors
// and per-request latencies are recorded. Prints one JSON line on stdout.
// The server's CA is taken from NODE_EXTRA_CA_CERTS.

import { performance } from "node:perf_hooks";
import { SDK_VERSION, makeClient, parseOptions } from "./common.mjs";

function percentile(sorted, q) {
  if (sorted.length === 0) return null;
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
}

// One-line description of an error and its chain of causes.
function describe(err) {
  const parts = [];
  for (let e = err, depth = 0; e != null && depth < 5; e = e.cause, depth += 1) {
    parts.push(e instanceof Error ? `${e.name}: ${e.message}${e.code ? ` [${e.code}]` : ""}` : String(e));
  }
  return parts.join(" <- ");
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

async function main() {
  const opts = parseOptions("small.mjs", "--url URL --key KEY --concurrency C --duration SECONDS --warmup SECONDS", {
    concurrency: { type: "int", default: 1 },
    duration: { type: "number", default: 5 },
    warmup: { type: "number", default: 1, nonNegative: true },
  });
  const client = makeClient(opts);

  // "warmup" -> "measure" -> "stop". A request is attributed to the phase
  // that is current when it completes; requests completing after the stop
  // are not counted.
  let phase = opts.warmup > 0 ? "warmup" : "measure";
  let requests = 0;
  let errors = 0;
  const latencies = [];
  const reported = new Set();

  function reportError(message) {
    // Each distinct message is shown once, so a failing run stays readable.
    if (reported.size < 10 && !reported.has(message)) {
      reported.add(message);
      process.stderr.write(`small.mjs: ${phase} error: ${message}\n`);
    }
  }

  async function worker() {
    while (phase !== "stop") {
      const t0 = performance.now();
      let ok = false;
      try {
        const r = await client.images.generate({
          model: "dall-e-2",
          prompt: "a small red fox",
          n: 1,
          size: "256x256",
        });
        const url = r?.data?.[0]?.url;
        if (typeof url === "string" && url.startsWith("https://")) {
          ok = true;
        } else {
          reportError(`unexpected response: ${JSON.stringify(r).slice(0, 200)}`);
        }
      } catch (err) {
        reportError(describe(err));
      }
      const t1 = performance.now();
      if (phase !== "measure") continue;
      if (ok) {
        requests += 1;
        latencies.push(t1 - t0);
      } else {
        errors += 1;
      }
    }
  }

  const workers = [];
  for (let i = 0; i < opts.concurrency; i += 1) workers.push(worker());

  if (phase === "warmup") {
    await sleep(opts.warmup * 1000);
    phase = "measure";
  }
  const measureStart = performance.now();
  await sleep(opts.duration * 1000);
  phase = "stop";
  const measureEnd = performance.now();
  await Promise.all(workers);

  const seconds = (measureEnd - measureStart) / 1000;
  const sorted = Float64Array.from(latencies).sort();
  const result = {
    client: "node-openai",
    sdk_version: SDK_VERSION,
    node_version: process.version,
    concurrency: opts.concurrency,
    requests,
    errors,
    seconds,
    rps: requests / seconds,
    p50_ms: percentile(sorted, 0.5),
    p99_ms: percentile(sorted, 0.99),
  };
  const code = errors === 0 && requests > 0 ? 0 : 1;
  process.stdout.write(JSON.stringify(result) + "\n", () => process.exit(code));
}

main().catch((err) => {
  process.stderr.write(`small.mjs: ${err?.stack ?? err}\n`);
  process.exit(1);
});
