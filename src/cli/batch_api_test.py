#!/usr/bin/env python3
"""batch --via batch-api against fake-openai-server on 127.0.0.1.

1. kill -9 between submit and collect: the tool is killed while it waits for
   its three batches (generations, an edit, generations); the same command
   resumes the job, uploads and creates nothing again, saves every answered
   line once (whole PNGs, named by line) and records the two refused lines as
   failed; the command once more sends only those two, as a new job.
2. --no-wait, then --cancel, then the same command: exit 3 while the batches
   run, 0 for the cancel, and every line is then recorded, done or failed.
Usage: batch_api_test.py OPENAI_IMAGES FAKE_OPENAI_SERVER WORK_DIR
"""
import json
import os
import shutil
import signal
import struct
import subprocess
import sys
import zlib

from fake_server_process import KEY, PNG_HEAD, PNG_TAIL, Server, fail, wait_until

CLI, SERVER, WORK = sys.argv[1], sys.argv[2], sys.argv[3]
LINES = 40
REFUSED = {7, 23}  # lines the fake server answers with a moderation refusal
EDIT_LINE = 12
MANIFEST = "openai-images-manifest.jsonl"
JOB = "openai-images-batch-job"


def small_png(path):
    def chunk(kind, data):
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))
    raw = b"".join(b"\x00" + b"\x80\x40\x20" * 8 for _ in range(8))
    with open(path, "wb") as f:
        f.write(PNG_HEAD + chunk(b"IHDR", struct.pack(">IIBBBBB", 8, 8, 8, 2, 0, 0, 0)) +
                chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b""))


def write_prompts(work):
    image = os.path.join(work, "in.png")
    small_png(image)
    path = os.path.join(work, "prompts.jsonl")
    with open(path, "w") as f:
        for i in range(1, LINES + 1):
            line = {"prompt": "prompt %d" % i}
            if i == EDIT_LINE:
                line = {"operation": "edit", "image": image, "prompt": "edit %d" % i}
            if i in REFUSED:
                line["user"] = "fake-server:moderation_blocked"
            f.write(json.dumps(line) + "\n")
    return path


def tool(url, prompts, out_dir, *extra):
    args = [CLI, "batch", "--via", "batch-api", "--prompts", prompts, "--out", out_dir,
            "--base-url", url, "--api-key", KEY, "--model", "gpt-image-1-mini", "--size",
            "1024x1024", "--quality", "low", "--retries", "0"] + list(extra)
    return subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def finish(proc, expected_rc, what):
    stdout, stderr = proc.communicate(timeout=120)
    if proc.returncode != expected_rc:
        fail("%s exited %d, expected %d\n%s\n%s" % (what, proc.returncode, expected_rc, stdout,
                                                    stderr))
    return stdout, stderr


def latest_records(out_dir):
    latest = {}
    path = os.path.join(out_dir, MANIFEST)
    if os.path.exists(path):
        with open(path) as f:
            for line in f:
                if line.strip():
                    r = json.loads(line)
                    latest[r["line"]] = r
    return latest


def check_out(out_dir, failed_lines):
    records = latest_records(out_dir)
    if sorted(records) != list(range(1, LINES + 1)):
        fail("the manifest has lines %s" % sorted(records))
    listed = set()
    for line, r in records.items():
        if line in failed_lines:
            if r["status"] != "failed" or "moderation" not in r["error"]:
                fail("line %d should have failed with the refusal: %s" % (line, r))
            continue
        if r["status"] != "done" or r["files"] != ["%04d.png" % line]:
            fail("line %d: %s" % (line, r))
        listed.add(r["files"][0])
    images = sorted(n for n in os.listdir(out_dir) if n.endswith(".png"))
    if set(images) != listed:
        fail("files %s, the manifest lists %s" % (images, sorted(listed)))
    for name in images:
        with open(os.path.join(out_dir, name), "rb") as f:
            data = f.read()
        if not data.startswith(PNG_HEAD) or not data.endswith(PNG_TAIL):
            fail(name + " is not a whole PNG")


def job_state(out_dir):
    try:
        with open(os.path.join(out_dir, JOB, "job.json")) as f:
            return json.load(f)
    except (OSError, ValueError):
        return None


