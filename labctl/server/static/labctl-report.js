/* labctl's admin report tab: shows an app's admin_report.html for one round, fetched again
   whenever the monitor refreshes (labctl-admin.js announces it), and draws the charts it
   declares as SVG: <div data-labctl-chart="bar" data-values='[3, 5, 1]' data-labels='["0",
   "50", "100"]' data-title="Offers"></div>, or data-labctl-chart="line" for a path (a
   market's prices). No library, no inline script, text set with textContent only. */
(function () {
  "use strict";
  var box = document.getElementById("admin-report");
  if (!box) { return; }
  var SVG = "http://www.w3.org/2000/svg";
  var WIDTH = 480, HEIGHT = 220, PAD = 32;
  var current = box.getAttribute("data-url");
  var pending = null, inFlight = false, again = false;

  function svgNode(name, attributes) {
    var node = document.createElementNS(SVG, name);
    Object.keys(attributes).forEach(function (key) { node.setAttribute(key, attributes[key]); });
    return node;
  }

  function label(svg, x, y, text, anchor) {
    var node = svgNode("text", {x: x, y: y, "text-anchor": anchor || "middle",
                                "font-size": "11", fill: "currentColor"});
    node.textContent = text;
    svg.appendChild(node);
  }

  function parsed(element, name) {
    try {
      var value = JSON.parse(element.getAttribute(name) || "[]");
      return Array.isArray(value) ? value : [];
    } catch (ignored) { return []; }
  }

  function draw(element) {
    var kind = element.getAttribute("data-labctl-chart");
    var values = parsed(element, "data-values").map(Number).filter(function (v) { return isFinite(v); });
    var labels = parsed(element, "data-labels").map(String);
    var title = element.getAttribute("data-title") || (kind === "line" ? "Line chart" : "Bar chart");
    var svg = svgNode("svg", {viewBox: "0 0 " + WIDTH + " " + HEIGHT, role: "img",
                              "aria-label": title + ": " + values.join(", "),
                              "class": "labctl-chart", "data-points": String(values.length)});
    svg.appendChild(svgNode("line", {x1: PAD, y1: HEIGHT - PAD, x2: WIDTH - 8, y2: HEIGHT - PAD,
                                     stroke: "currentColor"}));
    svg.appendChild(svgNode("line", {x1: PAD, y1: 8, x2: PAD, y2: HEIGHT - PAD, stroke: "currentColor"}));
    if (!values.length) {
      label(svg, WIDTH / 2, HEIGHT / 2, "No data yet");
    } else {
      var low = Math.min(0, Math.min.apply(null, values));
      var high = Math.max.apply(null, values);
      if (high === low) { high = low + 1; }
      var plotW = WIDTH - PAD - 16, plotH = HEIGHT - 2 * PAD + 8;
      var y = function (v) { return HEIGHT - PAD - (v - low) / (high - low) * plotH; };
      label(svg, PAD - 4, y(high) + 4, String(high), "end");
      label(svg, PAD - 4, HEIGHT - PAD, String(low), "end");
      if (kind === "line") {
        var step = values.length > 1 ? plotW / (values.length - 1) : 0;
        var points = values.map(function (v, i) { return (PAD + 8 + i * step) + "," + y(v); });
        svg.appendChild(svgNode("polyline", {points: points.join(" "), fill: "none",
                                             stroke: "#1d4ed8", "stroke-width": "2"}));
        values.forEach(function (v, i) {
          svg.appendChild(svgNode("circle", {cx: PAD + 8 + i * step, cy: y(v), r: 3, fill: "#1d4ed8"}));
        });
      } else {
        var slot = plotW / values.length;
        values.forEach(function (v, i) {
          var top = y(Math.max(v, 0)), bottom = y(Math.min(v, 0));
          svg.appendChild(svgNode("rect", {x: PAD + 8 + i * slot + slot * 0.1, y: top,
                                           width: slot * 0.8, height: Math.max(bottom - top, 0),
                                           fill: "#1d4ed8"}));
          if (labels[i] !== undefined) { label(svg, PAD + 8 + i * slot + slot / 2, HEIGHT - PAD + 14, labels[i]); }
        });
      }
    }
    while (element.firstChild) { element.removeChild(element.firstChild); }
    element.appendChild(svg);
  }

  function show(html) {
    var fresh = document.createElement("div");
    fresh.innerHTML = html;  /* the server's autoescaped fragment; scripts in it never run */
    while (box.firstChild) { box.removeChild(box.firstChild); }
    while (fresh.firstChild) { box.appendChild(fresh.firstChild); }
    Array.prototype.forEach.call(box.querySelectorAll("[data-labctl-chart]"), draw);
  }

  function load() {
    pending = null;
    if (inFlight) { again = true; return; }
    inFlight = true;
    var request = new XMLHttpRequest();
    request.open("GET", current, true);
    request.onload = function () {
      inFlight = false;
      show(request.responseText);
      if (again) { again = false; load(); }
    };
    request.onerror = function () {
      inFlight = false;
      var note = document.createElement("p");
      note.className = "muted";
      note.textContent = "The report could not be loaded; it is tried again on the next update.";
      box.appendChild(note);
    };
    request.send();
  }

  function soon() {
    if (pending === null) { pending = window.setTimeout(load, 200); }
  }

  document.addEventListener("click", function (event) {
    var link = event.target.closest ? event.target.closest("a[data-report-url]") : null;
    if (!link) { return; }
    event.preventDefault();
    Array.prototype.forEach.call(document.querySelectorAll("a[data-report-url]"), function (a) {
      a.removeAttribute("aria-current");
    });
    link.setAttribute("aria-current", "true");
    current = link.getAttribute("data-report-url");
    box.setAttribute("data-url", current);
    load();
  });
  document.addEventListener("labctl:monitor-updated", soon);
  load();
}());
