/* A participant's chat with the experimenter, on a page whose template writes

     {% block scripts %}<script src="{{ static_url('labctl-experimenter-chat.js') }}" defer></script>{% endblock %}
     ... {{ experimenter_chat() }} ...

   The box shows the messages so far (again after a reload), a text box and a Send button (a
   plain button: the page's own form is never submitted by it, and the text box has no name,
   so chat text is never part of the page's answers). Answers arrive on the page's own socket
   (labctl.js passes them on as "labctl:participant-message" events); on every (re)connection
   the history is read again, so nothing sent while the connection was down is missed. Text is
   shown with textContent only. The box's data-state is "sending", "sent" or "not-sent". */
(function () {
  "use strict";

  function onReady(fn) {
    if (document.readyState !== "loading") { fn(); } else { document.addEventListener("DOMContentLoaded", fn); }
  }

  function element(tag, className, text) {
    var node = document.createElement(tag);
    if (className) { node.className = className; }
    if (text !== undefined) { node.textContent = text; }
    return node;
  }

  // the participant's texts, translated on the server (labctl.t in labctl.js; this script is
  // deferred after it)
  function t(key) {
    return window.labctl && typeof window.labctl.t === "function" ? window.labctl.t(key) : key;
  }

  function Chat(box) {
    var url = new URL(box.getAttribute("data-url"), window.location.href).pathname;
    var csrf = box.getAttribute("data-csrf");
    var shown = {};
    var list = element("ul", "chat-messages");
    var input = element("input");
    input.type = "text"; input.maxLength = 1000; input.autocomplete = "off";
    input.setAttribute("aria-label", t("experimenter_chat.label"));
    input.placeholder = t("experimenter_chat.placeholder");
    var button = element("button", "button secondary", t("chat.send"));
    button.type = "button";
    var status = element("p", "muted chat-status");
    status.setAttribute("role", "status");
    box.appendChild(element("h2", "", t("experimenter_chat.title")));
    box.appendChild(list); box.appendChild(input); box.appendChild(button); box.appendChild(status);

    function add(message) {
      if (shown[message.id]) { return; }
      shown[message.id] = true;
      var item = element("li", "from-" + message.sender);
      item.appendChild(element("strong", "", message.sender === "participant" ? t("experimenter_chat.you") : t("experimenter_chat.experimenter")));
      item.appendChild(document.createTextNode(message.body));
      list.appendChild(item);
    }

    function load() {
      var request = new XMLHttpRequest();
      request.open("GET", url, true);
      request.setRequestHeader("Accept", "application/json");
      request.onload = function () {
        if (request.status === 200) { JSON.parse(request.responseText).messages.forEach(add); }
      };
      request.send();
    }

    function send() {
      var text = input.value.trim();
      if (!text) { return; }
      box.setAttribute("data-state", "sending");
      button.disabled = true;
      var request = new XMLHttpRequest();
      request.open("POST", url, true);
      request.setRequestHeader("Content-Type", "application/x-www-form-urlencoded");
      request.onload = function () {
        button.disabled = false;
        var answer = {};
        try { answer = JSON.parse(request.responseText); } catch (ignored) { answer = {}; }
        if (request.status === 200 && answer.message) {
          add(answer.message);
          input.value = "";
          status.textContent = "";
          box.setAttribute("data-state", "sent");
        } else {
          status.textContent = t("experimenter_chat.not_sent");
          box.setAttribute("data-state", "not-sent");
        }
      };
      request.onerror = function () {
        button.disabled = false;
        status.textContent = t("experimenter_chat.offline");
        box.setAttribute("data-state", "not-sent");
      };
      request.send(new URLSearchParams({ csrf_token: csrf, text: text }).toString());
    }

    button.addEventListener("click", send);
    input.addEventListener("keydown", function (event) {
      if (event.key === "Enter") { event.preventDefault(); send(); }
    });
    document.addEventListener("labctl:participant-message", function (event) {
      var message = event.detail || {};
      if (message.type === "experimenter_chat" && message.message) { add(message.message); }
      if (message.type === "position") { load(); }  // (re)connected: catch up
    });
    load();
  }

  onReady(function () {
    Array.prototype.forEach.call(document.querySelectorAll("[data-labctl-experimenter-chat]"),
                                 function (box) { new Chat(box); });
  });
}());
