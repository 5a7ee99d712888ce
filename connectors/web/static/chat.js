// The web chat: talks to the Rasa-compatible REST channel and polls for pushes.
(function () {
  "use strict";
  // The page's words arrive as a JSON data block: no inline script, so the CSP needs no
  // 'unsafe-inline'.
  const T = JSON.parse(document.getElementById("minsheng-texts").textContent);
  const root = document.documentElement;
  const log = document.getElementById("log");
  const quick = document.getElementById("quick");
  const form = document.getElementById("composer");
  const input = document.getElementById("text");
  const fileInput = document.getElementById("file");
  const elderButton = document.getElementById("elder");
  const locateButton = document.getElementById("locate");
  const voiceButton = document.getElementById("voice");
  const voiceLabel = document.getElementById("voice-label");
  const voiceCancel = document.getElementById("voice-cancel");
  const tools = voiceButton.parentElement;
  const HISTORY_LIMIT = 200;
  const VOICE_MAX_MS = 60000;
  const VOICE_MIN_MS = 700;

  function uuid() {
    if (window.crypto && crypto.randomUUID) return crypto.randomUUID();
    return "x" + Date.now().toString(16) + Math.random().toString(16).slice(2);
  }
  function stored(key) {
    try { return localStorage.getItem(key); } catch (e) { return null; }
  }
  function store(key, value) {
    // Private browsing or a full storage: the chat still works, it is only not remembered.
    try { localStorage.setItem(key, value); } catch (e) { /* nothing to do */ }
  }
  function sender() {
    let id = stored("minsheng.sender");
    if (!id) { id = "web-" + uuid(); store("minsheng.sender", id); }
    return id;
  }
  const me = sender();
  const historyKey = "minsheng.history." + me;
  let lastPush = Number(stored("minsheng.lastPush." + me) || "0");

  // ------------------------------------------------------------------ history
  // What the resident and the bot said, kept on this phone under the resident's id, so a
  // reload shows the running report instead of an empty page while the bot carries on.
  function loadHistory() {
    try {
      const data = JSON.parse(stored(historyKey) || "null");
      if (data && Array.isArray(data.items)) return data;
    } catch (e) { /* a damaged entry: start afresh */ }
    return { items: [], buttons: [] };
  }
  const history = loadHistory();
  function saveHistory() {
    if (history.items.length > HISTORY_LIMIT) history.items.splice(0, history.items.length - HISTORY_LIMIT);
    store(historyKey, JSON.stringify(history));
  }

  // ------------------------------------------------------------------ scrolling
  // The newest message stays in view: after every change of the log or of the bars below it
  // (quick replies appear, the keyboard opens, an image loads), unless the resident has
  // scrolled up to read.
  let pinned = true;
  function scrollToEnd() { log.scrollTop = log.scrollHeight; }
  function keepEnd() { if (pinned) scrollToEnd(); }
  log.addEventListener("scroll", function () {
    pinned = log.scrollHeight - log.scrollTop - log.clientHeight < 48;
  });
  if (window.ResizeObserver) {
    const observer = new ResizeObserver(keepEnd);
    observer.observe(log); observer.observe(quick);
  }
  window.addEventListener("resize", keepEnd);

  // ------------------------------------------------------------------ drawing
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
  function draw(item) {
    const row = document.createElement("div");
    row.className = "msg " + item.who + (item.push ? " push" : "");
    const bubble = document.createElement("div");
    bubble.className = "bubble";
    if (item.text) bubble.appendChild(linkify(item.text));
    if (item.image) {
      const img = document.createElement("img");
      img.src = item.image; img.alt = "";
      img.addEventListener("load", keepEnd);
      bubble.appendChild(img);
    }
    if (item.audio) {
      const audio = document.createElement("audio");
      audio.controls = true; audio.preload = "none"; audio.src = item.audio;
      bubble.appendChild(audio);
    }
    if (item.link) {
      const a = document.createElement("a"); a.href = item.link; a.textContent = linkLabel(item.link);
      a.className = "link";
      bubble.appendChild(document.createElement("br")); bubble.appendChild(a);
    }
    row.appendChild(bubble);
    log.appendChild(row);
  }
  function show(who, text, opts) {
    opts = opts || {};
    const item = { who: who, text: text || "" };
    ["image", "audio", "link", "push"].forEach(function (k) { if (opts[k]) item[k] = opts[k]; });
    draw(item);
    history.items.push(item);
    saveHistory();
    pinned = true; scrollToEnd();
  }
  function note(text, error) {
    const n = document.createElement("div");
    n.className = "note" + (error ? " error" : ""); n.textContent = text;
    log.appendChild(n); pinned = true; scrollToEnd();
    return n;
  }
  function drawButtons(buttons) {
    quick.innerHTML = "";
    (buttons || []).forEach(function (b) {
      const btn = document.createElement("button");
      btn.type = "button"; btn.textContent = b.title;
      btn.addEventListener("click", function () { send(b.payload, {}, b.title); });
      quick.appendChild(btn);
    });
    scrollToEnd();
  }
  function showButtons(buttons) {
    history.buttons = (buttons || []).map(function (b) { return { title: b.title, payload: b.payload }; });
    saveHistory();
    drawButtons(history.buttons);
  }
  function render(replies, push) {
    let buttons = [];
    replies.forEach(function (r) {
      show("bot", r.text, { image: r.image, link: r.link, push: push });
      if (r.buttons && r.buttons.length) buttons = r.buttons;
    });
    if (!push || buttons.length) showButtons(buttons);
  }

  // ------------------------------------------------------------------ elder mode
  // One tap, remembered in the cookie the server reads too (the door-plate page offers the
  // same switch), so the next visit opens large from the first byte.
  function setElder(on) {
    root.classList.toggle("elder", on);
    elderButton.setAttribute("aria-pressed", on ? "true" : "false");
    elderButton.textContent = on ? T.elder_off : T.elder_on;
    input.placeholder = on ? T.placeholder_elder : T.placeholder;
    document.cookie = T.elder_cookie + "=" + (on ? "1" : "0") + "; path=/; SameSite=Lax; max-age=" +
      (on ? T.elder_max_age : 0);
    pinned = true; scrollToEnd();
  }
  elderButton.addEventListener("click", function () { setElder(!root.classList.contains("elder")); });

  // ------------------------------------------------------------------ sending
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
        if (!resp.ok) { note((data.error && data.error.message) || T.network_error, true); return; }
        render(data, false);
        return;
      } catch (e) {
        // Same message_id on retry: the server answers a duplicate from its cache.
        await new Promise(function (r) { setTimeout(r, 500 * (attempt + 1)); });
      }
    }
    note(T.network_error, true);
  }

  // A photo, video or voice file: stored first, then sent as an attachment. The "uploading"
  // line goes away when the upload ends, whichever way it ends; a failure says why.
  async function upload(file, shownAs) {
    if (file.size > T.upload_max_bytes) {
      note(T.upload_too_large.replace("{limit_mb}", T.upload_max_mb), true);
      return;
    }
    const pending = note(T.uploading);
    pending.classList.add("uploading");
    const data = new FormData();
    data.append("sender", me);
    data.append("file", file);
    let saved = null;
    try {
      const resp = await fetch("/webhooks/rest/upload", { method: "POST", body: data });
      let body = {};
      try { body = await resp.json(); } catch (e) { /* a proxy's HTML error page */ }
      if (resp.ok) saved = body;
      else note(T.upload_failed + ((body.error && body.error.message) || resp.status), true);
    } catch (e) {
      note(T.upload_network_error, true);
    } finally {
      pending.remove();
    }
    if (!saved) return;
    show("me", saved.kind === "voice" ? (shownAs || T.voice_sent) : "", {
      image: saved.kind === "image" ? saved.url : null,
      audio: saved.kind === "voice" ? saved.url : null,
    });
    await send("", { attachments: [{ kind: saved.kind, url: saved.url, content_type: saved.content_type }] }, null);
  }

  // ------------------------------------------------------------------ location
  function locate() {
    if (!navigator.geolocation) { note(T.location_unsupported, true); input.focus(); return; }
    const pending = note(T.locating);
    locateButton.disabled = true;
    navigator.geolocation.getCurrentPosition(function (pos) {
      pending.remove(); locateButton.disabled = false;
      send("", { location: { lat: pos.coords.latitude, lng: pos.coords.longitude } }, T.location_sent);
    }, function (err) {
      pending.remove(); locateButton.disabled = false;
      // Denied or not found: the resident can always type the place instead.
      note(err && err.code === 1 ? T.location_denied : T.location_failed, true);
      input.focus();
    }, { enableHighAccuracy: true, timeout: 15000, maximumAge: 60000 });
  }
  locateButton.addEventListener("click", locate);

  // ------------------------------------------------------------------ voice
  // Tap to record, tap again to send (easier than holding for shaky hands); at most a minute.
  let recorder = null, chunks = [], startedAt = 0, cancelled = false, timer = null;
  function recordingType() {
    if (!window.MediaRecorder || !MediaRecorder.isTypeSupported) return "";
    const types = ["audio/webm;codecs=opus", "audio/ogg;codecs=opus", "audio/mp4", "audio/webm"];
    for (let i = 0; i < types.length; i++) if (MediaRecorder.isTypeSupported(types[i])) return types[i];
    return "";
  }
  function voiceIdle() {
    voiceButton.classList.remove("recording");
    tools.classList.remove("recording");
    voiceLabel.textContent = T.voice;
    voiceCancel.hidden = true;
    if (timer) { clearTimeout(timer); timer = null; }
  }
  async function startVoice() {
    if (!navigator.mediaDevices || !navigator.mediaDevices.getUserMedia || !window.MediaRecorder) {
      note(T.voice_unsupported, true); return;
    }
    let stream;
    try {
      stream = await navigator.mediaDevices.getUserMedia({ audio: true });
    } catch (e) {
      note(T.voice_denied, true); input.focus(); return;
    }
    const type = recordingType();
    recorder = type ? new MediaRecorder(stream, { mimeType: type }) : new MediaRecorder(stream);
    chunks = []; cancelled = false; startedAt = Date.now();
    recorder.addEventListener("dataavailable", function (ev) { if (ev.data && ev.data.size) chunks.push(ev.data); });
    recorder.addEventListener("stop", function () {
      stream.getTracks().forEach(function (t) { t.stop(); });
      const kept = chunks, took = Date.now() - startedAt, mime = recorder.mimeType || type || "audio/webm";
      recorder = null; voiceIdle();
      if (cancelled) return;
      if (took < VOICE_MIN_MS || !kept.length) { note(T.voice_too_short, true); return; }
      const ext = mime.indexOf("mp4") >= 0 ? "m4a" : mime.indexOf("ogg") >= 0 ? "ogg" : "webm";
      const blob = new Blob(kept, { type: mime.split(";")[0] });
      upload(new File([blob], "voice." + ext, { type: blob.type }), T.voice_sent + " " + Math.round(took / 1000) + "″");
    });
    recorder.start(250);
    voiceButton.classList.add("recording");
    tools.classList.add("recording");
    voiceLabel.textContent = T.voice_stop;
    voiceCancel.hidden = false;
    note(T.recording).classList.add("transient");
    timer = setTimeout(stopVoice, VOICE_MAX_MS);
  }
  function stopVoice() {
    document.querySelectorAll(".note.transient").forEach(function (n) { n.remove(); });
    if (recorder && recorder.state !== "inactive") recorder.stop();
  }
  voiceButton.addEventListener("click", function () { if (recorder) stopVoice(); else startVoice(); });
  voiceCancel.addEventListener("click", function () { cancelled = true; stopVoice(); });

  // ------------------------------------------------------------------ pushes
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
        store("minsheng.lastPush." + me, String(lastPush));
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

  // ------------------------------------------------------------------ start
  history.items.forEach(draw);
  drawButtons(history.buttons);
  scrollToEnd();
  const scene = new URLSearchParams(location.search).get("scene");
  // A reload of the page a door plate opened must not scan the plate again (that would
  // restart the report); a new scan in a new tab does.
  let sceneSent = null;
  try { sceneSent = sessionStorage.getItem("minsheng.scene"); } catch (e) { /* no storage */ }
  if (scene && sceneSent !== scene) {
    try { sessionStorage.setItem("minsheng.scene", scene); } catch (e) { /* no storage */ }
    send("", { scene: scene }, null);
  } else if (!history.items.length) {
    show("bot", root.classList.contains("elder") ? T.welcome_elder : T.welcome);
  }
  poll();
})();
