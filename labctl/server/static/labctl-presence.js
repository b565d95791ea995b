/* A participant's or seat's connection as one table cell, the same words as the server's
   presence_cell.html: online (socket or polling) since when, or offline since when (flagged
   when it happened mid-session), and when it was last heard from. textContent only. */
(function () {
  "use strict";
  function clock(iso) { return iso ? iso.substr(11, 8) + " UTC" : ""; }
  window.labctlPresenceCell = function (presence) {
    var td = document.createElement("td");
    td.setAttribute("data-label", "Connection");
    var kind = "presence-offline";
    var text = "never connected";
    if (presence) {
      if (presence.online) {
        kind = "presence-online";
        text = "online (" + presence.transport + ") since " + clock(presence.since);
      } else {
        kind = presence.dropped ? "presence-dropped" : "presence-offline";
        text = (presence.dropped ? "offline mid-session" : "offline") + " since " +
          clock(presence.since);
      }
      text += "; last heard " + clock(presence.last_heard);
    }
    td.className = "presence " + kind;
    td.textContent = text;
    return td;
  };
}());
