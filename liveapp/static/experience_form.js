// Settings → Experiences form: keeps each button's "goes to" choices in step with the
// steps on the page. Steps are added, removed, dragged and change type in the browser, so
// the server's choices go stale; a button only goes to a later step (never the meeting
// booker). A chosen step that is no longer later stays selected, named as such, so saving
// shows the admin the server's error instead of silently going somewhere else.
// Same choices and texts as services/experience_form.attach_target_options.
(function () {
  "use strict";
  function shortLabel(row) {
    var type = row.querySelector("select[name$='-type']");
    var question = row.querySelector("select[name$='-question']");
    var label = type ? type.selectedOptions[0].textContent : "";
    if (question && question.selectedOptions[0]) label += " (" + question.selectedOptions[0].dataset.short + ")";
    return label;
  }
  function isBooker(row) {
    var type = row.querySelector("select[name$='-type']");
    return type && type.value === "meeting_booker";
  }
  function elsewhere(rows, value) {
    for (var n = 0; n < rows.length; n++) {
      if ("step-" + rows[n].dataset.id === value) return "Step " + (n + 1) + ": " + shortLabel(rows[n]) + " (not a later step)";
    }
    return "A step that is not in the flow";
  }
  function refresh(list) {
    var rows = Array.prototype.filter.call(list.children, function (el) { return el.classList.contains("step"); });
    rows.forEach(function (row, position) {
      var choices = [["next", "Next step"]];
      rows.slice(position + 1).forEach(function (later, n) {
        if (!isBooker(later)) choices.push(["step-" + later.dataset.id, "Step " + (position + n + 2) + ": " + shortLabel(later)]);
      });
      choices.push(["end", "End the chat flow"]);
      row.querySelectorAll("select[data-button-target]").forEach(function (select) {
        var value = select.value;
        var own = choices.some(function (c) { return c[0] === value; }) ? choices : choices.concat([[value, elsewhere(rows, value)]]);
        select.replaceChildren.apply(select, own.map(function (c) {
          var option = document.createElement("option");
          option.value = c[0];
          option.textContent = c[1];
          option.selected = c[0] === value;
          return option;
        }));
      });
    });
  }
  function bind() {
    var list = document.getElementById("steps");
    if (!list || list.dataset.targetsBound) return;
    list.dataset.targetsBound = "1";
    // Rows added, removed, swapped in (type change, one more button) or dragged.
    new MutationObserver(function () { refresh(list); }).observe(list, { childList: true });
    list.addEventListener("change", function (e) {
      if (e.target.matches("select[name$='-question']")) refresh(list);
    });
    refresh(list);
  }
  document.addEventListener("DOMContentLoaded", bind);
})();
