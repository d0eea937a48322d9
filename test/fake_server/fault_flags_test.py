#!/usr/bin/env python3
"""fake-openai-server's --fault and --log-requests, checked byte by byte.

    fault_flags_test.py <fake-openai-server>

Starts the server (plain HTTP, 127.0.0.1 only, any free port) with scripted
faults and checks what a client sees: statuses, error bodies, headers, where a
body is cut, resets, the slow answers, which requests each spec selects (first
K, after K, every N, a seeded probability, a path), the exit status and message
of a bad spec, and the request log. Prints "fault flags ok" when every check
passed.
"""
import base64
import json
import os
import re
import select
import signal
import socket
import struct
import subprocess
import sys
import tempfile
import time

SERVER = sys.argv[1]
KEY = "sk-test-key"
GENERATION = {"model": "dall-e-2", "prompt": "an otter", "size": "256x256",
              "response_format": "b64_json"}


class Failure(Exception):
    pass


def check(cond, what):
    if not cond:
        raise Failure(what)


def check_eq(got, want, what):
    if got != want:
        raise Failure(f"{what}: got {got!r}, want {want!r}")


class Server:
    """The server as a process; its URL from its first line, read with a bound."""

    def __init__(self, *args):
        self.proc = subprocess.Popen([SERVER, "--plain", *args], stdout=subprocess.PIPE,
                                     stderr=subprocess.PIPE, text=True)
        ready, _, _ = select.select([self.proc.stdout], [], [], 30)
        check(ready, "the server printed nothing within 30 s")
        line = self.proc.stdout.readline().strip()
        m = re.fullmatch(r"listening on http://127\.0\.0\.1:(\d+)/v1", line)
        if not m:
            self.proc.kill()
            raise Failure(f"unexpected first line {line!r}; stderr: {self.proc.stderr.read()}")
        self.port = int(m.group(1))

    def stop(self):
        self.proc.send_signal(signal.SIGTERM)
        out, err = self.proc.communicate(timeout=30)
        check_eq(self.proc.returncode, 0, f"server exit status (stderr {err!r})")
        check("stopped" in out, "the server said it stopped")

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        if self.proc.poll() is None:
            if exc[0] is None:
                self.stop()
            else:
                self.proc.kill()
                self.proc.wait()


class Reply:
    def __init__(self):
        self.status = None
        self.headers = {}        # lower-case name -> value
        self.body = b""
        self.reset = False        # the connection ended with a TCP reset
        self.raw = b""
        self.elapsed = 0.0

    def json(self):
        return json.loads(self.body)


def raw_request(method, target, body=b"", content_type="application/json"):
    head = (f"{method} {target} HTTP/1.1\r\nHost: 127.0.0.1\r\n"
            f"Authorization: Bearer {KEY}\r\nConnection: close\r\n")
    if method == "POST":
        head += f"Content-Type: {content_type}\r\nContent-Length: {len(body)}\r\n"
    return head.encode() + b"\r\n" + body


def connect(port):
    s = socket.create_connection(("127.0.0.1", port), timeout=30)
    s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    return s


def exchange(port, method, target, body=b"", content_type="application/json"):
    """One request on a connection of its own, read until the server ends it."""
    r = Reply()
    start = time.monotonic()
    with connect(port) as s:
        s.sendall(raw_request(method, target, body, content_type))
        while True:
            try:
                chunk = s.recv(65536)
            except ConnectionResetError:
                r.reset = True
                break
            if not chunk:
                break
            r.raw += chunk
    r.elapsed = time.monotonic() - start
    head, sep, rest = r.raw.partition(b"\r\n\r\n")
    if sep:
        lines = head.decode("latin-1").split("\r\n")
        r.status = int(lines[0].split(" ")[1])
        for line in lines[1:]:
            name, _, value = line.partition(":")
            r.headers[name.strip().lower()] = value.strip()
        r.body = rest
    return r


def generate(port, target="/v1/images/generations", fields=None):
    return exchange(port, "POST", target, json.dumps(fields or GENERATION).encode())


