// Keeps the queue and the case page current without a reload (static file: the CSP forbids inline
// script). The queue fetches its rows fragment every few seconds; the case page its transcript,
// keeping the newest message in view. When the session ended, alerts.js says so and both stop.
(function () {
  "use strict";
  var stopped = false;
  document.addEventListener("hotline:session-ended", function () { stopped = true; });

  function poll(el, every, apply) {
    var src = el.getAttribute("data-src");
    function refresh() {
      if (stopped) { return; }
      fetch(src, { credentials: "same-origin", redirect: "manual", headers: { "Accept": "text/html", "X-Console-Refresh": "1" } })
        .then(function (r) {
          if (r.type === "opaqueredirect" || r.redirected || !r.ok) { return null; }  // alerts.js tells why
          return r.text().then(function (html) { apply(html, r.headers); });
        })
        .catch(function () { /* offline for a moment: try again next time */ });
    }
    setInterval(refresh, every);
  }

  var rows = document.getElementById("queue-rows");
  if (rows) {
    var count = document.getElementById("queue-count");
    poll(rows, 4000, function (html, headers) {
      rows.innerHTML = html;
      var n = headers.get("X-Queue-Count");
      if (count && n !== null) { count.textContent = n; }
    });
  }

  var transcript = document.getElementById("transcript");
  if (transcript) {
    var toBottom = function () { transcript.scrollTop = transcript.scrollHeight; };
    toBottom();  // the newest message in view on arrival
    var lines = transcript.querySelectorAll("li.msg").length;
    poll(transcript, 3000, function (html, headers) {
      var n = parseInt(headers.get("X-Transcript-Count") || "0", 10);
      if (n === lines && transcript.innerHTML.trim() === html.trim()) { return; }
      var nearBottom = transcript.scrollHeight - transcript.scrollTop - transcript.clientHeight < 80;
      transcript.innerHTML = html;
      if (n > lines || nearBottom) { toBottom(); }
      lines = n;
      var status = headers.get("X-Case-Status");
      var shown = document.getElementById("case-status");
      if (status && shown) { shown.setAttribute("data-status", status); }
    });
  }
})();
