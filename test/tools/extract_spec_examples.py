#!/usr/bin/env python3
"""Extracts the example responses and events of the Images part of the OpenAI
OpenAPI spec into test/data/openapi-examples.json, which the unit tests parse.

Usage: extract_spec_examples.py path/to/images-only.yaml > test/data/openapi-examples.json
"""
import json
import sys

import yaml


def main() -> None:
    spec = yaml.safe_load(open(sys.argv[1], encoding="utf-8"))
    out = {"responses": {}, "events": {}}
    for path, item in spec["paths"].items():
        examples = item["post"]["x-oaiMeta"]["examples"]
        if isinstance(examples, dict):
            examples = [examples]
        for ex in examples:
            resp = ex.get("response")
            if resp and resp.lstrip().startswith("{"):
                out["responses"][f"{path} {ex.get('title', 'default')}"] = json.loads(resp)
    for name, schema in spec["components"]["schemas"].items():
        meta = schema.get("x-oaiMeta", {})
        if "example" not in meta:
            continue
        value = json.loads(meta["example"])
        if name == "ImagesResponse":
            out["responses"][name] = value
        else:
            out["events"][name] = value
    json.dump(out, sys.stdout, indent=2, sort_keys=True)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
