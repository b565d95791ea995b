/* The admin's room page: refetches the seats whenever the server says one came or went
   (WebSocket), or every 5 s when WebSockets are blocked. Built with textContent only. */
(function () {
  "use strict";
  var box = document.getElementById("room-seats");
  if (!box) { return; }
  var jsonUrl = box.getAttribute("data-json-url");
  var wsUrl = box.getAttribute("data-ws-url");
  var state = document.getElementById("live-state");
  var pollTimer = null;
  var attempts = 0;

  function cell(text, className, label) {
    var td = document.createElement("td");
    td.textContent = text === null || text === undefined ? "" : String(text);
    if (className) { td.className = className; }
    td.setAttribute("data-label", label);
    return td;
  }

  function render(data) {
    var tbody = document.querySelector("#seats tbody");
    var fresh = document.createElement("tbody");
    var online = 0;
    data.seats.forEach(function (seat) {
      var tr = document.createElement("tr");
      tr.setAttribute("data-seat", seat.label);
      tr.appendChild(cell(seat.label, null, "Seat"));
      tr.appendChild(cell(seat.id_in_session, "num", "Participant"));
      tr.appendChild(window.labctlPresenceCell(seat.presence));
      if (seat.presence && seat.presence.online) { online += 1; }
      fresh.appendChild(tr);
    });
    tbody.parentNode.replaceChild(fresh, tbody);
    document.getElementById("seats-online").textContent = String(online);
  }

  function refresh() {
    var request = new XMLHttpRequest();
    request.open("GET", jsonUrl, true);
    request.setRequestHeader("Accept", "application/json");
    request.onload = function () {
      if (request.status === 200) { render(JSON.parse(request.responseText)); }
    };
    request.send();
  }

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
      if (message.type === "update") { refresh(); }
    };
    socket.onclose = function () {
      if (state) { state.textContent = "Live updates interrupted; refreshing every 5 s."; }
      poll();
      attempts += 1;
      window.setTimeout(connect, Math.min(30000, 1000 * Math.pow(2, attempts)));
    };
  }

  connect();
  window.setInterval(refresh, 15000);  // a polling seat that fell silent turns offline
}());
