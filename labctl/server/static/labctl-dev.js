/* labctl dev: reloads the page when the dev server has reloaded the project (labctl/server/dev.py).

   The dev server adds this script to every page it serves. It listens on /_dev/ws, which first
   says which reload the server is at and then announces each reload; a page made before the
   latest reload loads itself again. A participant's old link then redirects to the same
   participant number in the recreated session, on the page they had open. A note from the
   server (data-note: why a participant is not back on their page) is shown at the top. */
(function () {
  "use strict";

  var MAX_ATTEMPTS = 200;      // reconnect at most this many times (the server was stopped)
  var RETRY_MAX_MS = 5000;
  var script = document.currentScript;
  if (!script) { return; }
  var generation = parseInt(script.getAttribute("data-generation"), 10);
  var note = script.getAttribute("data-note");
  var attempts = 0;

  function showNote() {
    if (!note) { return; }
    var box = document.createElement("div");
    box.className = "notice";
    box.id = "dev-note";
    box.setAttribute("role", "status");
    box.textContent = note;
    var main = document.getElementById("main") || document.body;
    main.insertBefore(box, main.firstChild);
  }

  function connect() {
    if (!("WebSocket" in window) || attempts > MAX_ATTEMPTS) { return; }
    var scheme = window.location.protocol === "https:" ? "wss://" : "ws://";
    // a form's answer replaces the document but keeps the window: one socket per window
    var previous = window.labctlDevSocket;
    if (previous) { previous.onclose = null; previous.close(); }
    var socket = new WebSocket(scheme + window.location.host + "/_dev/ws");
    window.labctlDevSocket = socket;
    socket.onopen = function () { attempts = 0; };
    socket.onmessage = function (event) {
      var message = {};
      try { message = JSON.parse(event.data); } catch (ignored) { return; }
      if (message.type === "reload" && message.generation !== generation) {
        socket.onclose = null;
        window.location.reload();
      }
    };
    socket.onclose = function () {
      if (window.labctlDevSocket !== socket) { return; }
      attempts += 1;
      window.setTimeout(connect, Math.min(RETRY_MAX_MS, 250 * attempts));
    };
  }

  if (document.readyState !== "loading") { showNote(); } else { document.addEventListener("DOMContentLoaded", showNote); }
  connect();
}());
