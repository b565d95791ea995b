/* labctl's live monitor: refetches the participants' table whenever the server says someone
   moved (WebSocket), or every 5 s when WebSockets are blocked. Built with textContent only. */
(function () {
  "use strict";
  var box = document.getElementById("monitor");
  if (!box) { return; }
  var jsonUrl = box.getAttribute("data-json-url");
  var wsUrl = box.getAttribute("data-ws-url");
  var actionUrl = box.getAttribute("data-action-url");
  var baseUrl = box.getAttribute("data-base-url");
  var csrf = box.getAttribute("data-csrf");
  var chatUrl = box.getAttribute("data-chat-url");
  var state = document.getElementById("live-state");
  var pending = null;

  var LABELS = ["#", "Label", "Link", "App", "Round", "Page", "On page", "Status", "Connection",
                "Bonus", "Action"];

  function cell(text, className) {
    var td = document.createElement("td");
    td.textContent = text === null || text === undefined ? "" : String(text);
    if (className) { td.className = className; }
    return td;
  }

  function actionForm(row, what, label) {
    var form = document.createElement("form");
    form.method = "post";
    form.action = actionUrl + encodeURIComponent(row.code) + "/" + what;
    var token = document.createElement("input");
    token.type = "hidden"; token.name = "csrf_token"; token.value = csrf;
    var step = document.createElement("input");
    step.type = "hidden"; step.name = "step"; step.value = String(row.step);
    var button = document.createElement("button");
    button.type = "submit"; button.className = "button secondary";
    button.textContent = label;
    form.appendChild(token); form.appendChild(step); form.appendChild(button);
    return form;
  }

  function actionCell(row) {
    var td = document.createElement("td");
    td.className = "no-print";
    if (row.action === "release") {
      var release = actionForm(row, "advance", "Release wait page");
      release.className = "release-form";
      release.setAttribute("data-who", row.label || "#" + row.id_in_session);
      release.setAttribute("data-page", row.page || "");
      release.setAttribute("data-missing", row.waiting_for.join(", "));
      td.appendChild(release);
    } else if (row.action === "advance") {
      td.appendChild(actionForm(row, "advance", "Advance"));
    }
    if (row.app_error) {
      var retry = actionForm(row, "retry", "Retry page");
      retry.lastChild.className += " retry";
      td.appendChild(retry);
    }
    if (row.cannot_advance) {
      var why = document.createElement("span");
      why.className = "muted cannot-advance";
      why.textContent = "Cannot advance: " + row.cannot_advance;
      td.appendChild(why);
    }
    if (row.answer_fields && row.answer_fields.length) {
      td.appendChild(answerForm(row));
    }
    return td;
  }

  // Advance a page whose fields have no timeout values with answers the experimenter types;
  // the server reads them as a participant's answers and refuses what does not fit.
  function answerForm(row) {
    var form = actionForm(row, "advance", "Advance with these answers");
    form.className = "answer-form";
    var button = form.lastChild;
    row.answer_fields.forEach(function (answer) {
      var label = document.createElement("label");
      var input = document.createElement("input");
      input.type = "text"; input.required = true; input.autocomplete = "off";
      input.name = "answer:" + answer.name;
      label.appendChild(document.createTextNode(answer.label + " "));
      label.appendChild(input);
      form.insertBefore(label, button);
    });
    return form;
  }

  function statusCell(row) {
    var td = cell(row.status + (row.waiting_for.length ? " for " + row.waiting_for.join(", ") : "") +
                  (row.dropout ? " (dropout)" : ""),
                  "status-" + row.status.replace(" ", "-"));
    if (row.app_error) {
      var box = document.createElement("div");
      box.className = "app-error"; box.setAttribute("role", "alert");
      var where = document.createElement("code");
      where.textContent = row.app_error.location;
      box.appendChild(document.createTextNode("App error at "));
      box.appendChild(where);
      box.appendChild(document.createTextNode(": " + row.app_error.message));
      td.appendChild(box);
    }
    return td;
  }

  // Answers being typed in the monitor survive its live updates: the rows are rebuilt on
  // every update, so what was typed (and where the cursor was) is carried over, per
  // participant and step.
  function typedAnswers(tbody) {
    var kept = {focused: null, values: {}};
    Array.prototype.forEach.call(tbody.querySelectorAll("input[name^='answer:']"), function (input) {
      var tr = input.closest("tr"), step = input.form && input.form.elements.step;
      var key = tr.getAttribute("data-code") + "/" + (step ? step.value : "") + "/" + input.name;
      kept.values[key] = input.value;
      if (document.activeElement === input) { kept.focused = key; }
    });
    return kept;
  }

  function restoreAnswers(tbody, kept) {
    Array.prototype.forEach.call(tbody.querySelectorAll("input[name^='answer:']"), function (input) {
      var tr = input.closest("tr"), step = input.form && input.form.elements.step;
      var key = tr.getAttribute("data-code") + "/" + (step ? step.value : "") + "/" + input.name;
      if (kept.values.hasOwnProperty(key)) { input.value = kept.values[key]; }
      if (kept.focused === key) { input.focus(); }
    });
  }

  function render(data) {
    var tbody = document.querySelector("#participants tbody");
    var kept = typedAnswers(tbody);
    var fresh = document.createElement("tbody");
    data.participants.forEach(function (row) {
      var tr = document.createElement("tr");
      tr.setAttribute("data-code", row.code);
      tr.appendChild(cell(row.id_in_session, "num"));
      tr.appendChild(cell(row.label));
      var link = document.createElement("td");
      link.className = "link";
      var a = document.createElement("a");
      a.href = "/p/" + encodeURIComponent(row.code) + "/"; a.className = "code";
      a.textContent = baseUrl + "/p/" + row.code + "/";
      link.appendChild(a); tr.appendChild(link);
      tr.appendChild(cell(row.app));
      tr.appendChild(cell(row.round_number, "num"));
      tr.appendChild(cell(row.page));
      tr.appendChild(cell(row.seconds_on_page === null ? "" : Math.floor(row.seconds_on_page) + " s", "num"));
      tr.appendChild(statusCell(row));
      tr.appendChild(window.labctlPresenceCell(row.presence));
      tr.appendChild(cell(row.bonus_text, "num"));
      tr.appendChild(actionCell(row));
      Array.prototype.forEach.call(tr.children, function (td, i) {
        td.setAttribute("data-label", LABELS[i]);
      });
      fresh.appendChild(tr);
    });
    tbody.parentNode.replaceChild(fresh, tbody);
    restoreAnswers(fresh, kept);
    renderGroups(data.groups || []);
    renderChat(data.chat || []);
    // the report tab (labctl-report.js) refreshes on the same news, over the same socket
    document.dispatchEvent(new CustomEvent("labctl:monitor-updated"));
  }

  /* "Release wait page" says what it implies and asks first: the group goes on without whoever
     has not arrived, and the pages after the wait page run without their answers. */
  function confirmRelease(form) {
    var dialog = document.getElementById("release-dialog");
    var text = document.getElementById("release-text");
    if (!dialog || typeof dialog.showModal !== "function") {
      return window.confirm("Release this wait page?");
    }
    var who = form.getAttribute("data-who");
    var missing = form.getAttribute("data-missing");
    text.textContent = missing
      ? "Still missing: " + missing + ". Releasing " + form.getAttribute("data-page") + " lets " +
        who + "'s group go on without them: the pages after this wait page run without the " +
        "answers " + missing + " have not given yet (if the app's code needs them, those pages " +
        "fail and this monitor shows the error). " + missing + " will pass straight through " +
        "when they arrive."
      : "Everyone " + who + " waits for has arrived: releasing runs the wait page's code now.";
    dialog.returnValue = "";
    dialog.onclose = function () {
      if (dialog.returnValue === "release") { form.submit(); }
    };
    dialog.showModal();
    return false;
  }

  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (form && form.classList && form.classList.contains("release-form")) {
      if (!confirmRelease(form)) { event.preventDefault(); }
    }
  });

  function renderGroups(groups) {
    var box = document.getElementById("group-data");
    if (!box) { return; }
    while (box.firstChild) { box.removeChild(box.firstChild); }
    if (!groups.length) {
      var none = document.createElement("p");
      none.className = "muted"; none.textContent = "No group has shared data yet.";
      box.appendChild(none);
      return;
    }
    groups.forEach(function (group) {
      var title = document.createElement("h3");
      title.className = "code";
      title.textContent = group.key + " (version " + group.version + ")";
      var body = document.createElement("pre");
      body.className = "code";
      body.textContent = JSON.stringify(group.doc, null, 2);
      box.appendChild(title); box.appendChild(body);
    });
  }

  // The experimenter chat: a thread per participant who wrote, with an answer box. An
  // answer being typed is kept across updates (the box is only rebuilt when it is empty).
  function renderChat(threads) {
    var chatBox = document.getElementById("experimenter-chat");
    if (!chatBox) { return; }
    var typing = chatBox.querySelector("input[name=text]:focus");
    if (typing && typing.value) { return; }
    var fresh = document.createElement("div");
    fresh.id = "experimenter-chat";
    if (!threads.length) {
      var none = document.createElement("p");
      none.className = "muted"; none.textContent = "No participant has written to you yet.";
      fresh.appendChild(none);
    }
    threads.forEach(function (thread) {
      var box = document.createElement("div");
      box.className = "chat-thread"; box.setAttribute("data-code", thread.participant_code);
      var title = document.createElement("h3");
      title.className = "code"; title.textContent = thread.participant_code;
      var list = document.createElement("ul");
      list.className = "chat-messages";
      thread.messages.forEach(function (message) {
        var item = document.createElement("li");
        item.className = "from-" + message.sender;
        var who = document.createElement("strong");
        who.textContent = (message.sender === "experimenter" ? "You" : "Participant") + ":";
        item.appendChild(who);
        item.appendChild(document.createTextNode(" " + message.body));
        list.appendChild(item);
      });
      var form = document.createElement("form");
      form.method = "post"; form.className = "chat-answer";
      form.action = chatUrl.replace("CODE", encodeURIComponent(thread.participant_code));
      var token = document.createElement("input");
      token.type = "hidden"; token.name = "csrf_token"; token.value = csrf;
      var label = document.createElement("label");
      var input = document.createElement("input");
      input.type = "text"; input.name = "text"; input.required = true;
      input.autocomplete = "off"; input.maxLength = 1000;
      label.appendChild(document.createTextNode("Answer "));
      label.appendChild(input);
      var button = document.createElement("button");
      button.type = "submit"; button.className = "button secondary"; button.textContent = "Send";
      form.appendChild(token); form.appendChild(label); form.appendChild(button);
      box.appendChild(title); box.appendChild(list); box.appendChild(form);
      fresh.appendChild(box);
    });
    chatBox.parentNode.replaceChild(fresh, chatBox);
  }

  function refresh() {
    pending = null;
    var request = new XMLHttpRequest();
    request.open("GET", jsonUrl, true);
    request.setRequestHeader("Accept", "application/json");
    request.onload = function () {
      if (request.status === 200) { render(JSON.parse(request.responseText)); }
    };
    request.send();
  }

  function soon() {  // many moves at once (a wait page releasing 30 people) cost one fetch
    if (pending === null) { pending = window.setTimeout(refresh, 300); }
  }

  window.labctlFollowUpdates(wsUrl, state, soon, refresh);
  window.setInterval(refresh, 10000);  // keeps "time on page" moving
}());
