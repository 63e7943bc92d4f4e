// Keeps the queue current without a reload: fetches the rows fragment every few seconds.
(function () {
  "use strict";
  var body = document.getElementById("queue-rows");
  if (!body) { return; }
  var count = document.getElementById("queue-count");
  var src = body.getAttribute("data-src");
  function refresh() {
    fetch(src, { credentials: "same-origin", headers: { "Accept": "text/html" } })
      .then(function (r) {
        if (r.redirected || !r.ok) { return null; }  // logged out: keep what is shown
        var n = r.headers.get("X-Queue-Count");
        return r.text().then(function (html) { body.innerHTML = html; if (count && n !== null) { count.textContent = n; } });
      })
      .catch(function () { /* offline for a moment: try again next time */ });
  }
  setInterval(refresh, 4000);
})();
