// Settings pages: drag-and-drop ordering for lists marked data-sortable, checklists' filter
// boxes and Copy buttons.
// Ordering: the new order is POSTed with htmx (CSRF header added by app.js) and the server
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
    if (!window.Sortable) { return; }  // pages with no sortable list do not load it
    document.querySelectorAll("[data-sortable]").forEach(bind);
    document.querySelectorAll("[data-sortable-local]").forEach(bindLocal);
  }
  document.addEventListener("DOMContentLoaded", bindAll);
  document.addEventListener("htmx:afterSettle", bindAll);
})();
// Checklists (components/_macros.html checklist): the filter box hides the options whose
// label does not contain what is typed; hidden options stay checked and are sent.
(function () {
  "use strict";
  function filter(input) {
    var list = input.closest("[data-checklist]");
    var query = input.value.trim().toLowerCase();
    var shown = 0;
    list.querySelectorAll(".checklist-options label").forEach(function (label) {
      var hit = label.textContent.toLowerCase().indexOf(query) >= 0;
      label.hidden = !hit;
      shown += hit ? 1 : 0;
    });
    list.querySelector("[data-checklist-none]").hidden = shown > 0;
  }
  function bindAll() {
    document.querySelectorAll("[data-checklist-filter][hidden]").forEach(function (input) {
      input.hidden = false;  // useless without this script, so shown by it
    });
  }
  function count(list) {
    var shown = list.querySelector("[data-checklist-count]");
    var chosen = list.querySelectorAll(".checklist-options input:checked").length;
    if (shown) { shown.textContent = chosen ? chosen + " chosen" : ""; }
  }
  document.addEventListener("input", function (event) {
    if (event.target.matches("[data-checklist-filter]")) { filter(event.target); }
  });
  document.addEventListener("change", function (event) {
    var list = event.target.closest("[data-checklist]");
    if (list && event.target.type === "checkbox") { count(list); }
  });
  // Enter in a filter box filters; it does not submit the form.
  document.addEventListener("keydown", function (event) {
    if (event.key === "Enter" && event.target.matches("[data-checklist-filter]")) {
      event.preventDefault();
    }
  });
  document.addEventListener("DOMContentLoaded", bindAll);
  document.addEventListener("htmx:afterSettle", bindAll);
})();

// Copy buttons (data-copy="#id of the text"): copy to the clipboard and say so; where the
// clipboard is refused or missing, select the text so the user can press Ctrl+C.
(function () {
  "use strict";
  function select(source) {
    var range = document.createRange();
    range.selectNodeContents(source);
    var selection = window.getSelection();
    selection.removeAllRanges();
    selection.addRange(range);
  }
  function copy(button) {
    var source = document.querySelector(button.getAttribute("data-copy"));
    var status = button.parentNode.querySelector("[data-copy-status]");
    function say(text) { status.textContent = text; }
    function fallBack() {
      select(source);
      say("Selected: press Ctrl+C (⌘C on a Mac) to copy.");
    }
    say("");
    if (!navigator.clipboard || !window.isSecureContext) { fallBack(); return; }
    navigator.clipboard.writeText(source.textContent).then(function () {
      say("Copied.");
    }, fallBack);
  }
  document.addEventListener("click", function (event) {
    var button = event.target.closest("button[data-copy]");
    if (button) { copy(button); }
  });
  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("button[data-copy][hidden]").forEach(function (button) {
      button.hidden = false;
    });
  });
})();
