// Canned replies in the rep's chat box. "/" and a shortcut (at the start or after a space)
// open the list of the rep's own and the team's replies, filled in by the server for this
// visitor (my_replies.for_conversation) and filtered as the rep types: arrows move, Enter
// or Tab inserts, Escape closes, a click inserts too. The focus stays in the message box;
// the list is a listbox it points at with aria-activedescendant. Text goes in as text.
(function () {
  "use strict";
  var COMMAND = /(^|\s)\/([A-Za-z0-9_-]*)$/;

  function isChatBox(el) {
    return el && el.matches && el.matches(".chat-form textarea");
  }
  function boxOf(textarea) { return textarea.form.querySelector("[data-canned]"); }
  function options(box) {
    return Array.prototype.slice.call(box.querySelectorAll("[role=option]"));
  }
  function shown(box) { return options(box).filter(function (o) { return !o.hidden; }); }
  function active(box) { return box.querySelector("[role=option][aria-selected=true]"); }

  // The shortcut typed so far before the caret ("" right after "/"), or null.
  function command(textarea) {
    var match = COMMAND.exec(textarea.value.slice(0, textarea.selectionStart));
    return match ? match[2].toLowerCase() : null;
  }

  function load(box) {
    if (!box.loading) {
      box.loading = fetch(box.getAttribute("data-canned-url"), {
        credentials: "same-origin", headers: { "HX-Request": "true" }
      }).then(function (answer) {
        if (!answer.ok) { box.loading = null; }  // try again at the next "/"
        return answer.ok ? answer.text() : "";
      }).then(function (html) { box.innerHTML = html; })  // rendered and escaped by the server
        .catch(function () { box.loading = null; });
    }
    return box.loading;
  }

  function choose(textarea, option) {
    var box = boxOf(textarea);
    options(box).forEach(function (o) { o.setAttribute("aria-selected", String(o === option)); });
    if (option) {
      textarea.setAttribute("aria-activedescendant", option.id);
      option.scrollIntoView({ block: "nearest" });
    } else {
      textarea.removeAttribute("aria-activedescendant");
    }
  }

  function close(textarea) {
    var box = boxOf(textarea);
    if (box) { box.hidden = true; }
    textarea.removeAttribute("aria-activedescendant");
  }

  function open(textarea, typed) {
    var box = boxOf(textarea);
    if (!box.firstElementChild) { return; }  // the list could not be loaded
    options(box).forEach(function (o) {
      o.hidden = o.getAttribute("data-shortcut").indexOf(typed) === -1;
    });
    var visible = shown(box);
    var none = box.querySelector("[data-canned-none]");
    if (none) { none.hidden = visible.length > 0; }
    var list = box.querySelector("[role=listbox]");
    if (list) { textarea.setAttribute("aria-controls", list.id); }
    box.hidden = false;
    var current = active(box);
    choose(textarea, current && !current.hidden ? current : visible[0]);
  }

  function update(textarea) {
    var typed = command(textarea);
    if (typed === null) {
      textarea.cannedDismissed = false;
      close(textarea);
      return;
    }
    if (textarea.cannedDismissed) { return; }
    load(boxOf(textarea)).then(function () {
      var now = command(textarea);  // what is typed once the list is there
      if (now === null || textarea.cannedDismissed) { close(textarea); } else { open(textarea, now); }
    });
  }

  function insert(textarea, option) {
    var caret = textarea.selectionStart;
    var before = textarea.value.slice(0, caret).replace(/\/[A-Za-z0-9_-]*$/, "");
    var text = option.getAttribute("data-text");
    textarea.value = before + text + textarea.value.slice(caret);
    textarea.selectionStart = textarea.selectionEnd = (before + text).length;
    close(textarea);
    textarea.focus();
  }

  function move(textarea, step) {
    var visible = shown(boxOf(textarea));
    var at = visible.indexOf(active(boxOf(textarea)));
    choose(textarea, visible[(at + step + visible.length) % visible.length]);
  }

  document.addEventListener("input", function (event) {
    if (isChatBox(event.target) && boxOf(event.target)) { update(event.target); }
  });

  // Capture: runs before chat.js's Enter-sends, which must not fire while choosing.
  document.addEventListener("keydown", function (event) {
    var textarea = event.target;
    if (!isChatBox(textarea) || event.isComposing) { return; }
    var box = boxOf(textarea);
    if (!box || box.hidden) { return; }
    if (event.key === "Escape") {
      textarea.cannedDismissed = true;
      close(textarea);
    } else if (!shown(box).length) {
      return;
    } else if (event.key === "ArrowDown" || event.key === "ArrowUp") {
      move(textarea, event.key === "ArrowDown" ? 1 : -1);
    } else if ((event.key === "Enter" && !event.shiftKey) || event.key === "Tab") {
      insert(textarea, active(box) || shown(box)[0]);
    } else {
      return;
    }
    event.preventDefault();
    event.stopPropagation();
  }, true);

  // The mouse: pressing keeps the focus in the message box, a click inserts.
  document.addEventListener("mousedown", function (event) {
    if (event.target.closest && event.target.closest("[data-canned] [role=option]")) {
      event.preventDefault();
    }
  });
  document.addEventListener("click", function (event) {
    var option = event.target.closest && event.target.closest("[data-canned] [role=option]");
    if (option) { insert(option.closest("form").querySelector("textarea"), option); }
  });
  document.addEventListener("focusout", function (event) {
    if (isChatBox(event.target) && boxOf(event.target)) { close(event.target); }
  });
})();
