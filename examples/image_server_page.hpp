// The page of image_server: a prompt, and the image as it is drawn. It reads
// GET /stream (server-sent events: "partial" for each partial image, then
// "final", or "failure") and shows each image once the browser has decoded
// it, so the picture sharpens in place. What it received is written into the
// page (the list, the status, body[data-state]) and resolved as
// `window.result`, for a person and for a browser test alike.
#pragma once

#include <string_view>

inline constexpr std::string_view image_server_page = R"html(<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>image server</title>
<style>
  body { font-family: sans-serif; margin: 1em 2em; color: #222; }
  h1 { margin: 0.3em 0; }
  #image { float: left; width: 320px; height: 320px; margin: 1em 1.5em 1em 0;
           background: #eee; object-fit: contain; }
  #events { font-size: 0.9em; color: #555; }
</style>
</head>
<body data-state="idle">
<h1>Draw</h1>
<form>
  <input name="prompt" size="40" aria-label="prompt">
  <label>partial images <input name="partial_images" type="number" min="0" max="3"></label>
  <button>Draw</button>
</form>
<img id="image" alt="">
<p id="status">type a prompt</p>
<ol id="events"></ol>
<script>
"use strict";
const params = new URLSearchParams(location.search);
const prompt = params.get("prompt");
const partials = params.get("partial_images") || "3";
const form = document.forms[0];
form.prompt.value = prompt || "a sea otter in a kelp forest";
form.partial_images.value = partials;
const image = document.getElementById("image");
const status = document.getElementById("status");
const list = document.getElementById("events");

// Images are shown in the order their events came, each once decoded.
let shown = Promise.resolve();
function show(kind, data) {
  const decoded = new Image();
  decoded.src = "data:image/" + data.output_format + ";base64," + data.b64_json;
  shown = shown.then(() => decoded.decode()).then(() => {
    image.src = decoded.src;
    const item = document.createElement("li");
    item.dataset.kind = kind;
    item.textContent = (kind === "partial" ? "partial image " + data.index : "final image") +
                       ": " + decoded.naturalWidth + "x" + decoded.naturalHeight;
    list.append(item);
    return { index: data.index, width: decoded.naturalWidth, height: decoded.naturalHeight };
  });
  return shown;
}

window.result = new Promise(resolve => {
  if (!prompt) { resolve(null); return; }
  const summary = { partials: [], final: null, error: null };
  const end = (state, text) => {
    status.textContent = text;
    document.body.dataset.state = state;
    resolve(summary);
  };
  const source = new EventSource("/stream?" + new URLSearchParams({ prompt, partial_images: partials }));
  document.body.dataset.state = "drawing";
  status.textContent = "drawing...";
  // A handler that throws (data that is not JSON) still ends the page's wait.
  const handle = (e, act) => {
    try { act(JSON.parse(e.data)); } catch (err) {
      source.close();
      summary.error = String(err);
      end("failed", "bad event: " + summary.error);
    }
  };
  source.addEventListener("partial", e => handle(e, data => {
    show("partial", data).then(r => summary.partials.push(r), () => {});
  }));
  source.addEventListener("final", e => {
    source.close();  // the answer is whole: no reconnection, no second image
    handle(e, data => show("final", data).then(r => {
      summary.final = r;
      end("done", "done: " + summary.partials.length + " partial images, then the final image");
    }, err => { summary.error = String(err); end("failed", "cannot show the image"); }));
  });
  source.addEventListener("failure", e => {
    source.close();
    handle(e, data => {
      summary.error = data.message;
      end("failed", "failed: " + summary.error);
    });
  });
  source.onerror = () => {
    // EventSource would reconnect and ask for (and pay for) another image.
    if (summary.final || summary.error) return;
    source.close();
    summary.error = "the connection to the server was lost";
    end("failed", summary.error);
  };
});
</script>
</body>
</html>
)html";
