#!/usr/bin/env python3
"""Writes the seed corpora of the fuzz targets: test/fuzz/corpus/<target>/.

    python3 test/fuzz/make_corpus.py

Each seed is small (< 4 KiB) and meaningful: real responses of the Images API
(the spec's examples, test/data/openapi-examples.json), the HTTP framings the
client must read, API error bodies, multipart forms and requests. Re-running
rewrites the same files; files the fuzzers added by hand are left alone.
"""

import json
import os
import struct

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))


def write(target, name, data):
    if isinstance(data, str):
        data = data.encode()
    assert len(data) < 4096, (target, name, len(data))
    d = os.path.join(HERE, "corpus", target)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, name), "wb") as f:
        f.write(data)


def fdp(s):
    """A string in the FuzzedDataProvider protocol of fuzz::input::string()."""
    if isinstance(s, str):
        s = s.encode()
    return s.replace(b"\\", b"\\\\") + b"\\;"


# Real bodies -----------------------------------------------------------------

with open(os.path.join(ROOT, "test", "data", "openapi-examples.json")) as f:
    spec = json.load(f)

B64_PNG = ("iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGA"
           "WjR9awAAAABJRU5ErkJggg==")

bodies = {
    "spec-generations": spec["responses"]["/images/generations Generate image"],
    "spec-variations": spec["responses"]["/images/variations default"],
    "spec-images-response": spec["responses"]["ImagesResponse"],
    "b64-png": {"created": 1713833628, "data": [{"b64_json": B64_PNG}],
                "background": "opaque", "output_format": "png", "quality": "low",
                "size": "1024x1024",
                "usage": {"input_tokens": 9, "total_tokens": 281, "output_tokens": 272,
                          "output_tokens_details": {"image_tokens": 272, "text_tokens": 0},
                          "input_tokens_details": {"text_tokens": 9, "image_tokens": 0}}},
    "dall-e-3": {"created": 1700000000,
                 "data": [{"url": "https://example.com/img.png",
                           "revised_prompt": "A photo of a cat, \u00e9t\u00e9 \ud83d\udc31"}]},
    "two-images-nulls": {"created": 1, "data": [{"b64_json": "AAAA", "url": None},
                                                 {"url": "https://x/y", "revised_prompt": None}],
                         "usage": None, "size": None},
}
for name, ev in spec["events"].items():
    bodies["event-" + name] = ev
bodies["request-generation"] = {"prompt": "A cute baby sea otter", "model": "gpt-image-1.5",
                                "n": 1, "size": "1024x1024", "quality": "high",
                                "output_format": "webp", "output_compression": 80,
                                "background": "transparent", "moderation": "low",
                                "stream": False, "partial_images": 2, "user": "user-1234"}
bodies["request-dall-e-3"] = {"prompt": "a white siamese cat", "model": "dall-e-3",
                              "size": "1792x1024", "style": "vivid", "response_format": "url"}

for name, body in bodies.items():
    write("json_response", name + ".json", json.dumps(body))
# Edge shapes: numbers written as doubles, wrong types, not JSON at all.
write("json_response", "integral-doubles.json",
      '{"created": 1.0e9, "data": [], "usage": {"input_tokens": 5.0, "total_tokens": -0.0,'
      ' "output_tokens": 9007199254740993, "input_tokens_details": {}}}')
write("json_response", "wrong-type-url.json", '{"created": 1, "data": [{"url": 42}]}')
write("json_response", "big-created.json", '{"created": 18446744073709551615, "data": []}')
write("json_response", "root-array.json", "[1, 2, 3]")
write("json_response", "escapes.json",
      '{"created": 0, "data": [{"revised_prompt": "tab\\t nl\\n quote\\" u\\u0000 '
      '\\ud83d\\udc31 \\/"}]}')
write("json_response", "truncated.json", '{"created": 1713833628, "data": [{"b64_json": "iV')
write("json_response", "html.txt", "<html><body>502 Bad Gateway</body></html>")
write("json_response", "empty.txt", "")

# HTTP responses ----------------------------------------------------------------
# Three control bytes: flags (bit 0 reused, bits 1-2 limits), chunk seed,
# largest chunk (0: one read).

