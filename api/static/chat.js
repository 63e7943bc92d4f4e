// The local web chat page (api/templates/chat.html); the routes are in api/routers/webchat.py.
// A file, not an inline script: the Content-Security-Policy forbids inline script.
//
// The session id is issued by the server (POST /chat/sessions, on the first message) and kept in
// sessionStorage, so a reload of this tab keeps the conversation: GET /chat/messages?after=0 then
// redraws it. Later polls ask only for messages after the largest id drawn ("last").
(function () {
  "use strict";
  var KEY = "hotline-chat-session";
  var POLL_MS = 3000;
  var FAILED = "No se pudo enviar. Revise su conexión e intente de nuevo.";
  var log = document.getElementById("log");
  var form = document.getElementById("f");
  var input = document.getElementById("t");
  var button = document.getElementById("send");
  var sid = sessionStorage.getItem(KEY);
  var last = 0; // the poll cursor: the largest message id the server gave in a poll or the redraw
  var shown = {}; // ids of the messages to the relative already on the page
  var busy = false; // a message is on its way: no poll meanwhile
  var generation = 0; // bumped at every send; a poll that began before it is dropped

  function add(text, who) {
    var d = document.createElement("div");
    d.className = "msg " + who;
    d.textContent = text;
    log.appendChild(d);
    window.scrollTo(0, document.body.scrollHeight);
    return d;
  }

  function addReply(m) {
    if (m.id && shown[m.id]) return;
    if (m.id) shown[m.id] = true;
    add(m.text, "bot");
  }

  function advance(messages) {
    messages.forEach(function (m) { if (m.id > last) last = m.id; });
  }

  // JSON of a response, whatever its status; a page (not JSON) becomes an error.
  function json(r) {
    return r.json().then(function (body) { return { ok: r.ok, status: r.status, body: body }; });
  }

  function forget() {
    sid = null;
    sessionStorage.removeItem(KEY);
    last = 0;
    shown = {};
  }

  function ensureSession() {
    if (sid) return Promise.resolve({ ok: true });
    return fetch("/chat/sessions", { method: "POST" }).then(json).then(function (res) {
      if (res.ok) { sid = res.body.session_id; sessionStorage.setItem(KEY, sid); }
      return res;
    });
  }

  function redraw() {
    // After a reload: the whole conversation so far, the relative's own messages included.
    if (!sid) return;
    var started = generation;
    fetch("/chat/messages?session_id=" + encodeURIComponent(sid) + "&after=0").then(json).then(function (res) {
      if (started !== generation) { last = 0; return; } // a message went out meanwhile: the next poll catches up
      if (res.status === 403) { forget(); add(res.body.message, "bot notice"); return; }
      if (!res.ok) return;
      log.textContent = "";
      shown = {};
      res.body.messages.forEach(function (m) {
        if (m.author === "relative") add(m.text, "me"); else addReply(m);
      });
      advance(res.body.messages);
    }).catch(function () {});
  }

  function send(text) {
    var mine = add(text, "me");
    function unsent(message) {
      // Nothing was recorded: the text goes back into the box, to send again or shorten.
      mine.className = "msg me unsent";
      add(message, "bot notice");
      if (!input.value) input.value = text;
    }
    return ensureSession().then(function (res) {
      if (!res.ok) { unsent(res.body.message || FAILED); return; }
      return fetch("/chat/messages", {
        method: "POST",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify({ session_id: sid, text: text })
      }).then(json).then(function (res) {
        if (res.status === 403) { forget(); unsent(res.body.message); return; }
        if (!res.ok) { unsent(res.body.message || FAILED); return; }
        var replies = res.body.messages;
        if (replies.length && replies.every(function (m) { return m.id === 0; })) {
          unsent(replies.map(function (m) { return m.text; }).join("\n"));
          return;
        }
        // Drawn, but the cursor stays: a poll still brings anything queued before these replies.
        replies.forEach(addReply);
      });
    }).catch(function () { unsent(FAILED); });
  }

  form.addEventListener("submit", function (e) {
    e.preventDefault();
    var text = input.value;
    if (!text.trim() || busy) return;
    busy = true;
    generation += 1;
    button.disabled = true;
    input.value = "";
    send(text).then(function () {
      busy = false;
      button.disabled = false;
      input.focus();
    });
  });

  document.getElementById("reset").addEventListener("click", function (e) {
    e.preventDefault();
    forget();
    log.textContent = "";
  });

  function poll() {
    if (!sid || busy) return;
    var started = generation;
    fetch("/chat/messages?session_id=" + encodeURIComponent(sid) + "&after=" + last).then(json).then(function (res) {
      if (!res.ok || started !== generation) return;
      // With after=0 the answer is the whole conversation; the relative's lines are on the page.
      res.body.messages.forEach(function (m) { if (m.author !== "relative") addReply(m); });
      advance(res.body.messages);
    }).catch(function () {});
  }

  redraw();
  setInterval(poll, POLL_MS);
})();
