// The web chat: talks to the Rasa-compatible REST channel and polls for pushes.
(function () {
  "use strict";
  // The page's words arrive as a JSON data block: no inline script, so the CSP needs no
  // 'unsafe-inline'.
  const T = JSON.parse(document.getElementById("minsheng-texts").textContent);
  const log = document.getElementById("log");
  const quick = document.getElementById("quick");
  const form = document.getElementById("composer");
  const input = document.getElementById("text");
  const fileInput = document.getElementById("file");

  function uuid() {
    if (window.crypto && crypto.randomUUID) return crypto.randomUUID();
    return "x" + Date.now().toString(16) + Math.random().toString(16).slice(2);
  }
  function sender() {
    let id = localStorage.getItem("minsheng.sender");
    if (!id) { id = "web-" + uuid(); localStorage.setItem("minsheng.sender", id); }
    return id;
  }
  const me = sender();
  let lastPush = Number(localStorage.getItem("minsheng.lastPush." + me) || "0");

  function linkLabel(href) {
    return href.startsWith("tel:") ? T.call + " " + href.slice(4) : href;
  }
  function linkify(text) {
    const div = document.createElement("div");
    text.split(/(https?:\/\/\S+|tel:[0-9+\-]+)/).forEach(function (part) {
      if (/^(https?:\/\/|tel:)/.test(part)) {
        const a = document.createElement("a");
        a.href = part; a.textContent = linkLabel(part);
        div.appendChild(a);
      } else {
        div.appendChild(document.createTextNode(part));
      }
    });
    return div;
  }
  function show(who, text, opts) {
    opts = opts || {};
    const row = document.createElement("div");
    row.className = "msg " + who + (opts.push ? " push" : "");
    const bubble = document.createElement("div");
    bubble.className = "bubble";
    if (text) bubble.appendChild(linkify(text));
    if (opts.image) { const img = document.createElement("img"); img.src = opts.image; bubble.appendChild(img); }
    if (opts.link) {
      const a = document.createElement("a"); a.href = opts.link; a.textContent = linkLabel(opts.link);
      a.className = "link";
      bubble.appendChild(document.createElement("br")); bubble.appendChild(a);
    }
    row.appendChild(bubble);
    log.appendChild(row);
    log.scrollTop = log.scrollHeight;
  }
  function note(text) {
    const n = document.createElement("div"); n.className = "note"; n.textContent = text;
    log.appendChild(n); log.scrollTop = log.scrollHeight;
  }
  function showButtons(buttons) {
    quick.innerHTML = "";
    (buttons || []).forEach(function (b) {
      const btn = document.createElement("button");
      btn.type = "button"; btn.textContent = b.title;
      btn.addEventListener("click", function () { send(b.payload, {}, b.title); });
      quick.appendChild(btn);
    });
  }
  function render(replies, push) {
    let buttons = [];
    replies.forEach(function (r) {
      show("bot", r.text, { image: r.image, link: r.link, push: push });
      if (r.buttons && r.buttons.length) buttons = r.buttons;
    });
    if (!push || buttons.length) showButtons(buttons);
  }

  async function send(text, metadata, shown) {
    metadata = Object.assign({ message_id: uuid() }, metadata || {});
    if (shown !== null) show("me", shown || text);
    showButtons([]);
    const body = JSON.stringify({ sender: me, message: text, metadata: metadata });
    for (let attempt = 0; attempt < 3; attempt++) {
      try {
        const resp = await fetch("/webhooks/rest/webhook", {
          method: "POST", headers: { "Content-Type": "application/json" }, body: body,
        });
        const data = await resp.json();
        if (!resp.ok) { note((data.error && data.error.message) || T.network_error); return; }
        render(data, false);
        return;
      } catch (e) {
        // Same message_id on retry: the server answers a duplicate from its cache.
        await new Promise(function (r) { setTimeout(r, 500 * (attempt + 1)); });
      }
    }
    note(T.network_error);
  }

  async function upload(file) {
    note(T.uploading);
    const data = new FormData();
    data.append("sender", me);
    data.append("file", file);
    try {
      const resp = await fetch("/webhooks/rest/upload", { method: "POST", body: data });
      const body = await resp.json();
      if (!resp.ok) { note(T.upload_failed + ((body.error && body.error.message) || "")); return; }
      show("me", "", { image: body.kind === "image" ? body.url : null });
      await send("", { attachments: [{ kind: body.kind, url: body.url, content_type: body.content_type }] }, null);
    } catch (e) {
      note(T.network_error);
    }
  }

  async function poll() {
    try {
      // The session cookie names the resident: no sender in the URL (URLs are logged).
      const resp = await fetch("/webhooks/rest/inbox?after=" + lastPush);
      if (resp.ok) {
        const items = await resp.json();
        items.forEach(function (item) {
          lastPush = Math.max(lastPush, item.id);
          render([item], true);
        });
        localStorage.setItem("minsheng.lastPush." + me, String(lastPush));
      }
    } catch (e) { /* offline: try again on the next tick */ }
    setTimeout(poll, 4000);
  }

  form.addEventListener("submit", function (ev) {
    ev.preventDefault();
    const text = input.value.trim();
    if (!text) return;
    input.value = "";
    send(text, {});
  });
  fileInput.addEventListener("change", function () {
    if (fileInput.files && fileInput.files[0]) upload(fileInput.files[0]);
    fileInput.value = "";
  });

  const scene = new URLSearchParams(location.search).get("scene");
  if (scene) {
    send("", { scene: scene }, null);
  } else {
    show("bot", T.welcome);
  }
  poll();
})();
