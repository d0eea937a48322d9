#!/usr/bin/env python3
"""Parses a multipart/form-data body with Python's standard email package, an
implementation independent of ours, and prints its parts as JSON.

Usage: parse_multipart.py BODY_FILE BOUNDARY

Prints a JSON list, one object per part, in order:
  {"name": str, "filename": str or null, "content_type": str or null,
   "content_b64": base64 of the part's exact bytes}
content_type is the part's Content-Type header as sent, null when absent.
Exits with status 1 (and a message on stderr) when the body has defects.
"""

import base64
import json
import sys
from email import policy
from email.parser import BytesParser


def main() -> int:
    if len(sys.argv) != 3:
        print(__doc__, file=sys.stderr)
        return 2
    with open(sys.argv[1], "rb") as f:
        body = f.read()
    boundary = sys.argv[2].encode("ascii")
    header = b'Content-Type: multipart/form-data; boundary="' + boundary + b'"\r\n\r\n'
    msg = BytesParser(policy=policy.HTTP).parsebytes(header + body)
    if not msg.is_multipart():
        print("not a multipart message", file=sys.stderr)
        return 1
    defects = list(msg.defects)
    parts = []
    for part in msg.iter_parts():
        defects += part.defects
        if part.get_content_disposition() != "form-data":
            print("part without Content-Disposition: form-data", file=sys.stderr)
            return 1
        payload = part.get_payload(decode=True)
        parts.append({
            "name": part.get_param("name", header="content-disposition"),
            "filename": part.get_filename(),
            "content_type": None if part["content-type"] is None else str(part["content-type"]),
            "content_b64": base64.b64encode(payload).decode("ascii"),
        })
    if defects:
        print("defects: " + ", ".join(type(d).__name__ for d in defects), file=sys.stderr)
        return 1
    json.dump(parts, sys.stdout, ensure_ascii=False)
    sys.stdout.write("\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
