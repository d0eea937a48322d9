// Shared by the Node SDK benchmarks: the SDK (installed by bench/node/install
// into bench/.node/), option parsing and the client.

import { createRequire } from "node:module";
import { parseArgs } from "node:util";

const require = createRequire(new URL("../.node/node_modules/", import.meta.url));
export const OpenAI = require("openai").default;
export const { VERSION: SDK_VERSION } = require("openai/version");

// Parses --url and --key (both required) and the script's own options.
// `spec` maps a name to { default, type }: type "int" (a positive integer),
// "number" (a positive number, or non-negative with nonNegative: true) or
// "string". Exits with status 2 and a usage line on a bad option.
export function parseOptions(script, usageLine, spec) {
  const usage = (message) => {
    process.stderr.write(`${script}: ${message}\nusage: ${script} ${usageLine}\n`);
    process.exit(2);
  };
  const options = { url: { type: "string" }, key: { type: "string" } };
  for (const [name, s] of Object.entries(spec)) options[name] = { type: "string", default: String(s.default) };
  let values;
  try {
    ({ values } = parseArgs({ options, strict: true }));
  } catch (err) {
    usage(err.message);
  }
  if (!values.url) usage("--url is required");
  if (!values.key) usage("--key is required");
  const out = { url: values.url, key: values.key };
  for (const [name, s] of Object.entries(spec)) {
    if (s.type === "string") {
      out[name] = values[name];
      continue;
    }
    const v = Number(values[name]);
    if (s.type === "int" && !(Number.isInteger(v) && v >= 1)) usage(`--${name} must be a positive integer`);
    if (s.type === "number" && !(Number.isFinite(v) && (s.nonNegative ? v >= 0 : v > 0)))
      usage(`--${name} must be a ${s.nonNegative ? "non-negative" : "positive"} number`);
    out[name] = v;
  }
  return out;
}

// One client for the whole run; a benchmark counts failures instead of retrying them.
export function makeClient(opts) {
  return new OpenAI({ apiKey: opts.key, baseURL: opts.url, maxRetries: 0 });
}