ok_body = json.dumps(bodies["spec-generations"])
error_body = json.dumps({"error": {"message": "Invalid value for 'size'.", "type":
                                   "invalid_request_error", "param": "size",
                                   "code": "invalid_value"}})


def http(name, raw, flags=0, seed=1, max_chunk=0):
    if isinstance(raw, str):
        raw = raw.encode()
    write("http_response", name, bytes([flags, seed, max_chunk]) + raw)


def response(status, reason, headers, body=b"", version="1.1"):
    if isinstance(body, str):
        body = body.encode()
    head = f"HTTP/{version} {status} {reason}\r\n"
    for k, v in headers:
        head += f"{k}: {v}\r\n"
    return head.encode() + b"\r\n" + body


json_headers = [("Content-Type", "application/json"), ("x-request-id", "req_123"),
                ("openai-processing-ms", "1234"), ("x-ratelimit-remaining-requests", "49"),
                ("x-ratelimit-reset-requests", "1.2s")]

http("200-content-length", response(200, "OK", json_headers +
                                    [("Content-Length", len(ok_body))], ok_body))
http("200-content-length-chunked-reads", response(200, "OK", json_headers +
                                                  [("Content-Length", len(ok_body))], ok_body),
     seed=7, max_chunk=13)
http("200-content-length-byte-reads", response(200, "OK", [("Content-Length", len(ok_body))],
                                               ok_body), seed=3, max_chunk=1)
chunks = b"".join(b"%x\r\n%s\r\n" % (len(p), p) for p in
                  [ok_body[:40].encode(), ok_body[40:].encode()])
http("200-chunked", response(200, "OK", json_headers + [("Transfer-Encoding", "chunked")],
                             chunks + b"0\r\n\r\n"))
http("200-chunked-extensions-trailers",
     response(200, "OK", [("Transfer-Encoding", "chunked"), ("Trailer", "x-checksum")],
              b"5;name=value;q=\"quoted\"\r\nhello\r\n6 ; ext\r\n world\r\n"
              b"0;last\r\nx-checksum: abc\r\nx-other: 1\r\n\r\n"), seed=9, max_chunk=5)
http("200-chunked-upper-hex", response(200, "OK", [("Transfer-Encoding", "chunked")],
                                       b"A\r\n0123456789\r\n0\r\n\r\n"), max_chunk=3, seed=2)
http("http10-read-until-close", response(200, "OK", [("Content-Type", "application/json")],
                                         ok_body, version="1.0"))
http("http11-connection-close-no-length",
     response(200, "OK", [("Connection", "close")], ok_body), seed=5, max_chunk=64)
http("100-continue-then-200",
     b"HTTP/1.1 100 Continue\r\n\r\n" + response(200, "OK", [("Content-Length", 2)], "{}"))
http("103-early-hints", b"HTTP/1.1 103 Early Hints\r\nLink: </a.css>; rel=preload\r\n\r\n"
     + response(200, "OK", [("Content-Length", 2)], "{}"))
http("204-no-content", response(204, "No Content", [("x-request-id", "r")]))
http("204-with-length", response(204, "No Content", [("Content-Length", "10")], "0123456789"))
http("304-not-modified", response(304, "Not Modified", [("Content-Length", "100")]))
http("400-error-body", response(400, "Bad Request", json_headers +
                                [("Content-Length", len(error_body))], error_body))
http("429-retry-after", response(429, "Too Many Requests",
                                 [("retry-after", "2"), ("retry-after-ms", "1500"),
                                  ("x-should-retry", "true"), ("Content-Length", 2)], "{}"))
http("500-html", response(500, "Internal Server Error", [("Content-Type", "text/html"),
                                                         ("Content-Length", 23)],
                          "<html>oops</html>\r\n\r\n\r\n"))
http("503-keep-alive-close", response(503, "Service Unavailable",
                                      [("Connection", "close"), ("Content-Length", 0)]))
http("truncated-body", response(200, "OK", [("Content-Length", 1000)], ok_body[:50]))
http("truncated-header", b"HTTP/1.1 200 OK\r\nContent-Le")
http("truncated-chunk", response(200, "OK", [("Transfer-Encoding", "chunked")],
                                 b"40\r\nabc"), max_chunk=2, seed=4)
