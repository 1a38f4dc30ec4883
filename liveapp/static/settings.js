// Settings pages: drag-and-drop ordering for lists marked data-sortable.
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
  // Lists marked data-sortable-local reorder inside a form: the order is sent on submit.
  function bindLocal(list) {
    if (list.dataset.sortableBound) { return; }
    list.dataset.sortableBound = "1";
    window.Sortable.create(list, { handle: ".handle", draggable: "[data-id]", animation: 120,
                                   forceFallback: true });
  }
  function bindAll() {
    document.querySelectorAll("[data-sortable]").forEach(bind);
    document.querySelectorAll("[data-sortable-local]").forEach(bindLocal);
  }
  document.addEventListener("DOMContentLoaded", bindAll);
  document.addEventListener("htmx:afterSettle", bindAll);
})();
