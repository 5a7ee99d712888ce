// The staff console's live updates (server-sent events); no inline scripts (CSP).
(function () {
  "use strict";
  var body = document.body;
  var page = body.getAttribute("data-page");
  if (!page || !window.EventSource) { return; }
  var live = document.getElementById("live");
  var pending = null;

  function status(ok) {
    if (!live) { return; }
    live.hidden = false;
    live.textContent = live.getAttribute(ok ? "data-live" : "data-offline");
    live.className = ok ? "live" : "live off";
  }

  function refreshList() {
    var list = document.getElementById("ticket-list");
    if (!list) { return; }
    var query = window.location.search ? window.location.search + "&partial=1" : "?partial=1";
    fetch(window.location.pathname + query, { credentials: "same-origin", headers: { Accept: "text/html" } })
      .then(function (r) { return r.ok ? r.text() : null; })
      .then(function (html) { if (html !== null) { list.innerHTML = html; } })
      .catch(function () { status(false); });
  }

  var source = new EventSource("/console/api/events");
  source.onopen = function () { status(true); };
  source.onerror = function () { status(false); };
  // Residents waiting for a person (转人工): the count on the inbox group, and the list
  // itself when that group is shown.
  source.addEventListener("handoffs", function (event) {
    var data = {};
    try { data = JSON.parse(event.data); } catch (e) { return; }
    var count = document.getElementById("handoff-count");
    if (count) {
      count.textContent = String(data.waiting || 0);
      count.className = data.waiting ? "count hot" : "count";
    }
    var list = document.getElementById("ticket-list");
    if (page === "inbox" && list && list.getAttribute("data-group") === "handoff") {
      if (pending) { clearTimeout(pending); }
      pending = setTimeout(refreshList, 300);
    }
  });
  // Red incidents, urgent, escalated and overdue tickets (the staff notice feed): a bar on
  // top of whatever page is open, linking to the ticket.
  source.addEventListener("notice", function (event) {
    var data = {};
    try { data = JSON.parse(event.data); } catch (e) { return; }
    var box = document.getElementById("alerts");
    if (!box) { return; }
    var item = document.createElement(data.ticket_number ? "a" : "div");
    item.className = "alert " + (data.kind || "other");
    if (data.ticket_number) { item.href = "/console/tickets/" + encodeURIComponent(data.ticket_number); }
    var kind = document.createElement("b");
    kind.textContent = data.kind_label || "";
    item.appendChild(kind);
    item.appendChild(document.createTextNode(" " + (data.text || "")));
    box.insertBefore(item, box.firstChild);
    while (box.children.length > 3) { box.removeChild(box.lastChild); }
  });
  source.addEventListener("ticket", function (event) {
    var data = {};
    try { data = JSON.parse(event.data); } catch (e) { return; }
    if (page === "inbox") {
      if (pending) { clearTimeout(pending); }
      pending = setTimeout(refreshList, 300);
    } else if (page === "ticket" && data.number === body.getAttribute("data-number")) {
      var changed = document.getElementById("changed");
      if (changed) { changed.hidden = false; }
    }
  });
})();