http("empty-stale", b"", flags=1)
http("empty-fresh", b"")
http("garbage", b"\x00\xffnot http at all\r\n\r\n")
http("bad-content-length", response(200, "OK", [("Content-Length", "12x")], "x"))
http("duplicate-content-length", response(200, "OK", [("Content-Length", 2),
                                                       ("Content-Length", 3)], "{}"))
http("length-and-chunked", response(200, "OK", [("Content-Length", 5),
                                                 ("Transfer-Encoding", "chunked")],
                                     b"5\r\nhello\r\n0\r\n\r\n"))
http("body-over-small-limit", response(200, "OK", [("Content-Length", len(ok_body))], ok_body),
     flags=2)
http("header-over-small-limit",
     response(200, "OK", [("x-long", "v" * 300), ("Content-Length", 0)]), flags=2)
http("body-limit-zero-chunked", response(200, "OK", [("Transfer-Encoding", "chunked")],
                                         b"1\r\nx\r\n0\r\n\r\n"), flags=4)
http("obs-fold-and-spaces",
     b"HTTP/1.1 200 OK\r\nX-Folded: a\r\n b\r\nContent-Length:   2  \r\n\r\n{}")
http("lf-only", b"HTTP/1.1 200 OK\nContent-Length: 2\n\n{}")
http("pipelined-extra", response(200, "OK", [("Content-Length", 2)], "{}") +
     response(200, "OK", [("Content-Length", 2)], "[]"))
http("status-999", response(999, "Whatever", [("Content-Length", 0)]))
http("status-bad", b"HTTP/1.1 20 OK\r\nContent-Length: 0\r\n\r\n")
http("http2-version", b"HTTP/2.0 200 OK\r\nContent-Length: 0\r\n\r\n")

# API error bodies and headers --------------------------------------------------
# status (2 bytes LE), secret, retry-after-ms, retry-after, reset, x-should-retry
# (strings), now (4), cap (4), initial (4), max (4), big flags, retry index,
# random01 (8), error choice, then the body.

NOW = 1445412480  # Wed, 21 Oct 2015 07:28:00 GMT


def api(name, status, body, secret="sk-proj-ABCDEFGH12345678", ms="", ra="", reset="",
        should="", now=NOW, cap=60000, initial=500, maximum=8000, big=0, index=1,
        r=0.5, err=5):
    if isinstance(body, str):
        body = body.encode()
    data = struct.pack("<H", status) + fdp(secret) + fdp(ms) + fdp(ra) + fdp(reset) + \
        fdp(should) + struct.pack("<iIII", now, cap, initial, maximum) + \
        bytes([big, index]) + struct.pack("<d", r) + bytes([err]) + body
    write("api_error", name, data)


api("invalid-size", 400, error_body)
api("insufficient-quota", 429, json.dumps({"error": {
    "message": "You exceeded your current quota.", "type": "insufficient_quota",
    "param": None, "code": "insufficient_quota"}}), ms="", ra="20", err=2)
api("moderation", 400, json.dumps({"error": {"message": "Your request was rejected",
                                             "type": "image_generation_user_error",
                                             "code": "moderation_blocked"}}), err=3)
api("rate-limited-ms", 429, json.dumps({"error": {"message": "Rate limit reached", "code": 429}}),
    ms="1500", ra="2", reset="6m0s", should="true")
api("retry-after-date", 503, "", ra="Wed, 21 Oct 2015 07:28:05 GMT")
api("retry-after-date-past", 503, "", ra="Tue, 20 Oct 2015 07:28:05 GMT")
api("retry-after-fraction", 429, "{}", ra="2.007", reset="1h2m3.5s")
api("reset-units", 429, "{}", reset="20ms", ms="  12  ", should="false")
api("reset-us-ns", 429, "{}", reset="150us250ns")
api("key-in-message", 401, json.dumps({"error": {
    "message": "Incorrect API key provided: sk-proj-ABCDEFGH12345678. You can find your key",
    "type": "invalid_request_error", "code": "invalid_api_key"}}))
