// On every console page: what must not wait unseen (polls /console/alerts every few seconds).
// - new urgent cases: the count in the title, a short sound (can be turned off), a desktop
//   notification once the operator allowed them, and a line at the top of the page;
// - deaths awaiting a second person's confirmation (four eyes): a line with a link to review;
// - a session that ended (idle, end of shift, logged out elsewhere): said at once, not stale rows.
// Static file: the Content-Security-Policy forbids inline script.
(function () {
  "use strict";
  var root = document.getElementById("live-alerts");
  if (!root) { return; }
  var baseTitle = document.title.replace(/^\(\d+\) /, "");
  var SEEN = "hotline-urgent-seen";
  var SOUND = "hotline-sound";
  var timer = null;
  var audio = null;

  function store(kind) {
    try { return window[kind]; } catch (e) { return null; }
  }
  var local = store("localStorage");

  function seenIds() {
    var raw = local && local.getItem(SEEN);
    if (raw === null || raw === undefined) { return null; }
    try { return JSON.parse(raw); } catch (e) { return []; }
  }
  function remember(ids) { if (local) { local.setItem(SEEN, JSON.stringify(ids.slice(0, 50))); } }
  function soundOn() { return !local || local.getItem(SOUND) !== "off"; }

  function beep() {
    if (!soundOn()) { return; }
    try {
      var Ctx = window.AudioContext || window.webkitAudioContext;
      if (!Ctx) { return; }
      audio = audio || new Ctx();
      if (audio.state === "suspended") { audio.resume(); }
      [0, 0.25].forEach(function (at) {
        var osc = audio.createOscillator();
        var gain = audio.createGain();
        osc.frequency.value = 880;
        gain.gain.value = 0.15;
        osc.connect(gain);
        gain.connect(audio.destination);
        osc.start(audio.currentTime + at);
        osc.stop(audio.currentTime + at + 0.15);
      });
    } catch (e) { /* no sound on this browser: the title and the line still tell */ }
  }

  function desktop(text, url) {
    if (!("Notification" in window) || Notification.permission !== "granted") { return; }
    try {
      var n = new Notification("Línea de información · consola", { body: text, tag: "hotline-" + url });
      n.onclick = function () { window.focus(); window.location.href = url; };
    } catch (e) { /* some browsers allow notifications only from a service worker */ }
  }

  function show(id, visible) {
    var el = document.getElementById(id);
    if (el) { el.hidden = !visible; }
    return el;
  }

  function update(data) {
    var count = data.urgent_open + data.pending_for_me;
    document.title = (count ? "(" + count + ") " : "") + baseTitle;
    var badge = document.getElementById("nav-urgent");
    if (badge) {
      badge.textContent = data.urgent_open ? String(data.urgent_open) : "";
      badge.hidden = !data.urgent_open;
      badge.setAttribute("aria-label", data.urgent_open + " casos urgentes abiertos");
    }
    var deaths = show("pending-deaths-alert", data.pending_deaths > 0);
    if (deaths && data.pending_deaths > 0) {
      var target = data.pending.filter(function (p) { return !p.mine; })[0] || data.pending[0];
      deaths.querySelector(".text").textContent = data.pending_deaths === 1
        ? "Un fallecimiento espera la confirmación de una segunda persona."
        : data.pending_deaths + " fallecimientos esperan la confirmación de una segunda persona.";
      var link = deaths.querySelector("a");
      link.href = "/console/persons/" + target.person_id + "#pending";
      link.textContent = data.pending_for_me ? "Revisar y confirmar" : "Ver";
    }
    var ids = data.newest_urgent.map(function (c) { return c.id; });
    var seen = seenIds();
    if (seen === null) { remember(ids); return; }  // first visit: what is open now is in the queue
    var fresh = data.newest_urgent.filter(function (c) { return seen.indexOf(c.id) < 0; });
    if (fresh.length) {
      remember(ids.concat(seen));
      var line = show("urgent-alert", true);
      var text = fresh.length === 1 ? "Nuevo caso urgente: " + fresh[0].reference
        : fresh.length + " casos urgentes nuevos";
      line.querySelector(".text").textContent = text + ".";
      line.querySelector("a").href = "/console/cases/" + fresh[0].id;
      beep();
      desktop(text, "/console/cases/" + fresh[0].id);
    }
  }

  function ended() {
    if (timer !== null) { clearInterval(timer); timer = null; }
    var line = show("session-ended", true);
    if (line) {
      line.querySelector("a").href = "/console/login?next=" + encodeURIComponent(window.location.pathname);
    }
    document.body.classList.add("session-ended");
    document.title = "Sesión terminada · " + baseTitle;
    document.dispatchEvent(new CustomEvent("hotline:session-ended"));
  }

  function poll() {
    fetch("/console/alerts", { credentials: "same-origin", redirect: "manual", headers: { "Accept": "application/json", "X-Console-Refresh": "1" } })
      .then(function (r) {
        if (r.type === "opaqueredirect" || r.status === 401 || r.redirected) { ended(); return null; }
        return r.ok ? r.json() : null;
      })
      .then(function (data) { if (data) { update(data); } })
      .catch(function () { /* offline for a moment: try again next time */ });
  }

  var soundButton = document.getElementById("sound-toggle");
  function drawSound() {
    if (!soundButton) { return; }
    soundButton.setAttribute("aria-pressed", soundOn() ? "true" : "false");
    soundButton.textContent = soundOn() ? "Sonido: activado" : "Sonido: desactivado";
  }
  if (soundButton) {
    soundButton.hidden = false;
    soundButton.addEventListener("click", function () {
      if (local) { local.setItem(SOUND, soundOn() ? "off" : "on"); }
      drawSound();
      if (soundOn()) { beep(); }
    });
    drawSound();
  }
  var desktopButton = document.getElementById("desktop-toggle");
  function drawDesktop() {
    if (!desktopButton) { return; }
    if (!("Notification" in window)) { desktopButton.hidden = true; return; }
    desktopButton.hidden = false;
    var granted = Notification.permission === "granted";
    desktopButton.textContent = granted ? "Avisos de escritorio: activados"
      : Notification.permission === "denied" ? "Avisos de escritorio: bloqueados en el navegador"
      : "Permitir avisos de escritorio";
    desktopButton.disabled = Notification.permission !== "default";
  }
  if (desktopButton) {
    desktopButton.addEventListener("click", function () {
      var asked = Notification.requestPermission(drawDesktop);
      if (asked && asked.then) { asked.then(drawDesktop); }
    });
    drawDesktop();
  }

  // Keyboard shortcuts for the frequent actions ("?" lists them). Never while typing in a field.
  var GO = { c: "/console/queue", p: "/console/persons", d: "/console/dashboard", m: "/console/queue?vista=mios" };
  var FOCUS = { r: "reply-text", n: "note-form", l: "call-button", v: "link-form" };
  var pendingGo = false;
  document.addEventListener("keydown", function (e) {
    var t = e.target;
    if (e.ctrlKey || e.metaKey || e.altKey || (t && (t.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(t.tagName)))) {
      return;
    }
    var help = document.getElementById("shortcuts-help");
    if (pendingGo) {
      pendingGo = false;
      if (GO[e.key]) { e.preventDefault(); window.location.href = GO[e.key]; }
      return;
    }
    if (e.key === "g") { pendingGo = true; return; }
    if (e.key === "?" && help) { e.preventDefault(); help.hidden = !help.hidden; if (!help.hidden) { help.focus(); } return; }
    if (e.key === "Escape" && help) { help.hidden = true; return; }
    if (e.key === "/") {
      var search = document.getElementById("q");
      e.preventDefault();
      if (search) { search.focus(); search.select(); } else { window.location.href = "/console/queue#buscar"; }
      return;
    }
    var target = FOCUS[e.key] && document.getElementById(FOCUS[e.key]);
    if (target) {
      e.preventDefault();
      var field = target.matches("form") ? target.querySelector("textarea, input:not([type=hidden]), select, button") : target;
      if (field) { field.focus(); field.scrollIntoView({ block: "center" }); }
    }
  });
  if (window.location.hash === "#buscar") {
    var box = document.getElementById("q");
    if (box) { box.focus(); }
  }

  poll();
  timer = setInterval(poll, 5000);
})();
