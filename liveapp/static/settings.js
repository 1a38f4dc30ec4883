// Settings pages: ordering for lists marked data-sortable, by drag and drop (their
// "Move up"/"Move down" buttons post on their own, see components/_macros.html),
// checklists' filter boxes and Copy buttons.
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
    if (!window.Sortable) { return; }  // pages with no sortable list do not load it
    document.querySelectorAll("[data-sortable]").forEach(bind);
    document.querySelectorAll("[data-sortable-local]").forEach(bindLocal);
  }
  document.addEventListener("DOMContentLoaded", addStatus);
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
