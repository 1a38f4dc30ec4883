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

  // Each column head counts its cards; cards arrive, move and leave by out-of-band swaps
  // (and a resync replaces the whole board), so the counts follow the DOM itself.
  function count() {
    document.querySelectorAll(".column").forEach(function (column) {
      var label = column.querySelector("[data-column-count]");
      if (!label) { return; }
      var n = column.querySelectorAll(".cards > .visitor-card").length;
      if (label.textContent !== String(n)) { label.textContent = String(n); }
    });
  }
  var counting = false;
  function countSoon() {
    if (counting) { return; }
    counting = true;
    window.requestAnimationFrame(function () { counting = false; count(); });
  }
  document.addEventListener("DOMContentLoaded", function () {
    var board = document.getElementById("board");
    if (!board) { return; }
    count();
    new MutationObserver(countSoon).observe(board, { childList: true, subtree: true });
  });

  // An element inserted out of band (a card placed in a column, a prompt or notice put
  // on top) replaces a copy with its id already on the page: a board loaded between a
  // change and its event shows it already, and a repeated notice shows once. The server
  // sends removals only where it knows the element is (elsewhere htmx would log
  // htmx:oobErrorNoTarget).
  document.addEventListener("htmx:oobBeforeSwap", function (event) {
    var fragment = event.detail.fragment;
    if (!fragment || !fragment.children) { return; }
    Array.prototype.forEach.call(fragment.children, function (incoming) {
      var shown = incoming.id && document.getElementById(incoming.id);
      if (shown && shown !== event.detail.target) { shown.remove(); }
    });
  });

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
