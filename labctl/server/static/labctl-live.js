/* labctl's live client: oTree's liveSend(data) and liveRecv(data) on a page (or a wait page with
   a template of its own) with a live_method.

   Loaded (not deferred) before the app's own scripts, so app code may call liveSend at once:
   messages sent before the connection is open wait in a queue. The page talks to its
   participant's live socket, /p/<code>/live; each message carries the page's step, so the server
   refuses a message from a page the participant has left. Every delivery has an id: a socket
   that drops reconnects with back-off and asks for what it missed (?after=<last id>), and where
   WebSockets are blocked the page sends over HTTP and polls /p/<code>/live/messages instead.
   Refusals and errors go to labctl.live.onError(message); by default a small notice on the page.

   window.labctl is shared with labctl.js (js_vars): each script adds to it, never replaces it. */
(function () {
  "use strict";

  var RECONNECT_MAX_MS = 30000;  // the longest wait between two attempts to reopen the socket
  var POLL_MS = 1000;            // how often deliveries are polled while the socket is down
  var SILENCE_MS = 50000;        // the server pings every 20 s: longer silence is a dead socket
  // the participant's texts come translated from the page (labctl.t, labctl.js); the detailed
  // reason of a refusal goes to the console and to the app's onError, in English
  function text(key) {
    return window.labctl && typeof window.labctl.t === "function" ? window.labctl.t(key) : key;
  }

  var labctl = window.labctl = window.labctl || {};
  var live = labctl.live = labctl.live || {};
  var queued = [];          // messages sent before the page was ready
  var unanswered = {};      // id -> true: sent on the socket, not yet answered
  var nextId = 1;
  var lastDelivery = 0;     // the id of the last delivery handed to liveRecv
  var socket = null;
  var socketOpen = false;
  var attempts = 0;
  var pollTimer = null;
  var silence = null;
  var stopped = false;
  var step = null;
  var base = null;          // /p/<code>/

  live.onError = live.onError || null;

  // what the page does with a refusal or an error: the app's handler, or a small notice; a
  // server's reason (in English, for the researcher) is shown to the participant as a
  // translated "could not be completed", a translated text as it is
  function reportError(message, translated) {
    if (typeof live.onError === "function") {
      try { live.onError(message); } catch (e) { window.console.error(e); }
      return;
    }
    window.console.error("labctl live: " + message);
    if (!translated) { message = text("live.failed"); }
    var notice = document.getElementById("labctl-live-error");
    if (!notice) {
      notice = document.createElement("p");
      notice.id = "labctl-live-error";
      notice.className = "live-error";
      notice.setAttribute("role", "status");
      var main = document.getElementById("main") || document.body;
      if (!main) { return; }
      main.appendChild(notice);
    }
    notice.textContent = message;
  }

  function deliver(message) {
    if (typeof message.id !== "number" || message.id <= lastDelivery) { return; }  // resent
    lastDelivery = message.id;
    if (typeof window.liveRecv === "function") {
      try { window.liveRecv(message.data); } catch (e) { window.console.error(e); }
    }
  }

  function handle(message) {
    if (message.type === "live") { deliver(message); return; }
    if (message.type === "ack") { delete unanswered[message.id]; return; }
    if (message.type === "error") { delete unanswered[message.id]; reportError(message.message); }
  }

  // -- over HTTP, where WebSockets are blocked ------------------------------------------------
  function httpSend(data) {
    var request = new XMLHttpRequest();
    request.open("POST", base + "live/messages", true);
    request.timeout = 15000;
    request.setRequestHeader("Content-Type", "application/json");
    request.onload = function () {
      var answer = {};
      try { answer = JSON.parse(request.responseText); } catch (ignored) { /* not JSON */ }
      if (request.status !== 200) { reportError(answer.error || "the server refused the message"); }
      poll();
    };
    request.onerror = function () { reportError(text("live.lost"), true); };
    request.ontimeout = request.onerror;
    request.send(JSON.stringify({ step: step, data: data }));
  }

  function poll() {
    if (stopped) { return; }
    var request = new XMLHttpRequest();
    request.open("GET", base + "live/messages?after=" + lastDelivery, true);
    request.timeout = 10000;
    request.onload = function () {
      if (request.status !== 200) { return; }
      try { JSON.parse(request.responseText).deliveries.forEach(deliver); } catch (ignored) { /* next poll */ }
    };
    request.send();
  }

  function startPolling() {
    if (pollTimer === null && !stopped) { poll(); pollTimer = window.setInterval(poll, POLL_MS); }
  }
  function stopPolling() {
    if (pollTimer !== null) { window.clearInterval(pollTimer); pollTimer = null; }
  }

  // -- the socket -----------------------------------------------------------------------------
  function socketSend(data) {
    var id = nextId++;
    unanswered[id] = true;
    socket.send(JSON.stringify({ op: "send", step: step, data: data, id: id }));
  }

  function send(data) {
    if (socketOpen) { socketSend(data); } else { httpSend(data); }
  }

  function flush() {
    while (queued.length) { send(queued.shift()); }
  }

  function heard() {
    if (silence !== null) { window.clearTimeout(silence); }
    silence = window.setTimeout(function () { if (socket) { socket.close(); } }, SILENCE_MS);
  }

  function backoff() {
    var ms = Math.min(RECONNECT_MAX_MS, 1000 * Math.pow(2, Math.min(attempts, 10)));
    return ms / 2 + Math.random() * ms / 2;
  }

  function connect() {
    if (stopped) { return; }
    if (!("WebSocket" in window)) { startPolling(); flush(); return; }
    var scheme = window.location.protocol === "https:" ? "wss://" : "ws://";
    try {
      socket = new WebSocket(scheme + window.location.host + base + "live?after=" + lastDelivery);
    } catch (e) {
      startPolling(); flush(); return;
    }
    socket.onopen = function () {
      attempts = 0;
      socketOpen = true;
      stopPolling();
      heard();
      flush();
    };
    socket.onmessage = function (event) {
      heard();
      var message;
      try { message = JSON.parse(event.data); } catch (ignored) { return; }
      handle(message);
    };
    socket.onclose = function () {
      var wasOpen = socketOpen;
      socketOpen = false;
      socket = null;
      if (silence !== null) { window.clearTimeout(silence); silence = null; }
      if (stopped) { return; }
      if (Object.keys(unanswered).length) { unanswered = {}; reportError(text("live.lost"), true); }
      startPolling();
      if (!wasOpen) { flush(); }  // never opened (blocked): what waits goes over HTTP
      attempts += 1;
      window.setTimeout(connect, backoff());
    };
  }

  function stop() {
    stopped = true;
    stopPolling();
    if (socket) { try { socket.close(); } catch (ignored) { /* closed */ } }
  }

  // oTree's names: the app calls liveSend(data) and defines function liveRecv(data)
  window.liveSend = function (data) {
    if (stopped) { return; }
    if (step === null) { queued.push(data); return; }
    if (socketOpen || pollTimer !== null) { send(data); } else { queued.push(data); }
  };
  live.send = window.liveSend;

  function start() {
    // a page's form, or a wait page's box (a wait page with a live_method): both carry the step
    var form = document.getElementById("page-form") || document.getElementById("wait-page");
    var found = /^(.*\/p\/[^/]+\/)/.exec(window.location.pathname);
    if (!form || !found) { reportError("this page cannot send live messages"); return; }
    step = parseInt(form.getAttribute("data-step"), 10);
    base = found[1];
    connect();
  }

  window.addEventListener("pagehide", stop);  // labctl.js replaces the document on submit
  if (document.readyState !== "loading") { start(); } else { document.addEventListener("DOMContentLoaded", start); }
}());
