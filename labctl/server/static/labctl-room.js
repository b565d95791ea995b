/* The admin's room page: refetches the seats whenever the server says one came or went
   (WebSocket), or every 5 s when WebSockets are blocked. Built with textContent only. */
(function () {
  "use strict";
  var box = document.getElementById("room-seats");
  if (!box) { return; }
  var jsonUrl = box.getAttribute("data-json-url");
  var wsUrl = box.getAttribute("data-ws-url");
  var state = document.getElementById("live-state");

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

  window.labctlFollowUpdates(wsUrl, state, refresh, refresh);
  window.setInterval(refresh, 15000);  // a polling seat that fell silent turns offline
}());
