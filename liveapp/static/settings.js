// Settings pages: ordering for lists marked data-sortable, by drag and drop (their
// "Move up"/"Move down" buttons post on their own, see components/_macros.html).
// The new order is POSTed with htmx (CSRF header added by app.js) and the server
// answers with the re-rendered list, which replaces the old one.
(function () {
  "use strict";
  function bind(list) {
    if (list.dataset.sortableBound) { return; }
    list.dataset.sortableBound = "1";
    window.Sortable.create(list, {
      handle: ".handle",
      draggable: "[data-id]",
      animation: 120,
      forceFallback: true,  // mouse/touch events: same behaviour in every browser
      onEnd: function () {
        var ids = Array.prototype.map.call(list.querySelectorAll("[data-id]"), function (el) {
          return el.getAttribute("data-id");
        });
        window.htmx.ajax("POST", list.getAttribute("data-reorder-url"), {
          target: list, swap: "outerHTML", values: { order: ids }
        });
      }
    });
  }
  function items(list) {
    return Array.prototype.filter.call(list.children, function (el) { return el.hasAttribute("data-id"); });
  }
  // Screen readers hear where a moved item went ("Moved Careers to position 2 of 3"): the
  // focus stays on the button, whose name alone would not say it.
  var status = null, pendingMove = null;
  function announce(button) {
    var row = button.closest("[data-id]");
    if (!row || !status) { return; }
    var rows = items(row.parentElement);
    status.textContent = "Moved " + button.closest(".move").getAttribute("data-item-name") +
      " to position " + (rows.indexOf(row) + 1) + " of " + rows.length;
  }
  document.addEventListener("htmx:beforeRequest", function (event) {
    var elt = event.detail.elt;
    pendingMove = elt && elt.matches && elt.matches(".move button") ? elt.id : null;
  });
  document.addEventListener("htmx:afterSettle", function () {
    var button = pendingMove && document.getElementById(pendingMove);
    pendingMove = null;
    if (button) { announce(button); }
  });
  // Lists marked data-sortable-local reorder inside a form: the order is sent on submit.
  // Their items' "Move up"/"Move down" buttons move the item in the page; each is named
  // by the item's position ("Move step 2 up") and marked aria-disabled at the ends.
  function nameMoves(list) {
    var rows = items(list);
    rows.forEach(function (row, n) {
      row.querySelectorAll("[data-move]").forEach(function (button) {
        var up = button.getAttribute("data-move") === "up";
        button.setAttribute("aria-label", "Move step " + (n + 1) + (up ? " up" : " down"));
        var atEnd = up ? n === 0 : n === rows.length - 1;
        if (atEnd) { button.setAttribute("aria-disabled", "true"); } else { button.removeAttribute("aria-disabled"); }
      });
    });
  }
  function moveLocal(list, event) {
    var button = event.target.closest("[data-move]");
    if (!button || button.getAttribute("aria-disabled") === "true") { return; }
    var row = button.closest("[data-id]");
    var up = button.getAttribute("data-move") === "up";
    var other = up ? row.previousElementSibling : row.nextElementSibling;
    if (!other) { return; }
    list.insertBefore(row, up ? other : other.nextElementSibling);
    nameMoves(list);
    button.focus();  // moving the row took the focus away
    announce(button);
  }
  function bindLocal(list) {
    if (list.dataset.sortableBound) { return; }
    list.dataset.sortableBound = "1";
    window.Sortable.create(list, { handle: ".handle", draggable: "[data-id]", animation: 120,
                                   forceFallback: true });
    list.addEventListener("click", function (event) { moveLocal(list, event); });
    new MutationObserver(function () { nameMoves(list); }).observe(list, { childList: true });
    nameMoves(list);
  }
  function addStatus() {
    status = document.createElement("p");
    status.className = "sr-only";
    status.setAttribute("role", "status");
    status.setAttribute("data-move-status", "");
    (document.querySelector("main") || document.body).appendChild(status);
  }
  function bindAll() {
    document.querySelectorAll("[data-sortable]").forEach(bind);
    document.querySelectorAll("[data-sortable-local]").forEach(bindLocal);
  }
  document.addEventListener("DOMContentLoaded", addStatus);
  document.addEventListener("DOMContentLoaded", bindAll);
  document.addEventListener("htmx:afterSettle", bindAll);
})();
