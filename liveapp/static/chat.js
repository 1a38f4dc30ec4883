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

  // A rep's own message arrives twice (the form's response and the live event): keep the
  // first. Then show the newest message, at the bottom.
  var seen = new WeakMap();
  function tidy() {
    document.querySelectorAll("[data-chat-messages]").forEach(function (list) {
      var ids = {};
      list.querySelectorAll("li[id]").forEach(function (item) {
        if (ids[item.id]) { item.remove(); } else { ids[item.id] = true; }
      });
      var count = list.children.length;
      if (seen.get(list) !== count) {
        seen.set(list, count);
        list.scrollTop = list.scrollHeight;
      }
    });
  }
  document.addEventListener("DOMContentLoaded", tidy);
  document.addEventListener("htmx:afterSettle", tidy);
  document.addEventListener("htmx:oobAfterSwap", tidy);

  // Enter sends, Shift+Enter starts a new line.
  document.addEventListener("keydown", function (event) {
    var box = event.target;
    if (event.key !== "Enter" || event.shiftKey || event.isComposing ||
        !box.matches || !box.matches(".chat-form textarea")) { return; }
    event.preventDefault();
    box.form.requestSubmit();
  });
})();
