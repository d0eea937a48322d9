#!/usr/bin/env python3
"""kill -9 of openai-images in the middle of a batch, then the same command again.

For each point of the batch (before any answer, after some images were saved,
in the middle of an answer's body, with one line left), against
fake-openai-server on 127.0.0.1:
  1. the server answers the first K requests and holds the others (a long
     latency, or a body trickled byte by byte); the tool is killed with
     SIGKILL once its manifest records K lines done;
  2. every image the manifest lists is a whole PNG, and no file under an
     image's final name is partial;
  3. the same command against a fresh server exits 0, says how many lines it
     skipped, and the server receives exactly the lines not done (none that
     was done);
  4. the manifest and the files agree: every line done once, its files there,
     no other image, no temporary file left.
Usage: kill_test.py OPENAI_IMAGES FAKE_OPENAI_SERVER WORK_DIR
"""
import json
import os
import shutil
import signal
import subprocess
import sys

from fake_server_process import KEY, PNG_HEAD, PNG_TAIL, Server, fail, wait_until

CLI, SERVER, WORK = sys.argv[1], sys.argv[2], sys.argv[3]
LINES = 12
MANIFEST = "openai-images-manifest.jsonl"


def manifest_records(out_dir):
    path = os.path.join(out_dir, MANIFEST)
    if not os.path.exists(path):
        return []
    records = []
    with open(path) as f:
        for line in f.read().split("\n"):
            if line.strip():
                try:
                    records.append(json.loads(line))
                except ValueError:
                    pass  # a torn last line: the tool drops it on its next run
    return records


def done_lines(out_dir):
    latest = {}
    for r in manifest_records(out_dir):
        latest[r["line"]] = r
    return {line: r for line, r in latest.items() if r["status"] == "done"}


def check_png(path):
    with open(path, "rb") as f:
        data = f.read()
    if not data.startswith(PNG_HEAD) or not data.endswith(PNG_TAIL):
        fail(path + " is not a whole PNG (" + str(len(data)) + " bytes)")


def check_files(out_dir, final):
    """Every image the manifest lists is whole; with `final`, exactly those exist."""
    done = done_lines(out_dir)
    listed = set()
    for line, r in done.items():
        for name in r["files"]:
            listed.add(name)
            path = os.path.join(out_dir, name)
            if not os.path.exists(path):
                fail("line %d is done but %s is missing" % (line, path))
            check_png(path)
    images = [n for n in os.listdir(out_dir) if n.endswith(".png") and not n.startswith(".")]
    for name in images:
        check_png(os.path.join(out_dir, name))  # never a partial file under a final name
    if final:
        if set(images) != listed:
            fail("files %s but the manifest lists %s" % (sorted(images), sorted(listed)))
        leftovers = [n for n in os.listdir(out_dir) if ".tmp-" in n]
        if leftovers:
            fail("temporary files left: %s" % leftovers)
    return done


def logged_prompts(log):
    prompts = []
    if os.path.exists(log):
        with open(log) as f:
            for line in f:
                if line.strip():
                    prompts.append(json.loads(line)["fields"]["prompt"])
    return prompts


def run_tool(url, prompts, out_dir, **popen):
    args = [CLI, "batch", "--prompts", prompts, "--out", out_dir, "--base-url", url, "--api-key",
            KEY, "--model", "gpt-image-1-mini", "--size", "1024x1024", "--quality", "low",
            "--concurrency", "3", "--retries", "0"]
    return subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            **popen)


def scenario(name, answered, hold):
    work = os.path.join(WORK, name)
    shutil.rmtree(work, ignore_errors=True)
    os.makedirs(work)
    prompts = os.path.join(work, "prompts.txt")
    with open(prompts, "w") as f:
        f.write("# kill test\n")
        for i in range(1, LINES + 1):
            f.write("prompt %d\n" % i)
    out_dir = os.path.join(work, "out")

    # 1. The first `answered` requests are answered; the rest are held.
    first_log = os.path.join(work, "first.jsonl")
    server = Server(SERVER, os.path.join(work, "s1"), first_log, [hold + ",after=%d" % answered])
    tool = run_tool(server.url, prompts, out_dir)
    wait_until("%d lines done" % answered, lambda: len(done_lines(out_dir)) >= answered)
    # The held requests have reached the server: the tool is waiting on them.
    wait_until("the held requests", lambda: len(logged_prompts(first_log)) >= answered + 1)
    tool.send_signal(signal.SIGKILL)
    tool.communicate()
    server.stop()

    # 2. What was saved is whole.
    done = check_files(out_dir, final=False)
    if len(done) != answered:
        fail("%s: %d lines done after the kill, expected %d" % (name, len(done), answered))
    done_prompts = {"prompt %d" % (line - 1) for line in done}  # line 1 is the comment

    # 3. The same command again sends only the lines not done.
    second_log = os.path.join(work, "second.jsonl")
    server = Server(SERVER, os.path.join(work, "s2"), second_log)
    tool = run_tool(server.url, prompts, out_dir)
    stdout, stderr = tool.communicate(timeout=120)
    server.stop()
    if tool.returncode != 0:
        fail("%s: the rerun exited %d\n%s\n%s" % (name, tool.returncode, stdout, stderr))
    if answered > 0 and ("resuming: %d line" % answered) not in stderr:
        fail("%s: the rerun does not say it skipped %d lines:\n%s" % (name, answered, stderr))
    sent = logged_prompts(second_log)
    expected = {"prompt %d" % i for i in range(1, LINES + 1)} - done_prompts
    if sorted(sent) != sorted(expected):
        fail("%s: the rerun sent %s, expected %s" % (name, sorted(sent), sorted(expected)))

    # 4. Every line done once, and the files are the manifest's.
    done = check_files(out_dir, final=True)
    if len(done) != LINES:
        fail("%s: %d lines done after the rerun, expected %d" % (name, len(done), LINES))
    first_sent = logged_prompts(first_log)
    print("%s: killed with %d of %d lines saved (%d requests had reached the server); the rerun "
          "sent %d, skipped %d" % (name, answered, LINES, len(first_sent), len(sent), answered))


shutil.rmtree(WORK, ignore_errors=True)
os.makedirs(WORK)
held = "kind=none,latency-ms=600000"
scenario("before_any_answer", 0, held)
scenario("after_some_saved", 4, held)
scenario("in_the_middle_of_a_body", 7, "kind=trickle-body,chunk=16,interval-ms=50")
scenario("one_line_left", LINES - 1, held)
print("kill test ok")
