/* labctl's participant script: page timers, submits that survive a lost connection, and pages
   that follow their participant.

   Every page a participant has open follows them: wait pages and form pages listen on the
   participant's WebSocket (/p/<code>/ws) and load the current page the moment someone else moves
   them on (a release, the experimenter's Advance, a timeout), polling /p/<code>/position while
   the socket is down. A form is sent with fetch rather than by the browser, so that a network
   failure shows "Connection lost, retrying..." and sends the same form (the same step: the server
   refuses it for any other page) again until the server answers, instead of the browser's own
   error page; the answer (the next page) then replaces the document. Without scripts the plain
   form posts as before. */
(function () {
  "use strict";

  var RECONNECT_MAX_MS = 30000;  // the longest wait between two attempts to reopen the socket
  var RETRY_MAX_MS = 10000;      // the longest wait between two attempts to send a form
  var SUBMIT_TIMEOUT_MS = 30000; // a submit with no answer by then is sent again
  var WAIT_POLL_MS = 2000;       // how often a wait page polls its position while the socket is
  var FORM_POLL_MS = 5000;       // down; a form page, where nobody waits for a release, less often
  var SILENCE_MS = 50000;        // the server pings every 20 s: longer silence is a dead socket
  // The page's texts in the participant's language: the server puts them in
  // <script type="application/json" id="labctl-texts"> (labctl/i18n/client_texts.py, where a
  // new text gets its key). labctl.t("key", {name: value}) returns one with its {name}
  // placeholders filled; every script of labctl (chat, live pages) takes its texts from here.
  var texts = null;
  function t(key, values) {
    if (texts === null) {
      var element = document.getElementById("labctl-texts");
      try { texts = element ? JSON.parse(element.textContent) : {}; } catch (e) { texts = {}; }
    }
    var text = Object.prototype.hasOwnProperty.call(texts, key) ? texts[key] : key;
    return text.replace(/\{(\w+)\}/g, function (whole, name) {
      return values && Object.prototype.hasOwnProperty.call(values, name) ? String(values[name]) : whole;
    });
  }
  window.labctl = window.labctl || {};
  window.labctl.t = t;
  // answers a proxy or a server that cannot save gives while it is down: the form is sent again
  var RETRY_STATUSES = { 502: true, 503: true, 504: true };

  // The page's js_vars(player), as oTree apps read them: window.js_vars and labctl.js_vars.
  // Set before any deferred app script runs (they run after this one, in order).
  var labctl = window.labctl = window.labctl || {};
  var jsVarsElement = document.getElementById("labctl-js-vars");
  labctl.js_vars = jsVarsElement ? JSON.parse(jsVarsElement.textContent) : {};
  window.js_vars = labctl.js_vars;

  // What this page started: stopped before its document is replaced by the next page (timers
  // and sockets would otherwise outlive the document they were started for).
  var running = { timers: [], sockets: [], stopped: false };

  function later(fn, ms) {
    var id = window.setTimeout(fn, ms);
    running.timers.push(id);
    return id;
  }
  function every(fn, ms) {
    var id = window.setInterval(fn, ms);
    running.timers.push(id);
    return id;
  }
  function stopAll() {
    running.stopped = true;
    running.timers.forEach(function (id) { window.clearTimeout(id); window.clearInterval(id); });
    running.sockets.forEach(function (socket) { try { socket.close(); } catch (ignored) { /* closed */ } });
  }

  // Exponential back-off with jitter, so that a room of browsers does not return all at once.
  function backoff(attempts, maxMs) {
    var ms = Math.min(maxMs, 1000 * Math.pow(2, Math.min(attempts, 10)));
    return ms / 2 + Math.random() * ms / 2;
  }

  function onReady(fn) {
    if (document.readyState !== "loading") { fn(); } else { document.addEventListener("DOMContentLoaded", fn); }
  }

  // One banner per page, in the page from the start (hidden) so screen readers announce changes.
  function statusBanner() {
    var banner = document.getElementById("connection-status");
    if (!banner) {
      banner = document.createElement("div");
      banner.id = "connection-status";
      banner.className = "alert";
      banner.setAttribute("role", "status");
      banner.hidden = true;
      var main = document.getElementById("main") || document.body;
      main.insertBefore(banner, main.firstChild);
    }
    return {
      show: function (text) { banner.textContent = text; banner.hidden = false; },
      hide: function () { banner.hidden = true; banner.textContent = ""; }
    };
  }

  // Loads the participant's current page: a GET, even after a POST.
  function loadCurrentPage() {
    stopAll();
    window.location.replace(window.location.href);
  }

  // Shows the server's answer to a form (the next page, or the same one with its errors) as
  // this document; its scripts run as on any page load.
  function showAnswer(html) {
    stopAll();
    window.dispatchEvent(new Event("pagehide"));  // other scripts of this page stop reconnecting
    document.open();
    document.write(html);
    document.close();
    window.scrollTo(0, 0);
  }

  // Follows the participant: calls moveOn when they are no longer at `step`. `reachable(yes)`
  // is told whether the server answers, so the page can say when it cannot be reached.
  function follow(step, wsUrl, positionUrl, pollMs, page) {
    var attempts = 0;
    var pollTimer = null;
    var silence = null;

    function moveOn() { if (!page.busy()) { loadCurrentPage(); } }
    function checkPosition() {
      if (running.stopped) { return; }
      var request = new XMLHttpRequest();
      request.open("GET", positionUrl, true);
      request.timeout = 10000;
      request.setRequestHeader("Accept", "application/json");
      request.onload = function () {
        if (request.status >= 500) { page.reachable(false); return; }
        page.reachable(true);
        if (request.status !== 200) { return; }
        try {
          if (JSON.parse(request.responseText).step !== step) { moveOn(); }
        } catch (ignored) { /* keep polling */ }
      };
      request.onerror = function () { page.reachable(false); };
      request.ontimeout = request.onerror;
      request.send();
    }
    function startPolling() {
      if (pollTimer === null) { checkPosition(); pollTimer = every(checkPosition, pollMs); }
    }
    function stopPolling() {
      if (pollTimer !== null) { window.clearInterval(pollTimer); pollTimer = null; }
    }
    function connect() {
      if (running.stopped) { return; }
      if (!("WebSocket" in window)) { startPolling(); return; }
      var scheme = window.location.protocol === "https:" ? "wss://" : "ws://";
      var socket;
      try { socket = new WebSocket(scheme + window.location.host + wsUrl); } catch (e) { startPolling(); return; }
      running.sockets = [socket];
      function heard() {
        if (silence !== null) { window.clearTimeout(silence); }
        silence = window.setTimeout(function () { checkPosition(); socket.close(); }, SILENCE_MS);
      }
      socket.onopen = function () { attempts = 0; stopPolling(); page.reachable(true); heard(); };
      socket.onmessage = function (event) {
        heard();
        var message = {};
        try { message = JSON.parse(event.data); } catch (ignored) { return; }
        if (message.type === "advance" || (message.type === "position" && message.step !== step)) { moveOn(); }
        // other scripts of the page hear the rest (labctl-experimenter-chat.js its answers)
        document.dispatchEvent(new CustomEvent("labctl:participant-message", { detail: message }));
      };
      socket.onclose = function () {
        if (silence !== null) { window.clearTimeout(silence); silence = null; }
        if (running.stopped) { return; }
        startPolling();
        attempts += 1;
        later(connect, backoff(attempts, RECONNECT_MAX_MS));
      };
    }
    connect();
  }

  // Wait pages: move on when released; say so while the server cannot be reached.
  function waitForRelease(box) {
    var banner = statusBanner();
    var hint = document.getElementById("wait-hint");
    follow(parseInt(box.getAttribute("data-step"), 10), box.getAttribute("data-ws-url"),
           box.getAttribute("data-position-url"), WAIT_POLL_MS, {
             busy: function () { return false; },
             reachable: function (yes) {
               if (yes) { banner.hide(); } else { banner.show(t("server.unreachable")); }
               if (hint) { hint.hidden = !yes; }
             }
           });
  }

  // Form pages: sent once, with fetch, again and again (the same form) while the server cannot
  // be reached; the page follows its participant while nobody has pressed Next.
  function formPage(form) {
    var banner = statusBanner();
    var sending = false;
    var canFetch = !!(window.fetch && window.FormData && window.URLSearchParams);
    var button = form.querySelector("button[type=submit]");

    function attempt(body, tries) {
      var controller = window.AbortController ? new AbortController() : null;
      var timer = controller ? later(function () { controller.abort(); }, SUBMIT_TIMEOUT_MS) : null;
      function retry(text) {
        banner.show(text);
        later(function () { attempt(body, tries + 1); }, backoff(tries, RETRY_MAX_MS));
      }
      window.fetch(form.action, {
        method: "POST", body: body, credentials: "same-origin", cache: "no-store",
        headers: { "Content-Type": "application/x-www-form-urlencoded" },
        signal: controller ? controller.signal : undefined
      }).then(function (response) {
        return response.text().then(function (html) { return { status: response.status, html: html }; });
      }).then(function (answer) {
        if (timer !== null) { window.clearTimeout(timer); }
        if (RETRY_STATUSES[answer.status]) { retry(t("server.busy")); return; }
        banner.hide();
        if (button) { button.disabled = false; }
        showAnswer(answer.html);
      }, function () {
        if (timer !== null) { window.clearTimeout(timer); }
        retry(t("connection.lost"));
      });
    }
    // The form's fields are read once: every retry sends the same answer for the same step.
    function send(submitter) {
      if (sending) { return; }
      sending = true;
      if (button) { button.disabled = true; }
      var data = new FormData(form);
      if (submitter && submitter.name && !data.has(submitter.name)) { data.append(submitter.name, submitter.value); }
      attempt(new URLSearchParams(data).toString(), 0);
    }

    form.addEventListener("submit", function (event) {
      if (sending) { event.preventDefault(); return; }
      if (unmovedSliders(form)) { event.preventDefault(); return; }
      if (!canFetch) {  // an old browser: the plain form, sent once
        sending = true;
        if (button) { button.disabled = true; }
        return;
      }
      event.preventDefault();
      send(event.submitter);
    });
    follow(parseInt(form.getAttribute("data-step"), 10), new URL("ws", form.action).pathname,
           new URL("position", form.action).pathname, FORM_POLL_MS, {
             busy: function () { return sending; },
             reachable: function (yes) {
               if (sending) { return; }  // the submit's own banner says what happens
               if (yes) { banner.hide(); } else { banner.show(t("server.unreachable_form")); }
             }
           });
    return {
      // the page's time ran out: sent marked as timed out (the server checks the deadline)
      timedOut: function () {
        form.querySelector("#timed-out").value = "1";
        if (canFetch) { send(null); return; }
        sending = true;
        form.noValidate = true;
        HTMLFormElement.prototype.submit.call(form);
      }
    };
  }

  // Counts down; at zero the page submits itself, marked as timed out.
  function startTimer(display, page) {
    var left = parseInt(display.getAttribute("data-seconds-left"), 10);
    var deadline = Date.now() + left * 1000;
    var box = display.parentElement;
    function tick() {
      var seconds = Math.max(0, Math.ceil((deadline - Date.now()) / 1000));
      var minutes = Math.floor(seconds / 60);
      var rest = seconds % 60;
      display.textContent = minutes + ":" + (rest < 10 ? "0" : "") + rest;
      if (seconds <= 10 && box) { box.classList.add("urgent"); }
      if (seconds <= 0) { page.timedOut(); return; }
      later(tick, 250);
    }
    tick();
  }

  function showSliderValues() {
    var sliders = document.querySelectorAll(".slider input[type=range]");
    Array.prototype.forEach.call(sliders, function (slider) {
      var output = slider.parentElement.querySelector("output");
      slider.addEventListener("input", function () { output.textContent = slider.value; });
    });
    Array.prototype.forEach.call(document.querySelectorAll(".slider.unset"), answerWhenMoved);
  }

  // A slider with no default position (widgets.py): its answer is the hidden input, set the
  // first time the participant moves it; until then the slider shows no thumb.
  function answerWhenMoved(box) {
    var slider = box.querySelector("input[type=range]");
    var answer = box.querySelector("input[type=hidden]");
    function moved() {
      answer.value = slider.value;
      box.classList.remove("unset");
    }
    slider.addEventListener("input", moved);
    slider.addEventListener("change", moved);
  }

  // Sliders never moved: say so beside each and keep the form (the server refuses them too).
  function unmovedSliders(form) {
    var unset = form.querySelectorAll(".slider.unset");
    Array.prototype.forEach.call(unset, function (box) {
      var field = box.parentElement;
      if (!field.querySelector(".error")) {
        var message = document.createElement("p");
        message.className = "error";
        message.setAttribute("role", "alert");
        message.textContent = "Please move the slider to give your answer.";
        field.appendChild(message);
      }
    });
    if (unset.length) { unset[0].querySelector("input[type=range]").focus(); }
    return unset.length;
  }

  // A refused form comes back with its wrong fields marked aria-invalid: put the cursor in
  // the first, so a keyboard or screen-reader user lands on it and hears its error.
  function focusFirstInvalid() {
    var invalid = document.querySelector("#page-form [aria-invalid=true]");
    if (invalid) { invalid.focus(); }
  }

  // The answer to a form is the next page itself (no redirect): make its history entry a
  // plain GET, so that a reload or the back button never asks to send the form again.
  if (window.history && window.history.replaceState) {
    window.history.replaceState(null, "", window.location.href);
  }

  onReady(function () {
    var form = document.getElementById("page-form");
    var page = form ? formPage(form) : null;
    var display = document.getElementById("timer-display");
    if (display && page) { startTimer(display, page); }
    var box = document.getElementById("wait-page");
    if (box) { waitForRelease(box); }
    showSliderValues();
    focusFirstInvalid();
  });
}());
