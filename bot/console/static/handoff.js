// Live handoff: the waiting list and one conversation refresh every 2.5 s; answers and
// hand-back go over fetch with the session's CSRF token. No inline script (CSP).
"use strict";
(function () {
  var PERIOD = 2500;

  function el(tag, cls, text) {
    var node = document.createElement(tag);
    if (cls) node.className = cls;
    if (text !== undefined) node.textContent = text;
    return node;
  }

  function poll(url, render) {
    function tick() {
      fetch(url, { headers: { Accept: "application/json" }, credentials: "same-origin" })
        .then(function (r) { return r.ok ? r.json() : null; })
        .then(function (data) { if (data) render(data); })
        .catch(function () {})
        .then(function () { setTimeout(tick, PERIOD); });
    }
    setTimeout(tick, PERIOD);
  }

  var list = document.getElementById("handoff-list");
  if (list) {
    poll(list.dataset.api, function (data) {
      list.replaceChildren();
      if (!data.handoffs.length) {
        list.appendChild(el("li", "g2-empty", list.dataset.empty));
        return;
      }
      data.handoffs.forEach(function (h) {
        var item = el("li", "g2-item " + h.status);
        var link = el("a");
        link.href = h.url;
        link.appendChild(el("strong", "", "#" + h.id + " " + h.status_label));
        link.appendChild(document.createTextNode(" "));
        link.appendChild(el("span", "g2-muted", h.address + " · " + h.reason_label));
        link.appendChild(el("br"));
        link.appendChild(document.createTextNode(h.last_line));
        item.appendChild(link);
        list.appendChild(item);
      });
    });
  }

  var lines = document.getElementById("handoff-lines");
  if (!lines) return;
  var csrf = lines.dataset.csrf;
  var message = document.getElementById("handoff-message");
  var status = document.getElementById("handoff-status");

  function show(text) {
    message.textContent = text;
    message.hidden = !text;
  }

  function render(data) {
    lines.replaceChildren();
    data.lines.forEach(function (line) {
      var item = el("li", "g2-line " + line.by);
      item.appendChild(el("span", "g2-who", line.who));
      item.appendChild(document.createTextNode(" " + line.text));
      lines.appendChild(item);
    });
    status.textContent = data.status_label + " · " + data.address + " · " + data.reason_label;
    if (!data.open) {
      ["answer-form", "close-form"].forEach(function (id) {
        var form = document.getElementById(id);
        if (form) form.hidden = true;
      });
    }
  }

  function refresh() {
    return fetch(lines.dataset.api, { headers: { Accept: "application/json" } })
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (data) { if (data) render(data); });
  }

  function post(form, after) {
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      var body = {};
      new FormData(form).forEach(function (value, key) {
        if (key !== "csrf_token") body[key] = value;
      });
      fetch(form.action, {
        method: "POST",
        headers: { "Content-Type": "application/json", "X-CSRF-Token": csrf },
        body: JSON.stringify(body),
      })
        .then(function (r) { return r.json(); })
        .then(function (data) {
          show(data.message || "");
          if (data.ok && after) after(form);
          return refresh();
        })
        .catch(function () {});
    });
  }

  ["answer-form", "close-form", "file-form"].forEach(function (id) {
    var form = document.getElementById(id);
    if (form) post(form, id === "answer-form" ? function (f) { f.reset(); } : null);
  });
  poll(lines.dataset.api, render);
})();
