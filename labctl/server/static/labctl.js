/* labctl's participant script: page timers, no double submits, and wait pages that move on
   the moment the group is released (WebSocket, with polling when WebSockets are blocked). */
(function () {
  "use strict";

  function onReady(fn) {
    if (document.readyState !== "loading") { fn(); } else { document.addEventListener("DOMContentLoaded", fn); }
  }

  // A form is sent once: a second click or Enter while the first is on its way does nothing.
  function guardDoubleSubmit(form) {
    var sent = false;
    form.addEventListener("submit", function (event) {
      if (sent) { event.preventDefault(); return; }
      sent = true;
      var button = form.querySelector("button[type=submit]");
      if (button) { button.disabled = true; }
    });
  }

  // Counts down; at zero the page submits itself, marked as timed out (the server checks).
  function startTimer(display, form) {
    var left = parseInt(display.getAttribute("data-seconds-left"), 10);
    var deadline = Date.now() + left * 1000;
    var box = display.parentElement;
    function tick() {
      var seconds = Math.max(0, Math.ceil((deadline - Date.now()) / 1000));
      var minutes = Math.floor(seconds / 60);
      var rest = seconds % 60;
      display.textContent = minutes + ":" + (rest < 10 ? "0" : "") + rest;
      if (seconds <= 10 && box) { box.classList.add("urgent"); }
      if (seconds <= 0) {
        form.querySelector("#timed-out").value = "1";
        form.noValidate = true;
        HTMLFormElement.prototype.submit.call(form);
        return;
      }
      window.setTimeout(tick, 250);
    }
    tick();
  }

  // Wait pages: listen on the WebSocket; if it fails or closes, poll the participant's position.
  function waitForRelease(box) {
    var step = parseInt(box.getAttribute("data-step"), 10);
    var wsUrl = box.getAttribute("data-ws-url");
    var positionUrl = box.getAttribute("data-position-url");
    var moved = false;
    var pollTimer = null;
    var attempts = 0;

    function moveOn() {
      if (moved) { return; }
      moved = true;
      window.location.replace(window.location.href);  // a GET, even after a POST
    }
    function checkPosition() {
      var request = new XMLHttpRequest();
      request.open("GET", positionUrl, true);
      request.setRequestHeader("Accept", "application/json");
      request.onload = function () {
        if (request.status === 200) {
          try {
            if (JSON.parse(request.responseText).step !== step) { moveOn(); }
          } catch (ignored) { /* keep polling */ }
        }
      };
      request.send();
    }
    function startPolling() {
      if (pollTimer === null) { pollTimer = window.setInterval(checkPosition, 2000); }
    }
    function connect() {
      if (!("WebSocket" in window)) { startPolling(); return; }
      var scheme = window.location.protocol === "https:" ? "wss://" : "ws://";
      var socket;
      try { socket = new WebSocket(scheme + window.location.host + wsUrl); } catch (e) { startPolling(); return; }
      socket.onopen = function () { attempts = 0; };
      socket.onmessage = function (event) {
        var message = {};
        try { message = JSON.parse(event.data); } catch (ignored) { return; }
        if (message.type === "advance" || (message.type === "position" && message.step !== step)) { moveOn(); }
      };
      socket.onclose = function () {
        if (moved) { return; }
        startPolling();
        attempts += 1;
        window.setTimeout(connect, Math.min(30000, 1000 * Math.pow(2, attempts)));
      };
    }
    connect();
    // A slow safety net even when the socket is up: a missed message never strands anyone.
    window.setInterval(checkPosition, 15000);
  }

  function showSliderValues() {
    var sliders = document.querySelectorAll(".slider input[type=range]");
    Array.prototype.forEach.call(sliders, function (slider) {
      var output = slider.parentElement.querySelector("output");
      slider.addEventListener("input", function () { output.textContent = slider.value; });
    });
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
    if (form) { guardDoubleSubmit(form); }
    var display = document.getElementById("timer-display");
    if (display && form) { startTimer(display, form); }
    var box = document.getElementById("wait-page");
    if (box) { waitForRelease(box); }
    showSliderValues();
    focusFirstInvalid();
  });
}());
