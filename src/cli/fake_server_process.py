"""What the tool's Python tests share: failing with a message, polling for a
condition, and fake-openai-server as a process on 127.0.0.1 with its request
log."""
import json
import os
import re
import subprocess
import sys
import time

KEY = "sk-test-key"
PNG_HEAD = bytes.fromhex("89504e470d0a1a0a")
PNG_TAIL = bytes.fromhex("49454e44ae426082")  # the IEND chunk ends every whole PNG


def fail(message):
    print("FAIL: " + message, file=sys.stderr)
    sys.exit(1)


def wait_until(what, predicate, seconds=60):
    """Polls `predicate` until it holds; fails after `seconds`."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.01)
    fail("timed out waiting for " + what)


class Server:
    """fake-openai-server over plain HTTP on a free port of 127.0.0.1, each
    request appended to `log`, with the --fault specs given."""

    def __init__(self, exe, directory, log, faults=()):
        os.makedirs(directory, exist_ok=True)
        self.out = os.path.join(directory, "server.out")
        self.log = log
        args = [exe, "--plain", "--port", "0", "--api-key", KEY, "--log-requests", log]
        for f in faults:
            args += ["--fault", f]
        self.proc = subprocess.Popen(args, stdout=open(self.out, "w"), stderr=subprocess.STDOUT)
        self.url = None

        def listening():
            if self.proc.poll() is not None:
                fail("fake-openai-server exited: " + open(self.out).read())
            m = re.search(r"listening on (http://127\.0\.0\.1:\d+/v1)", open(self.out).read())
            self.url = m.group(1) if m else None
            return self.url is not None

        wait_until("the server's URL", listening)

    def requests(self, method=None, prefix=""):
        """The logged requests, those of `method` to targets starting with `prefix`."""
        if not os.path.exists(self.log):
            return []
        with open(self.log) as f:
            entries = [json.loads(line) for line in f if line.strip()]
        return [e for e in entries
                if (method is None or e["method"] == method) and e["target"].startswith(prefix)]

    def stop(self):
        self.proc.kill()
        self.proc.wait()