def png_size(data):
    check(data[:8] == b"\x89PNG\r\n\x1a\n", "a PNG signature")
    return struct.unpack(">II", data[16:24])


def check_normal(r, what):
    check_eq(r.status, 200, f"{what}: status")
    check(not r.reset, f"{what}: no reset")
    check_eq(len(r.body), int(r.headers["content-length"]), f"{what}: body length")
    images = r.json()["data"]
    check_eq(png_size(base64.b64decode(images[0]["b64_json"])), (256, 256), f"{what}: PNG size")


def check_error(r, status, error, what):
    check_eq(r.status, status, f"{what}: status")
    check_eq(r.headers.get("content-type"), "application/json", f"{what}: content type")
    check_eq(r.json(), {"error": error}, f"{what}: error body")


def expected_choice(seed, n, p):
    """The seeded choice the server documents: splitmix64(seed + n * golden), top 53 bits."""
    mask = (1 << 64) - 1
    x = (seed + n * 0x9E3779B97F4A7C15 + 0x9E3779B97F4A7C15) & mask
    x = ((x ^ (x >> 30)) * 0xBF58476D1CE4E5B9) & mask
    x = ((x ^ (x >> 27)) * 0x94D049BB133111EB) & mask
    x ^= x >> 31
    return (x >> 11) * 2.0 ** -53 < p


def test_help():
    out = subprocess.run([SERVER, "--help"], capture_output=True, text=True, timeout=30)
    check_eq(out.returncode, 0, "--help exit status")
    for word in ["--fault SPEC", "--log-requests FILE", "kind=K", "reset-before-headers",
                 "trickle-body", "header=Name:Value", "first=K", "after=K", "every=N",
                 "probability=P,seed=S", "path=P", "EXAMPLES",
                 "--fault kind=none,latency-ms=60000,after=5"]:
        check(word in out.stdout, f"--help mentions {word}")


def test_bad_specs_exit_2_naming_key_value_and_what_is_allowed():
    cases = [
        ("status=abc", ['"abc"', "status", "100 to 599"]),
        ("kind=explode", ['"explode"', "kind", "reset-before-headers", "trickle-body"]),
        ("kind=status,probability=1.5", ['"1.5"', "probability", "0 to 1"]),
        ("kind=status,colour=red", ["colour", '"red"', "allowed keys: kind, status"]),
        ("kind=status,first=2,every=3", ["first=2", "every=3", "one of first, after, every"]),
        ("kind=status,seed=7", ["seed=7", "probability"]),
        ("kind=status,chunk=5", ["chunk=5", "kind=status", "kind=trickle-body"]),
        ("kind=status,header=retry-after-ms", ['"retry-after-ms"', "header", "Name:Value"]),
        ("kind=status,status=429,status=430", ["status=429", "status=430", "twice"]),
        ("kind=status,every=0", ['"0"', "every", "1 or more"]),
        ("kind=status,path=images", ['"images"', "path", "/images/generations"]),
        ("kind", ['"kind"', "key=value"]),
    ]
    for spec, words in cases:
        out = subprocess.run([SERVER, "--plain", "--fault", "kind=none", "--fault", spec],
                             capture_output=True, text=True, timeout=30)
        check_eq(out.returncode, 2, f"exit status for --fault {spec}")
        check_eq(out.stdout, "", f"nothing served for --fault {spec}")
        for word in words:
            check(word in out.stderr, f"the message for --fault {spec} names {word}: {out.stderr!r}")


