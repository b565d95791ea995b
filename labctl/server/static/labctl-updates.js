/* The experimenter's live pages (the monitor, a room's seats): the server says "update" over
   a WebSocket when something the page shows has changed, and the page fetches its JSON again.
   While the socket is down (blocked, or the server restarting) the page polls every 5 s, and
   it reconnects with a growing pause (1 s, 2 s, ... at most 30 s). Shared by labctl-admin.js
   and labctl-room.js, which each keep their own fetch and drawing. */
(function () {
  "use strict";

  /* Follow ``wsUrl``: call ``onUpdate`` on each update, ``refresh`` every 5 s while the
     socket is down; ``state`` (an element or null) says which of the two is happening. */
  window.labctlFollowUpdates = function (wsUrl, state, onUpdate, refresh) {
    var pollTimer = null;
    var attempts = 0;

    function poll() {
      if (pollTimer === null) { pollTimer = window.setInterval(refresh, 5000); }
    }

    function connect() {
      var scheme = window.location.protocol === "https:" ? "wss://" : "ws://";
      var socket;
      try { socket = new WebSocket(scheme + window.location.host + wsUrl); } catch (e) { poll(); return; }
      socket.onopen = function () {
        attempts = 0;
        if (state) { state.textContent = "Updates live."; }
        if (pollTimer !== null) { window.clearInterval(pollTimer); pollTimer = null; }
      };
      socket.onmessage = function (event) {
        var message = {};
        try { message = JSON.parse(event.data); } catch (ignored) { return; }
        if (message.type === "update") { onUpdate(); }
      };
      socket.onclose = function () {
        if (state) { state.textContent = "Live updates interrupted; refreshing every 5 s."; }
        poll();
        attempts += 1;
        window.setTimeout(connect, Math.min(30000, 1000 * Math.pow(2, attempts)));
      };
    }

    connect();
  };
})();