api("key-twice-html", 502, "<html>sk-proj-ABCDEFGH12345678sk-proj-ABCDEFGH12345678</html>")
api("html-proxy", 502, "<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n\x00\x7f"
    + "x" * 300 + "</html>")
api("empty-body", 500, "")
api("not-error-object", 400, json.dumps({"error": "just a string"}))
api("message-not-string", 400, json.dumps({"error": {"message": ["a"], "code": 12345678901}}))
api("cap-max-backoff", 500, "", big=3, index=40, r=0.0, err=7)
api("nan-random", 500, "", r=float("nan"), err=8)

# base64 -----------------------------------------------------------------------

for name, text in [("png-1x1", B64_PNG), ("one-pad", "QUJDRA=="), ("two-pad", "QUJDREU="),
                   ("no-pad", "QUJD"), ("empty", ""), ("bad-char", "QU*D"),
                   ("whitespace", "QUJD\nRA=="), ("pad-middle", "QU==QUJD"),
                   ("non-zero-bits", "QUJDRB=="), ("truncated", "QUJDR"),
                   ("all-alphabet",
                    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/" * 3),
                   ("url-safe", "-_-_"), ("triple-pad", "Q===")]:
    write("base64", name, text)
write("base64", "binary", bytes(range(256)))

# multipart --------------------------------------------------------------------
# flags (bit 0: a boundary follows), then parts: kind (0 text, 1 borrowed file,
# 2 owned file, 3 file without filename), name, value | filename and content.

PNG_HEAD = b"\x89PNG\r\n\x1a\n\x00\x00\x00\x0dIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06"
JPEG_HEAD = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00"
WEBP_HEAD = b"RIFF\x24\x00\x00\x00WEBPVP8X"


def form(name, parts, boundary=None):
    data = bytes([1 if boundary is not None else 0])
    if boundary is not None:
        data += fdp(boundary)
    for p in parts:
        kind = p[0]
        data += bytes([kind]) + fdp(p[1])
        if kind == 0:
            data += fdp(p[2])
        elif kind == 3:
            data += fdp(p[2])
        else:
            data += fdp(p[2]) + fdp(p[3])
    write("multipart", name, data)


form("edit-request", [(0, "prompt", "A cute baby sea otter wearing a beret"),
                      (0, "model", "gpt-image-1.5"), (2, "image[]", "otter.png", PNG_HEAD),
                      (1, "image[]", "lion.jpg", JPEG_HEAD), (1, "mask", "mask.png", PNG_HEAD),
                      (0, "n", "1"), (0, "size", "1024x1024")])
form("variation-request", [(1, "image", "", PNG_HEAD + b"\r\n--X\r\n"), (0, "n", "2")])
form("detected-names", [(3, "a", PNG_HEAD), (3, "b", JPEG_HEAD), (3, "c", WEBP_HEAD),
                        (3, "d", b"plain bytes")])
form("injection", [(0, 'x"; filename="evil', "v"),
                   (1, "img\r\nContent-Type: text/html", 'a"\r\nX-Evil: 1\r\n\r\n.png', b"x"),
                   (0, "back\\slash\x00\x7f\x1b", "")])
form("utf8-names", [(0, "pr\u00e9nom", "\u00e9t\u00e9"), (1, "\U0001f431", "\u732b.png", b"")])
form("percent-names", [(0, "a%22b", "1"), (0, 'a"b', "2")])
form("empty-name", [(0, "", "refused"), (1, "", "f", b"x"), (0, "ok", "")])
form("chosen-boundary", [(0, "prompt", "hi"), (1, "image", "a.png", PNG_HEAD)],
     boundary="simple-boundary")
form("chosen-boundary-quoted", [(0, "prompt", "hi")], boundary="(a b:c=d?)'+_,-./")
form("chosen-boundary-in-content", [(0, "prompt", "x\r\n--B\r\ny")], boundary="B")
form("bad-boundary-space", [(0, "p", "v")], boundary="ends with space ")
form("bad-boundary-long", [(0, "p", "v")], boundary="b" * 71)
form("bad-boundary-char", [(0, "p", "v")], boundary='has"quote')
form("no-parts", [])
form("delimiter-like-content", [(0, "p", "\r\n--openai-images-\r\n--\r\n"),
                                (1, "f", "f", b"--\r\n\r\n--")])

# validation -------------------------------------------------------------------
# kind (0 generation, 1 edit, 2 variation), then the fields in the order of
# validation.cpp; see its builder for the encodings.

MODEL = {"dall-e-2": 1, "dall-e-3": 2, "gpt-image-1": 3, "gpt-image-1-mini": 4,
         "gpt-image-1.5": 5, "gpt-image-2": 6, "gpt-image-2-2026-04-21": 7,
         "chatgpt-image-latest": 8, None: 0}
SIZE = {None: 0, "auto": 1, "256x256": 2, "512x512": 3, "1024x1024": 4, "1536x1024": 5,
        "1024x1536": 6, "1792x1024": 7, "1024x1792": 8}
WORD = {None: 0, "standard": 1, "hd": 2, "low": 3, "medium": 4, "high": 5, "auto": 6,
        "url": 7, "b64_json": 8, "png": 9, "jpeg": 10, "webp": 11, "transparent": 12,
        "opaque": 13, "vivid": 14, "natural": 15, "": 16, "PNG": 17}


def prompt(text):
    return bytes([2]) + fdp(text)


def long_prompt(unit, count):
    return bytes([1, unit]) + struct.pack(">H", count)


def number(v, lo, hi):
    if v is None:
        return bytes([0])
    span = hi - lo + 4
    nbytes = (span.bit_length() + 7) // 8
    return bytes([1]) + (v - lo + 2).to_bytes(nbytes, "big")


def custom_size(w, h):
    assert w % 16 == 0 and h % 16 == 0
    return bytes([9]) + struct.pack("<HH", w // 16, h // 16)


def flag(v):
    return bytes([0 if v is None else (2 if v else 1)])


def text(v):
    return bytes([0]) if v is None else bytes([1]) + fdp(v)


def png_image(w, h, owned=0):
    return bytes([1]) + struct.pack("<II", w, h) + bytes([owned])


def gen(name, p, model=None, n=None, quality=None, rf=None, of=None, oc=None, stream=None,
        partial=None, size=None, moderation=None, background=None, style=None, user=None):
    data = bytes([0]) + p + bytes([MODEL[model]]) + number(n, 1, 10) + bytes([WORD[quality]]) \
        + bytes([WORD[rf]]) + bytes([WORD[of]]) + number(oc, 0, 100) + flag(stream) \
        + number(partial, 0, 3) + (size if isinstance(size, bytes) else bytes([SIZE[size]])) \
        + bytes([WORD[moderation]]) + bytes([WORD[background]]) + bytes([WORD[style]]) \
        + text(user)
    write("validation", name, data)


gen("gen-minimal", prompt("a cat"))
gen("gen-gpt-full", prompt("A cute baby sea otter"), model="gpt-image-1.5", n=2,
    quality="high", of="webp", oc=80, stream=False, partial=2, size="1536x1024",
    moderation="low", background="transparent", user="user-1234")
gen("gen-dall-e-3", prompt("a white siamese cat"), model="dall-e-3", n=1, quality="hd",
    rf="url", size="1792x1024", style="vivid")
gen("gen-dall-e-3-n2", prompt("x"), model="dall-e-3", n=2)
gen("gen-dall-e-2-long", long_prompt(0, 1001), model="dall-e-2")
gen("gen-gpt-32000-euro", long_prompt(2, 32000), model="gpt-image-1")
gen("gen-gpt-2-custom", prompt("wide"), model="gpt-image-2", size=custom_size(3840, 1280))
gen("gen-gpt-2-too-large", prompt("big"), model="gpt-image-2", size=custom_size(3840, 3840))
gen("gen-transparent-jpeg", prompt("t"), model="gpt-image-1", of="jpeg", background="transparent")
gen("gen-compression-png", prompt("c"), model="gpt-image-1-mini", of="png", oc=50)
gen("gen-unknown-model", prompt("u"), model=None, n=11)
gen("gen-style-gpt", prompt("s"), model="gpt-image-1", style="natural")
gen("gen-empty-prompt", prompt(""), model="dall-e-2")
gen("gen-utf8-prompt", prompt("\u00e9t\u00e9 \U0001f431"), model="gpt-image-1", user="\u00e9")
gen("gen-invalid-utf8-prompt", prompt(b"caf\xe9 \xff\xfe"), model="gpt-image-1")
gen("gen-control-chars", prompt("a\x00b\x1f\x7f"), user="u\"\\")


def edit(name, images, mask=None, p=prompt("edit it"), model=None, rest=b""):
    data = bytes([1]) + bytes([len(images)]) + b"".join(images)
    data += bytes([1]) + mask if mask is not None else bytes([0])
    data += p + bytes([MODEL[model]]) + rest
    write("validation", name, data)


edit("edit-one-png", [png_image(1024, 1024)], model="gpt-image-1.5")
edit("edit-dall-e-2-mask", [png_image(512, 512)], mask=png_image(512, 512), model="dall-e-2")
edit("edit-mask-mismatch", [png_image(512, 512)], mask=png_image(256, 256), model="dall-e-2")
edit("edit-jpeg-webp", [bytes([2]) + struct.pack("<HH", 640, 480) + bytes([0]),
                        bytes([3]) + struct.pack("<II", 799, 599) + bytes([1])],
     model="gpt-image-1")
edit("edit-dall-e-3", [png_image(1, 1)], model="dall-e-3")
edit("edit-large", [bytes([4, 1])], model="dall-e-2")
edit("edit-missing-path", [bytes([5])], model="gpt-image-1")
edit("edit-raw", [bytes([7]) + fdp(b"not an image") + bytes([0])])
edit("edit-seventeen", [png_image(8, 8)] * 17)
edit("edit-none", [])


def variation(name, image, model=None, n=None, rf=None, size=None):
    data = bytes([2]) + image + bytes([MODEL[model]]) + number(n, 1, 10) + \
        bytes([WORD[rf]]) + bytes([SIZE[size]])
    write("validation", name, data)


variation("var-ok", png_image(1024, 1024), model="dall-e-2", n=3, rf="b64_json", size="512x512")
variation("var-not-square", png_image(1024, 512))
variation("var-gpt", png_image(64, 64), model="gpt-image-1")
variation("var-truncated", bytes([6]) + struct.pack("<HH", 16, 16) + bytes([20]) + fdp(b""))


# sse_events: a seed byte for the piece sizes, then a streamed body.
def sse(name, body, seed=7):
    write("sse_events", name, bytes([seed]) + body.encode())


B64 = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg=="
PARTIAL = ('{"type":"image_generation.partial_image","b64_json":"' + B64 +
           '","created_at":1700000000,"size":"1024x1024","quality":"low","background":"opaque",'
           '"output_format":"png","partial_image_index":0}')
COMPLETED = ('{"type":"image_generation.completed","b64_json":"' + B64 +
             '","created_at":1700000001,"size":"1024x1024","quality":"low","background":"opaque",'
             '"output_format":"png","usage":{"total_tokens":100,"input_tokens":50,"output_tokens":50,'
             '"input_tokens_details":{"text_tokens":10,"image_tokens":40}}}')
sse("generation", "event: image_generation.partial_image\ndata: " + PARTIAL +
    "\n\nevent: image_generation.completed\ndata: " + COMPLETED + "\n\n")
sse("crlf-comments", "\ufeff: hi\r\nid: 1\r\nretry: 5\r\ndata: " + COMPLETED + "\r\n\r\n", seed=3)
sse("cr-multiline", "event: image_edit.completed\rdata: {\"b64_json\":\rdata: \"QUJD\"}\r\r", seed=1)
sse("done", "data: " + COMPLETED + "\n\ndata: [DONE]\n\ndata: " + COMPLETED + "\n\n")
sse("error-event", "event: error\ndata: {\"error\":{\"message\":\"boom\",\"type\":\"server_error\","
    "\"code\":\"x\",\"param\":null}}\n\n")
sse("error-member", 'data: {"error":{"code":"moderation_blocked","message":"no"}}\n\n', seed=2)
sse("bad-base64", 'data: {"type":"image_generation.completed","b64_json":"QU*D"}\n\n')
sse("cut", "data: " + COMPLETED[:80], seed=5)
sse("not-json", "data: hello\n\ndata: {\"a\":\n\n", seed=9)