def test_status_faults_first_and_after():
    with Server("--fault", r"kind=status,status=429,type=tokens,code=rate_limit_exceeded,"
                           r"message=Slow down\, please,header=retry-after-ms:150,"
                           r"header=Retry-After:1,first=2",
                "--fault", "kind=status,status=503,param=model,header=x-should-retry:false,after=3"
                ) as srv:
        for i in (1, 2):
            r = generate(srv.port)
            check_error(r, 429, {"message": "Slow down, please", "type": "tokens", "param": None,
                                 "code": "rate_limit_exceeded"}, f"request {i}")
            check_eq(r.headers.get("retry-after-ms"), "150", f"request {i}: retry-after-ms")
            check_eq(r.headers.get("retry-after"), "1", f"request {i}: retry-after")
            check("x-should-retry" not in r.headers, f"request {i}: no x-should-retry")
        check_normal(generate(srv.port), "request 3")
        for i in (4, 5):
            r = generate(srv.port)
            check_error(r, 503, {"message": "The fake server was told to answer 503.",
                                 "type": "server_error", "param": "model", "code": None},
                        f"request {i}")
            check_eq(r.headers.get("x-should-retry"), "false", f"request {i}: x-should-retry")


def variation_body():
    boundary = "fault-flags-boundary"
    parts = [("image", b"\x89PNG\r\n\x1a\nnot really", 'filename="a.png"', "image/png"),
             ("model", b"dall-e-2", None, None), ("n", b"2", None, None),
             ("size", b"256x256", None, None)]
    body = b""
    for name, data, extra, ctype in parts:
        body += f"--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"".encode()
        if extra:
            body += f"; {extra}\r\nContent-Type: {ctype}".encode()
        body += b"\r\n\r\n" + data + b"\r\n"
    body += f"--{boundary}--\r\n".encode()
    return body, f"multipart/form-data; boundary={boundary}"


def test_every_nth_and_path():
    with Server("--fault", "kind=raw-body,status=502,body=<html>bad gateway</html>,every=3,"
                           "path=/images/generations",
                "--fault", "kind=malformed-json,body=not json,path=/v1/images/variations") as srv:
        body, ctype = variation_body()
        statuses = []
        for step in ["gen", "gen", "var", "gen", "other", "gen", "gen", "var", "gen", "gen"]:
            if step == "gen":
                r = generate(srv.port)
            elif step == "var":
                r = exchange(srv.port, "POST", "/v1/images/variations", body, ctype)
                check_eq(r.body, b"not json", "malformed-json body")
                check_eq(r.headers.get("content-type"), "application/json",
                         "malformed-json content type")
            else:
                r = exchange(srv.port, "GET", "/v1/models")
            statuses.append(r.status)
            if step == "gen" and r.status == 502:
                check_eq(r.body, b"<html>bad gateway</html>", "raw body")
                check_eq(r.headers.get("content-type"), "text/html", "raw body content type")
            elif step == "gen":
                check_normal(r, f"generation {len(statuses)}")
        # Generations 3 and 6 (path= with or without /v1: the same), not the other requests.
        check_eq(statuses, [200, 200, 200, 502, 404, 200, 200, 200, 502, 200],
                 "statuses in order")


