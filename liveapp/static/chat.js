// The visitor detail's chat panel. No inline scripts: the CSP forbids them. Message text
// is never touched here: the server renders it (escaped) and htmx swaps it in.
(function () {
  "use strict";

  // A refused claim (409) or message (422) comes back as the chat area or form with the
  // reason: show it instead of dropping it as htmx does with errors by default.
  document.addEventListener("htmx:beforeSwap", function (event) {
    var status = event.detail.xhr.status;
    if ((status === 409 || status === 422) && event.detail.elt.closest("[data-chat]")) {
      event.detail.shouldSwap = true;
      event.detail.isError = false;
    }
  });

  // The chat area is pushed again when the chat changes hands (a claim, a hand-over): a
  // reply the rep is writing in it survives the swap (text, focus, caret), else the push
  // landing just after their claim would empty the box under their fingers.
  document.addEventListener("htmx:oobBeforeSwap", function (event) {
    var fragment = event.detail.fragment;
    if (!fragment || !fragment.querySelectorAll) { return; }
    event.detail.target.querySelectorAll(".chat-form textarea[id]").forEach(function (box) {
      if (!box.value) { return; }
      var next = fragment.querySelector("textarea#" + CSS.escape(box.id));
      if (!next || next.value) { return; }
      next.value = next.textContent = box.value;
      if (document.activeElement === box) {
        var start = box.selectionStart, end = box.selectionEnd;
        document.addEventListener("htmx:oobAfterSwap", function refocus() {
          document.removeEventListener("htmx:oobAfterSwap", refocus);
          var now = document.getElementById(box.id);
          if (now) { now.focus(); now.setSelectionRange(start, end); }
        });
      }
    });
  });

  // A rep's own message arrives twice (the form's response and the live event): keep the
  // first. Then show the newest message, at the bottom.
  var seen = new WeakMap();
  function tidy() {
    document.querySelectorAll("[data-chat-messages]").forEach(function (list) {
      var ids = {};
      list.querySelectorAll("li[id]").forEach(function (item) {
        if (ids[item.id]) { item.remove(); } else { ids[item.id] = true; }
      });
      showSeen(list);
      var count = list.children.length;
      if (seen.get(list) !== count) {
        seen.set(list, count);
        list.scrollTop = list.scrollHeight;
      }
    });
  }
  // "Seen" says the visitor saw the rep's newest message: the marker holds the newest id
  // they saw, so a rep message or the marker may land first, in any order.
  function showSeen(list) {
    var marker = list.parentNode && list.parentNode.querySelector("[data-chat-seen]");
    if (!marker) { return; }
    var newest = 0;
    list.querySelectorAll("li.message-rep[id^='message-']").forEach(function (item) {
      newest = Math.max(newest, parseInt(item.id.slice(8), 10) || 0);
    });
    var upto = parseInt(marker.getAttribute("data-seen-upto"), 10) || 0;
    var text = newest && upto >= newest ? "Seen" : "";
    if (marker.textContent !== text) { marker.textContent = text; }
  }
  document.addEventListener("DOMContentLoaded", tidy);
  document.addEventListener("htmx:afterSettle", tidy);
  document.addEventListener("htmx:oobAfterSwap", tidy);

  // Typing and read state (services/live/typing.py, services/chat/read_state.py), for the
  // panel of a conversation the rep owns ([data-chat-owner]).
  var TYPING_EVERY = 2000, IDLE = 3000, CLEAR_AFTER = 6000;  // milliseconds
  function post(url, fields) {
    var meta = document.querySelector('meta[name="csrf-token"]');
    var body = new FormData();
    Object.keys(fields).forEach(function (key) { body.append(key, fields[key]); });
    return fetch(url, { method: "POST", body: body, credentials: "same-origin",
      headers: { "X-CSRFToken": meta ? meta.getAttribute("content") : "" } })
      .catch(function () { /* a lost signal: the other side's indicator clears itself */ });
  }

  // At most one "typing" every 2 s while the rep types; "stopped" on send, blur or 3 s idle.
  var typing = { at: 0, on: false, idle: null, panel: null };
  function stopTyping() {
    clearTimeout(typing.idle);
    if (!typing.on) { return; }
    typing.on = false;
    typing.at = 0;
    post(typing.panel.getAttribute("data-typing-url"), { state: "stopped" });
  }
  function inBox(target) {
    return target && target.matches && target.matches(".chat-form textarea") &&
      target.closest("[data-chat-owner]");
  }
  document.addEventListener("input", function (event) {
    var panel = inBox(event.target);
    if (!panel) { return; }
    if (!event.target.value.trim()) { stopTyping(); return; }
    var now = Date.now();
    if (now - typing.at >= TYPING_EVERY) {
      typing.at = now;
      typing.on = true;
      typing.panel = panel;
      post(panel.getAttribute("data-typing-url"), { state: "typing" });
    }
    clearTimeout(typing.idle);
    typing.idle = setTimeout(stopTyping, IDLE);
  });
  document.addEventListener("focusout", function (event) { if (inBox(event.target)) { stopTyping(); } });
  document.addEventListener("submit", function (event) {
    if (event.target.closest && event.target.closest(".chat-form")) { stopTyping(); }
  }, true);

  // "Visitor is typing…" goes when no signal came for a few seconds (a lost "stopped"):
  // each signal replaces the element, so a fresh one has no start time yet.
  setInterval(function () {
    var now = Date.now();
    document.querySelectorAll("[data-typing]").forEach(function (note) {
      if (!note.textContent) { return; }
      var since = parseInt(note.getAttribute("data-since") || "0", 10);
      if (!since) { note.setAttribute("data-since", String(now)); } else if (now - since > CLEAR_AFTER) { note.textContent = ""; }
    });
  }, 500);

  // Read: while the page is visible, the newest message in an owned panel is read.
  var readUpTo = {};
  function markRead() {
    if (document.visibilityState !== "visible") { return; }
    document.querySelectorAll("[data-chat-owner]").forEach(function (panel) {
      var newest = 0;
      panel.querySelectorAll("li.message[id^='message-']").forEach(function (item) {
        newest = Math.max(newest, parseInt(item.id.slice(8), 10) || 0);
      });
      var url = panel.getAttribute("data-read-url");
      if (newest > (readUpTo[url] || 0)) {
        readUpTo[url] = newest;
        post(url, { message_id: newest });
      }
    });
  }
  document.addEventListener("DOMContentLoaded", markRead);
  document.addEventListener("htmx:afterSettle", markRead);
  document.addEventListener("htmx:oobAfterSwap", markRead);
  document.addEventListener("visibilitychange", markRead);
  window.addEventListener("focus", markRead);

  // Enter sends, Shift+Enter starts a new line.
  document.addEventListener("keydown", function (event) {
    var box = event.target;
    if (event.key !== "Enter" || event.shiftKey || event.isComposing ||
        !box.matches || !box.matches(".chat-form textarea")) { return; }
    event.preventDefault();
    box.form.requestSubmit();
  });
})();
