// Live capture: asks the server for a fresh challenge, records the camera with MediaRecorder while
// showing each move in turn, uploads the clip and shows the server's verdict. No inline script:
// URLs and words come from the #liveness element's data attributes.
(function () {
  "use strict";
  var box = document.getElementById("liveness");
  if (!box) { return; }
  var preview = document.getElementById("liveness-preview");
  var step = document.getElementById("liveness-step");
  var verdict = document.getElementById("liveness-verdict");
  var start = document.getElementById("liveness-start");
  var STRAIGHT_MS = 1200, TURN_MS = 1100, BACK_MS = 700, HOLD_MS = 1600;

  function text(name) { return box.dataset["text" + name.charAt(0).toUpperCase() + name.slice(1)]; }
  function wait(ms) { return new Promise(function (resolve) { window.setTimeout(resolve, ms); }); }
  function post(url, body) {
    return fetch(url, { method: "POST", body: body, credentials: "same-origin",
      headers: { "X-CSRFToken": box.dataset.csrf, Accept: "application/json" } })
      .then(function (response) { return response.json(); });
  }
  function show(result) {
    verdict.textContent = result.message;
    verdict.className = result.passed ? "good" : "bad";
    verdict.dataset.code = result.code;
    start.disabled = false;
  }
  function perform(sequence) {
    var chain = Promise.resolve();
    step.textContent = text("straight");
    chain = chain.then(function () { return wait(STRAIGHT_MS); });
    sequence.forEach(function (move) {
      chain = chain.then(function () {
        step.textContent = text(move);
        if (move === "hold") { return wait(HOLD_MS); }
        return wait(TURN_MS).then(function () { step.textContent = text("back"); return wait(BACK_MS); });
      });
    });
    return chain;
  }
  function record(stream, challenge) {
    var types = ["video/webm;codecs=vp8", "video/webm", "video/mp4"];
    var type = types.filter(function (t) { return window.MediaRecorder.isTypeSupported(t); })[0] || "";
    var recorder = new window.MediaRecorder(stream, type ? { mimeType: type } : {});
    var chunks = [];
    recorder.ondataavailable = function (event) { if (event.data.size) { chunks.push(event.data); } };
    var stopped = new Promise(function (resolve) { recorder.onstop = resolve; });
    recorder.start(250);
    return perform(challenge.sequence).then(function () {
      recorder.stop();
      return stopped;
    }).then(function () {
      stream.getTracks().forEach(function (track) { track.stop(); });
      step.textContent = text("uploading");
      var body = new FormData();
      body.append("challenge_id", challenge.id);
      body.append("clip", new Blob(chunks, { type: recorder.mimeType || "video/webm" }),
        (recorder.mimeType || "").indexOf("mp4") >= 0 ? "capture.mp4" : "capture.webm");
      return post(box.dataset.clipUrl, body);
    });
  }
  start.addEventListener("click", function () {
    start.disabled = true;
    verdict.textContent = "";
    navigator.mediaDevices.getUserMedia({ video: { width: 640, height: 480 }, audio: false })
      .then(function (stream) {
        preview.srcObject = stream;
        return post(box.dataset.challengeUrl, new FormData()).then(function (challenge) {
          if (!challenge.id) { stream.getTracks().forEach(function (t) { t.stop(); }); return challenge; }
          return record(stream, challenge);
        });
      }, function () { return { passed: false, code: "no_camera", message: text("noCamera") }; })
      .then(function (result) { step.textContent = ""; show(result); })
      .catch(function () { show({ passed: false, code: "error", message: text("noCamera") }); });
  });
})();
