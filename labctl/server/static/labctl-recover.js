/* A participant's page stopped by an app error (the experiment's code failed): it waits, and
   loads the participant's page again by itself once the experimenter has acted. It listens on
   the participant's WebSocket (any move or "retry" reloads it); where WebSockets are blocked it
   asks every 5 s whether the error still stands. Reloads with GET (location.replace), so a
   failed form is never sent again. Bounded: it gives up asking after an hour. */
(function () {
  "use strict";
  var box = document.getElementById("app-error");
  if (!box) { return; }
  var step = box.getAttribute("data-step");
  var pageUrl = box.getAttribute("data-page-url");
  var wsUrl = box.getAttribute("data-ws-url");
  var statusUrl = box.getAttribute("data-status-url");
  var POLL_MS = 5000;
  var MAX_POLLS = 720;  // an hour of asking; the participant can still reload by hand
  var MAX_RECONNECTS = 5;
  var polls = 0;
  var reconnects = 0;
  var pollTimer = null;
  var leaving = false;

  function again() {
    if (leaving) { return; }
    leaving = true;
    window.location.replace(pageUrl);
  }

  function check() {
    polls += 1;
    if (polls > MAX_POLLS) { stopPolling(); return; }
    var request = new XMLHttpRequest();
    request.open("GET", statusUrl, true);
    request.setRequestHeader("Accept", "application/json");
    request.onload = function () {
      if (request.status !== 200) { return; }
      var answer = {};
      try { answer = JSON.parse(request.responseText); } catch (ignored) { return; }
      if (answer.standing === false) { again(); }
    };
    request.send();
  }

  function poll() {
    if (pollTimer === null) { pollTimer = window.setInterval(check, POLL_MS); }
  }

  function stopPolling() {
    if (pollTimer !== null) { window.clearInterval(pollTimer); pollTimer = null; }
  }

  function connect() {
    var scheme = window.location.protocol === "https:" ? "wss://" : "ws://";
    var socket;
    try { socket = new WebSocket(scheme + window.location.host + wsUrl); } catch (e) { poll(); return; }
    socket.onopen = function () { stopPolling(); check(); };  // acted before the socket opened?
    socket.onmessage = function (event) {
      var message = {};
      try { message = JSON.parse(event.data); } catch (ignored) { return; }
      if (message.type === "position") {
        if (String(message.step) !== step) { again(); }
      } else if (message.type !== "ping") {
        again();  // moved on (Advance, Release) or "retry": show the page again
      }
    };
    socket.onclose = function () {
      if (leaving) { return; }
      poll();
      reconnects += 1;
      if (reconnects <= MAX_RECONNECTS) {
        window.setTimeout(connect, 1000 * Math.pow(2, reconnects));
      }
    };
  }

  connect();
}());
