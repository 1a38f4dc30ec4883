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

  // The filter finds visitors by name, company, stream or rep: every word typed must be
  // in one of them. Cards that arrive, move or are re-fetched while it is set are matched
  // as they land (a MutationObserver's callback runs before the page is painted).
  var FILTER_KEY = "liveapp.boardFilter";
  var words = [];
  function filterInput() { return document.querySelector("[data-board-filter]"); }
  function textOf(root, selector) {
    var el = root.querySelector(selector);
    return el ? el.textContent : "";
  }
  function matches(card) {
    if (!words.length) { return true; }
    var column = card.closest(".column");
    var haystack = [textOf(card, ".vc-name"), textOf(card, ".vc-company"),
      column ? textOf(column, ".column-head h2") : "", card.getAttribute("data-reps") || ""]
      .join(" \n ").toLowerCase();
    return words.every(function (word) { return haystack.indexOf(word) !== -1; });
  }
  function place(card) {
    var hide = !matches(card);
    if (card.hidden !== hide) { card.hidden = hide; }
  }
  function placeAll(root) {
    (root || document).querySelectorAll(".visitor-card").forEach(place);
  }
  function setFilter(value) {
    words = value.toLowerCase().split(/\s+/).filter(Boolean);
    try { window.sessionStorage.setItem(FILTER_KEY, value); } catch (e) { /* private mode */ }
    placeAll();
    count();
  }

  // Each column head counts its cards, or while filtering "shown of all"; the status line
  // under the filter says (politely) how many visitors it shows. Cards arrive, move and
  // leave by out-of-band swaps (and a resync replaces the whole board), so the counts
  // follow the DOM itself.
  function count() {
    countUnread();
    var shown = 0, all = 0;
    document.querySelectorAll(".column").forEach(function (column) {
      var cards = column.querySelectorAll(".cards > .visitor-card");
      var n = 0;
      cards.forEach(function (card) { if (!card.hidden) { n += 1; } });
      shown += n;
      all += cards.length;
      var label = column.querySelector("[data-column-count]");
      var text = words.length ? n + " of " + cards.length : String(n);
      if (label && label.textContent !== text) { label.textContent = text; }
    });
    var status = document.querySelector("[data-board-filter-count]");
    if (!status) { return; }
    var said = !words.length ? "" : shown === 0 ? "No visitor matches." :
      "Showing " + shown + " of " + all + " visitor" + (all === 1 ? "" : "s") + ".";
    if (status.textContent !== said) { status.textContent = said; }
  }
  // The tab title counts the messages waiting in the signed-in rep's own chats: the cards'
  // unread badges that name them ("(2) Board · liveapp").
  function countUnread() {
    var board = document.getElementById("board");
    if (!board) { return; }
    var me = board.getAttribute("data-me"), n = 0;
    board.querySelectorAll(".vc-unread[data-unread-rep='" + me + "']").forEach(function (badge) {
      n += parseInt(badge.getAttribute("data-unread"), 10) || 0;
    });
    var plain = document.title.replace(/^\(\d+\) /, "");
    var wanted = n ? "(" + n + ") " + plain : plain;
    if (document.title !== wanted) { document.title = wanted; }
  }
  var counting = false;
  function countSoon() {
    if (counting) { return; }
    counting = true;
    window.requestAnimationFrame(function () { counting = false; count(); });
  }
  function landed(mutations) {
    if (words.length) {
      mutations.forEach(function (mutation) {
        mutation.addedNodes.forEach(function (node) {
          if (node.nodeType !== 1) { return; }
          if (node.matches(".visitor-card")) { place(node); } else { placeAll(node); }
        });
      });
    }
    countSoon();
  }
  document.addEventListener("DOMContentLoaded", function () {
    var board = document.getElementById("board");
    if (!board) { return; }
    var input = filterInput();
    if (input) {
      try { input.value = window.sessionStorage.getItem(FILTER_KEY) || ""; } catch (e) { /* private mode */ }
      input.addEventListener("input", function () { setFilter(input.value); });
      input.addEventListener("keydown", function (event) {
        if (event.key === "Escape" && input.value) { input.value = ""; setFilter(""); }
      });
      setFilter(input.value);
    } else {
      count();
    }
    new MutationObserver(landed).observe(board, { childList: true, subtree: true });
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