def kill_between_submit_and_collect():
    work = os.path.join(WORK, "kill")
    os.makedirs(work)
    prompts = write_prompts(work)
    out_dir = os.path.join(work, "out")
    server = Server(SERVER, os.path.join(work, "server"), os.path.join(work, "requests.jsonl"))

    # Polls every 60 s: once its three batches are created and polled, the
    # tool waits, and is killed there.
    proc = tool(server.url, prompts, out_dir, "--poll", "60")
    wait_until("the first poll of the three batches",
               lambda: len(server.requests("GET", "/v1/batches/")) >= 3)
    proc.send_signal(signal.SIGKILL)
    proc.communicate()
    state = job_state(out_dir)
    if not state or len(state["parts"]) != 3 or not all(p["batch_id"] for p in state["parts"]):
        fail("after the kill the job should hold three created batches: %s" % state)
    if latest_records(out_dir) or any(n.endswith(".png") for n in os.listdir(out_dir)):
        fail("nothing should be collected before the kill")

    # The same command resumes: nothing uploaded or created again.
    stdout, stderr = finish(tool(server.url, prompts, out_dir, "--poll", "0.01"), 1, "the resume")
    if "resuming job " + state["job_id"] not in stderr:
        fail("the resume does not say it resumes %s:\n%s" % (state["job_id"], stderr))
    uploads = len(server.requests("POST", "/v1/files"))
    creates = len(server.requests("POST", "/v1/batches"))
    if uploads != 3 or creates != 3:
        fail("%d uploads and %d batches created, expected 3 and 3" % (uploads, creates))
    check_out(out_dir, REFUSED)
    mtimes = {n: os.stat(os.path.join(out_dir, n)).st_mtime_ns for n in os.listdir(out_dir)
              if n.endswith(".png")}

    # Once more: only the two refused lines go, as a new job of one batch.
    stdout, stderr = finish(tool(server.url, prompts, out_dir, "--poll", "0.01"), 1, "the rerun")
    if "%d lines already done" % (LINES - len(REFUSED)) not in stderr:
        fail("the rerun does not say it skipped the lines done:\n%s" % stderr)
    if len(server.requests("POST", "/v1/files")) != 4:
        fail("the rerun should upload one input file")
    check_out(out_dir, REFUSED)
    for n, t in mtimes.items():
        if os.stat(os.path.join(out_dir, n)).st_mtime_ns != t:
            fail(n + " was written again")
    server.stop()
    print("kill between submit and collect: resumed job %s, 3 uploads and 3 batches in all, "
          "%d lines saved, %d refused" % (state["job_id"], LINES - len(REFUSED), len(REFUSED)))


def no_wait_then_cancel():
    work = os.path.join(WORK, "cancel")
    os.makedirs(work)
    prompts = write_prompts(work)
    out_dir = os.path.join(work, "out")
    server = Server(SERVER, os.path.join(work, "server"), os.path.join(work, "requests.jsonl"))
    stdout, _ = finish(tool(server.url, prompts, out_dir, "--no-wait"), 3, "--no-wait")
    if "the same command again goes on" not in stdout:
        fail("--no-wait does not say how to go on:\n" + stdout)
    stdout, _ = finish(tool(server.url, prompts, out_dir, "--cancel"), 0, "--cancel")
    if stdout.count(" cancelling") + stdout.count(" cancelled") != 3:
        fail("--cancel should show three batches cancelling or cancelled:\n" + stdout)
    finish(tool(server.url, prompts, out_dir, "--poll", "0.01"), 1, "the collect after --cancel")
    records = latest_records(out_dir)
    if sorted(records) != list(range(1, LINES + 1)):
        fail("after the cancel every line should be recorded: %s" % sorted(records))
    cancelled = [r for r in records.values() if "cancelled" in r.get("error", "")]
    if not cancelled:
        fail("no line records the cancellation")
    server.stop()
    print("--no-wait exited 3, --cancel cancelled 3 batches, %d lines recorded as cancelled"
          % len(cancelled))


shutil.rmtree(WORK, ignore_errors=True)
os.makedirs(WORK)
kill_between_submit_and_collect()
no_wait_then_cancel()
print("cli batch api test ok")
