// Board and visitor detail behaviour. No inline scripts: the CSP forbids them.
(function () {
  "use strict";

  // Time on site ticks here, from each card's data-since (epoch seconds): no server pushes.
  function format(seconds) {
    seconds = Math.max(0, Math.floor(seconds));
    var h = Math.floor(seconds / 3600), m = Math.floor(seconds / 60) % 60, s = seconds % 60;
    var mm = (h && m < 10 ? "0" : "") + m, ss = (s < 10 ? "0" : "") + s;
    return (h ? h + ":" : "") + mm + ":" + ss + " on site";
  }
  function tick() {
    var now = Date.now() / 1000;
    document.querySelectorAll("time[data-since]").forEach(function (el) {
      el.textContent = format(now - parseFloat(el.getAttribute("data-since")));
    });
  }
  setInterval(tick, 1000);
  document.addEventListener("DOMContentLoaded", tick);
  document.addEventListener("htmx:afterSettle", tick);
  document.addEventListener("htmx:oobAfterSwap", tick);

  // After a reconnect the server sends `resync`; a brand-new EventSource (opened after a
  // refused reconnect) does not, so every open after the first re-fetches the columns too.
  var opened = 0;
  document.addEventListener("htmx:sseOpen", function (event) {
    opened += 1;
    event.target.setAttribute("data-sse-open", String(opened));
    if (opened > 1) {
      document.querySelectorAll("[data-resync]").forEach(function (el) {
        htmx.trigger(el, "board:reconnected");
      });
    }
  });

  // The detail page marks its rep as viewing (refreshed by hx-post every 15 s) and
  // unmarks them when the page goes away.
  window.addEventListener("pagehide", function () {
    var detail = document.querySelector("[data-viewing-end]");
    var meta = document.querySelector('meta[name="csrf-token"]');
    if (!detail || !meta || !navigator.sendBeacon) { return; }
    var form = new FormData();
    form.append("csrf_token", meta.getAttribute("content"));
    navigator.sendBeacon(detail.getAttribute("data-viewing-end"), form);
  });
})();
