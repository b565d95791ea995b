/* labctl's chat widget: a live chat on a participant page without writing any JavaScript.

   In an app template:

     {% block scripts %}
     <script src="{{ url_for('static', filename='labctl-shared.js') }}" defer></script>
     <script src="{{ url_for('static', filename='labctl-chat.js') }}" defer></script>
     {% endblock %}

     {% block content %}
     <div data-labctl-chat="group"></div>   the members of this participant's group
     <div data-labctl-chat="batch"></div>   everyone in the batch (every session of it)
     ...

   Each such element gets a message list, a text box and a Send button (Enter sends too; the
   page's own form is never submitted by it, and the text box has no name, so chat text is never
   part of the page's answers). Optional attributes on the element:
     data-labctl-chat-placeholder   the text box's placeholder (default "Type a message")
     data-labctl-chat-label         its accessible name (default "Chat message")
     data-labctl-chat-max           the longest message, in characters (default 500)

   Senders are shown as "You", by their role in the group, or as "Player 2" (group) and
   "Participant 7" (batch); never by seat label or link. Text is shown as text (textContent):
   nothing a participant types can become HTML. Messages travel as labctl.shared messages (the
   body is the text); the server logs every one for the export, but a page shows only those that
   arrive while it is open. The element's data-labctl-chat-state is "connecting", "open" or
   "reconnecting" ("open" once it receives messages), for tests and for styling.
*/
(function () {
  "use strict";

  var KEPT = 200;  // messages shown at most; older ones scroll away

  function onReady(fn) {
    if (document.readyState !== "loading") { fn(); } else { document.addEventListener("DOMContentLoaded", fn); }
  }

  function element(tag, className, text) {
    var node = document.createElement(tag);
    if (className) { node.className = className; }
    if (text !== undefined) { node.textContent = text; }
    return node;
  }

  function senderName(from, scope) {
    from = from || {};
    if (scope === "group" && from.role) {
      return from.role.charAt(0).toUpperCase() + from.role.slice(1);
    }
    if (scope === "group" && from.id_in_group) { return "Player " + from.id_in_group; }
    return from.id_in_session ? "Participant " + from.id_in_session : "Someone";
  }

  function Chat(box, store, number) {
    var self = this;
    this.box = box;
    this.store = store;
    this.scope = store.scope;
    this.mine = [];  // texts sent by this page, until the server echoes them back
    this.max = parseInt(box.getAttribute("data-labctl-chat-max"), 10) || 500;

    box.classList.add("labctl-chat");
    this.list = element("ol", "labctl-chat-messages");
    this.list.setAttribute("aria-live", "polite");
    this.list.setAttribute("aria-label", this.scope === "group" ? "Group chat" : "Chat with everyone");
    // the CSP allows no style attributes in HTML, but the CSS object model is fine
    this.list.style.listStyle = "none";
    this.list.style.margin = "0 0 .5rem";
    this.list.style.padding = ".5rem .7rem";
    this.list.style.minHeight = "4rem";
    this.list.style.maxHeight = "14rem";
    this.list.style.overflowY = "auto";
    this.list.style.border = "1px solid #d5dae3";
    this.list.style.borderRadius = "8px";
    this.list.style.background = "#fff";

    var row = element("div", "labctl-chat-compose");
    row.style.display = "flex";
    row.style.gap = ".5rem";
    this.input = element("input");
    this.input.type = "text";
    this.input.id = "labctl-chat-input-" + this.scope + "-" + number;
    this.input.autocomplete = "off";
    this.input.maxLength = this.max;
    this.input.placeholder = box.getAttribute("data-labctl-chat-placeholder") || "Type a message";
    this.input.setAttribute("aria-label", box.getAttribute("data-labctl-chat-label") || "Chat message");
    this.input.style.flex = "1";
    this.button = element("button", "button secondary labctl-chat-send", "Send");
    this.button.type = "button";  // never submits the page's form
    row.appendChild(this.input);
    row.appendChild(this.button);
    this.status = element("p", "muted labctl-chat-status");
    this.status.setAttribute("role", "status");

    box.textContent = "";
    box.appendChild(this.list);
    box.appendChild(row);
    box.appendChild(this.status);
    this.setState("connecting");

    this.button.addEventListener("click", function () { self.sendTyped(); });
    this.input.addEventListener("keydown", function (event) {
      if (event.key === "Enter") {
        event.preventDefault();  // Enter in a text box would submit the page's form
        self.sendTyped();
      }
    });
    store.onMessage(function (from, body, direct) { self.received(from, body, direct); });
    store.onError(function (message) { self.status.textContent = "Not sent: " + message; });
  }

  Chat.prototype.setState = function (state) {
    this.box.setAttribute("data-labctl-chat-state", state);
    this.status.textContent = state === "reconnecting" ? "Connection lost; reconnecting…"
      : state === "closed" ? "The chat is closed." : "";
  };

  Chat.prototype.sendTyped = function () {
    var text = this.input.value.trim();
    if (!text) { return; }
    text = text.slice(0, this.max);
    this.input.value = "";
    this.mine.push(text);
    this.store.send(text);
    this.input.focus();
  };

  Chat.prototype.received = function (from, body, direct) {
    if (typeof body !== "string") { return; }  // messages of the app's own scripts
    var mine = !direct && this.mine.length > 0 && this.mine[0] === body;
    if (mine) { this.mine.shift(); }
    var item = element("li", mine ? "labctl-chat-message labctl-chat-mine" : "labctl-chat-message");
    item.style.margin = ".15rem 0";
    var name = element("strong", "labctl-chat-from", (mine ? "You" : senderName(from, this.scope)) +
                       (direct ? " (to you only)" : "") + ": ");
    item.appendChild(name);
    item.appendChild(element("span", "labctl-chat-text", body));
    this.list.appendChild(item);
    while (this.list.children.length > KEPT) { this.list.removeChild(this.list.firstChild); }
    this.list.scrollTop = this.list.scrollHeight;
  };

  onReady(function () {
    var boxes = Array.prototype.slice.call(document.querySelectorAll("[data-labctl-chat]"));
    if (!boxes.length) { return; }
    if (!window.labctl || !window.labctl.shared) {
      throw new Error("labctl-chat.js needs labctl-shared.js, loaded before it");
    }
    var scopes = [];
    boxes.forEach(function (box) {
      var scope = box.getAttribute("data-labctl-chat");
      if (scope !== "group" && scope !== "batch") {
        throw new Error("data-labctl-chat must be \"group\" or \"batch\", not " + JSON.stringify(scope));
      }
      if (scopes.indexOf(scope) < 0) { scopes.push(scope); }
    });
    var chats = [];
    var live = window.labctl.shared.connect({
      stores: scopes,
      onState: function (state) {
        chats.forEach(function (chat) { chat.setState(state); });
      }
    });
    boxes.forEach(function (box, number) {
      chats.push(new Chat(box, live[box.getAttribute("data-labctl-chat")], number + 1));
    });
  });
}());