def test_connection_faults():
    with Server("--fault", "kind=reset-before-headers,first=1",
                "--fault", "kind=reset-after-headers,header=x-fault:after,first=2",
                "--fault", "kind=truncated-body,first=3",
                "--fault", "kind=trickle-body,chunk=100,interval-ms=4,header=x-fault:trickle,"
                           "first=4") as srv:
        r = generate(srv.port)
        check(r.reset, "reset-before-headers: a reset")
        check_eq(r.raw, b"", "reset-before-headers: no byte")

        r = generate(srv.port)
        check_eq(r.status, 200, "reset-after-headers: status")
        check_eq(r.headers.get("x-fault"), "after", "reset-after-headers: scripted header")
        check(r.reset, "reset-after-headers: a reset")
        check(int(r.headers["content-length"]) > 0, "reset-after-headers: a content length")
        check_eq(r.body, b"", "reset-after-headers: no body byte")

        r = generate(srv.port)
        check_eq(r.status, 200, "truncated-body: status")
        check(not r.reset, "truncated-body: a clean close")
        length = int(r.headers["content-length"])
        check_eq(len(r.body), length // 2, "truncated-body: half the body")
        check(length > 100, "truncated-body: a real body")

        r = generate(srv.port)
        check_normal(r, "trickle-body")
        check_eq(r.headers.get("x-fault"), "trickle", "trickle-body: scripted header")
        writes = -(-len(r.body) // 100)
        check(r.elapsed >= (writes - 1) * 0.004,
              f"trickle-body: {writes} writes 4 ms apart took {r.elapsed:.3f} s")

        check_normal(generate(srv.port), "request 5")


def test_latency_after_k():
    with Server("--fault", "kind=none,latency-ms=300,after=1") as srv:
        check_normal(generate(srv.port), "request 1")
        r = generate(srv.port)
        check_normal(r, "request 2")
        check(r.elapsed >= 0.3, f"request 2 waited 300 ms ({r.elapsed:.3f} s)")


def statuses_with(seed, count):
    with Server("--fault", f"kind=status,status=500,probability=0.5,seed={seed}") as srv:
        return [generate(srv.port).status for _ in range(count)]


def test_seeded_probability_repeats():
    first = statuses_with(42, 24)
    check_eq(statuses_with(42, 24), first, "the same seed, the same requests")
    want = [500 if expected_choice(42, n, 0.5) else 200 for n in range(1, 25)]
    check_eq(first, want, "the documented choice for seed 42")
    check(200 in first and 500 in first, "both outcomes among 24 requests")
    other = statuses_with(43, 24)
    check_eq(other, [500 if expected_choice(43, n, 0.5) else 200 for n in range(1, 25)],
             "the documented choice for seed 43")
    check(other != first, "another seed, other requests")


def read_log(path):
    with open(path, encoding="utf-8") as f:
        return [json.loads(line) for line in f]


def test_request_log():
    with tempfile.TemporaryDirectory() as tmp:
        log = os.path.join(tmp, "requests.jsonl")
        with Server("--log-requests", log, "--fault", "kind=none,latency-ms=60000,after=2") as srv:
            prompt = 'an "otter", \u00fc \\ /'
            check_normal(generate(srv.port, fields={**GENERATION, "prompt": prompt, "n": 1}),
                         "request 1")
            body, ctype = variation_body()
            r = exchange(srv.port, "POST", "/v1/images/variations?x=1", body, ctype)
            check_eq(r.status, 400, "the variation's fake image is refused")
            check_eq(read_log(log), [
                {"n": 1, "method": "POST", "target": "/v1/images/generations",
                 "fields": {**GENERATION, "prompt": prompt, "n": 1}},
                {"n": 2, "method": "POST", "target": "/v1/images/variations?x=1",
                 "fields": {"model": "dall-e-2", "n": "2", "size": "256x256"}},
            ], "the log of two requests")

            # The 3rd request waits 60 s for its answer: its line is there before.
            with connect(srv.port) as s:
                s.sendall(raw_request("POST", "/v1/images/generations",
                                      json.dumps({**GENERATION, "prompt": "third"}).encode()))
                deadline = time.monotonic() + 20
                while len(read_log(log)) < 3 and time.monotonic() < deadline:
                    select.select([], [], [], 0.01)  # poll the file, bounded
                lines = read_log(log)
                check_eq(len(lines), 3, "the 3rd request logged")
                check_eq(lines[2]["fields"]["prompt"], "third", "the 3rd request's prompt")
                check_eq(lines[2]["n"], 3, "the 3rd request's number")
                readable, _, _ = select.select([s], [], [], 0)
                check(not readable, "the 3rd request is not answered yet")
        with open(log, "rb") as f:
            check(f.read().endswith(b"}\n"), "whole lines")


def main():
    tests = [test_help, test_bad_specs_exit_2_naming_key_value_and_what_is_allowed,
             test_status_faults_first_and_after, test_every_nth_and_path, test_connection_faults,
             test_latency_after_k, test_seeded_probability_repeats, test_request_log]
    failed = 0
    for test in tests:
        try:
            test()
            print(f"ok: {test.__name__}")
        except Failure as e:
            failed += 1
            print(f"FAILED: {test.__name__}: {e}")
    if failed:
        print(f"{failed} of {len(tests)} failed")
        return 1
    print("fault flags ok")
    return 0


if __name__ == "__main__":
    sys.exit(main())
