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
   body is the text); the server logs every one. On every (re)connection the chat shows the
   messages this participant may see (a reload loses nothing). A message of one's own is shown
   at once; its data-state is "sending" until the server has it, then "sent"; "not-sent" (with a
   Retry button) when it was refused or the connection is down (it is re-sent when the
   connection is back, and delivered once). A message that a member who has moved on will not
   see says so. Under the text box a counter shows the characters typed and the limit. The
   element's data-labctl-chat-state is "connecting", "open" or "reconnecting" ("open" once it
   receives messages), for tests and for styling.
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

  // the page's texts in its language (labctl.js: labctl.t), read when first shown
  function t(key, values) { return window.labctl.t(key, values); }

  function senderName(from, scope) {
    from = from || {};
    if (scope === "group" && from.role) {
      return from.role.charAt(0).toUpperCase() + from.role.slice(1);
    }
    if (scope === "group" && from.id_in_group) { return t("chat.player", {number: from.id_in_group}); }
    return from.id_in_session ? t("chat.participant", {number: from.id_in_session}) : t("chat.someone");
  }

  function Chat(box, store, number, live) {
    var self = this;
    this.box = box;
    this.store = store;
    this.live = live;
    this.scope = store.scope;
    this.byMid = {};  // entries shown, by the server's message id
    this.byCid = {};  // this page's own entries, by client id
    this.max = parseInt(box.getAttribute("data-labctl-chat-max"), 10) || 500;

    box.classList.add("labctl-chat");
    this.list = element("ol", "labctl-chat-messages");
    this.list.setAttribute("aria-live", "polite");
    this.list.setAttribute("aria-label", t(this.scope === "group" ? "chat.group" : "chat.everyone"));
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
    this.input.placeholder = box.getAttribute("data-labctl-chat-placeholder") || t("chat.placeholder");
    this.input.setAttribute("aria-label", box.getAttribute("data-labctl-chat-label") || t("chat.label"));
    this.input.style.flex = "1";
    this.button = element("button", "button secondary labctl-chat-send", t("chat.send"));
    this.button.type = "button";  // never submits the page's form
    row.appendChild(this.input);
    row.appendChild(this.button);
    this.counter = element("p", "muted labctl-chat-counter");
    this.counter.setAttribute("aria-live", "polite");
    this.counter.style.margin = ".2rem 0 0";
    this.counter.style.fontSize = ".85em";
    this.status = element("p", "muted labctl-chat-status");
    this.status.setAttribute("role", "status");

    box.textContent = "";
    box.appendChild(this.list);
    box.appendChild(row);
    box.appendChild(this.counter);
    box.appendChild(this.status);
    this.count();
    this.setState("connecting");

    this.button.addEventListener("click", function () { self.sendTyped(); });
    this.input.addEventListener("keydown", function (event) {
      if (event.key === "Enter") {
        event.preventDefault();  // Enter in a text box would submit the page's form
        self.sendTyped();
      }
    });
    this.input.addEventListener("input", function () { self.count(); });
    store.onMessage(function (from, body, direct, meta) { self.received(from, body, direct, meta || {}); });
  }

  // The characters typed and the limit, always visible: the box stops at the limit.
  Chat.prototype.count = function () {
    var length = this.input.value.length;
    this.counter.textContent = t(length >= this.max ? "chat.count_limit" : "chat.count",
                                 {length: length, max: this.max});
  };

  Chat.prototype.setState = function (state) {
    var self = this;
    this.box.setAttribute("data-labctl-chat-state", state);
    this.status.textContent = state === "reconnecting" ? t("chat.reconnecting")
      : state === "closed" ? t("chat.closed") : "";
    if (state === "open") {
      this.store.history(function (messages) { if (messages) { self.showHistory(messages); } });
    }
    Object.keys(this.byCid).forEach(function (cid) {
      var entry = self.byCid[cid];
      if (entry.state === "sent" || entry.refused) { return; }
      if (state === "open") {
        self.mark(entry, "sending", "");
      } else {
        self.mark(entry, "not-sent", t("chat.not_sent_yet"), function () { self.live.reconnect(); });
      }
    });
  };

  Chat.prototype.sendTyped = function () {
    var text = this.input.value.trim();
    if (!text) { return; }
    text = text.slice(0, this.max);
    this.input.value = "";
    this.count();
    this.send(this.add({text: text, mine: true, direct: false}));
    this.input.focus();
  };

  // Send an own entry; its mark follows the server's answer.
  Chat.prototype.send = function (entry) {
    var self = this;
    var answered = false;
    this.mark(entry, this.live.state() === "open" ? "sending" : "not-sent",
              this.live.state() === "open" ? "" : t("chat.not_sent_yet"), function () { self.live.reconnect(); });
    var cid = this.store.send(entry.text, undefined, function (error, receipt) {
      answered = true;
      if (error) {
        entry.refused = true;
        self.mark(entry, "not-sent", t("chat.not_sent", {reason: error.message}), function () {
          delete self.byCid[entry.cid];
          entry.refused = false;
          self.send(entry);
        });
        return;
      }
      self.known(entry, receipt.message_id);
      var gone = receipt.gone || [];
      self.mark(entry, "sent", gone.length ? t(gone.length > 1 ? "chat.gone_many" : "chat.gone_one",
                {names: gone.join(t("chat.and"))}) : "");
    });
    if (!answered || entry.state !== "not-sent") { entry.cid = cid; this.byCid[cid] = entry; }
  };

  Chat.prototype.known = function (entry, mid) {
    if (mid === undefined || mid === null) { return; }
    entry.mid = mid;
    this.byMid[mid] = entry;
    entry.item.setAttribute("data-mid", String(mid));
  };

  Chat.prototype.mark = function (entry, state, note, retry) {
    entry.state = state;
    entry.item.setAttribute("data-state", state);
    entry.note.textContent = note ? " " + note : "";
    entry.onRetry = retry || null;
    var wanted = state === "not-sent" && !!retry;
    if (wanted && !entry.retry) {  // only while needed: its text is not part of the message
      entry.retry = element("button", "button secondary labctl-chat-retry", t("chat.retry"));
      entry.retry.type = "button";
      entry.retry.addEventListener("click", function () { if (entry.onRetry) { entry.onRetry(); } });
      entry.item.appendChild(entry.retry);
    } else if (!wanted && entry.retry) {
      entry.item.removeChild(entry.retry);
      entry.retry = null;
    }
  };

  // A list item for a message; placed by its server id (own unsent ones stay last).
  Chat.prototype.add = function (message) {
    var entry = {text: message.text, mine: message.mine, mid: null, cid: null, state: "sent"};
    var item = element("li", message.mine ? "labctl-chat-message labctl-chat-mine" : "labctl-chat-message");
    item.style.margin = ".15rem 0";
    item.appendChild(element("strong", "labctl-chat-from", (message.mine ? t("chat.you") :
      senderName(message.from, this.scope)) + (message.direct ? " " + (message.mine ? t("chat.direct") :
      t("chat.to_you")) : "") + ": "));
    item.appendChild(element("span", "labctl-chat-text", message.text));
    entry.note = element("em", "muted labctl-chat-note");
    entry.retry = null;
    item.appendChild(entry.note);
    entry.item = item;
    var before = null;
    if (message.mid !== undefined && message.mid !== null) {
      before = Array.prototype.slice.call(this.list.children).filter(function (li) {
        var mid = li.getAttribute("data-mid");
        return mid === null || parseInt(mid, 10) > message.mid;
      })[0] || null;
    }
    this.list.insertBefore(item, before);
    this.known(entry, message.mid);
    item.setAttribute("data-state", "sent");
    while (this.list.children.length > KEPT) { this.list.removeChild(this.list.firstChild); }
    this.list.scrollTop = this.list.scrollHeight;
    return entry;
  };

  Chat.prototype.received = function (from, body, direct, meta) {
    if (typeof body !== "string") { return; }  // messages of the app's own scripts
    var own = meta.cid ? this.byCid[meta.cid] : null;
    if (own) { this.known(own, meta.mid); return; }  // this page's message, shown already
    if (meta.mid !== undefined && this.byMid[meta.mid]) { return; }
    this.add({text: body, from: from, direct: direct, mine: false, mid: meta.mid});
  };

  // The messages of the server this page has not shown: after a reload or a lost connection.
  Chat.prototype.showHistory = function (messages) {
    var self = this;
    messages.forEach(function (m) {
      if (typeof m.body !== "string" || self.byMid[m.mid]) { return; }
      var own = m.cid ? self.byCid[m.cid] : null;
      if (own) { self.known(own, m.mid); return; }
      self.add({text: m.body, from: m.from, direct: m.direct, mine: m.mine, mid: m.mid});
    });
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
      chats.push(new Chat(box, live[box.getAttribute("data-labctl-chat")], number + 1, live));
    });
  });
}());
