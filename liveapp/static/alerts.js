// Inbound chat accept prompts on the board: alerts (sound, desktop notification), the
// offer countdown, and what Accept's answer does. No inline scripts: the CSP forbids them.
// Visitor text is only ever set with textContent.
// What alerts is anything in the prompts area with `data-alert` (its key): accept prompts
// and pounce arrival notices alike, each saying its desktop notification's title, body
// and, optionally, the page a click on it opens (data-alert-title/-body/-url).
(function () {
  "use strict";

  var SOUND_KEY = "liveapp.offerSound";

  function area() { return document.querySelector("[data-offers]"); }
  function alerting() { return document.querySelectorAll("[data-alert]"); }

  // ---------------------------------------------------------------- countdown

  function left(seconds) {
    seconds = Math.max(0, Math.ceil(seconds));
    var m = Math.floor(seconds / 60), s = seconds % 60;
    return m + ":" + (s < 10 ? "0" : "") + s + " left to accept";
  }
  function tick() {
    var now = Date.now() / 1000;
    document.querySelectorAll("time[data-until]").forEach(function (el) {
      var remaining = parseFloat(el.getAttribute("data-until")) - now;
      el.textContent = remaining > 0 ? left(remaining) : "Time is up";
      el.classList.toggle("offer-expired", remaining <= 0);
    });
  }
  setInterval(tick, 1000);

  // ---------------------------------------------------------------- sound

  var audio = null;
  function soundOn() {
    try { return window.localStorage.getItem(SOUND_KEY) === "on"; } catch (e) { return false; }
  }
  function showSound() {
    var button = document.querySelector("[data-offer-sound]");
    if (!button) { return; }
    var on = soundOn();
    button.textContent = on ? "Sound on" : "Sound off";
    button.setAttribute("aria-pressed", on ? "true" : "false");
  }
  function beep() {
    var Context = window.AudioContext || window.webkitAudioContext;
    if (!Context) { return; }
    try {
      audio = audio || new Context();
      var osc = audio.createOscillator(), gain = audio.createGain();
      osc.type = "sine";
      osc.frequency.value = 880;
      gain.gain.setValueAtTime(0.15, audio.currentTime);
      gain.gain.exponentialRampToValueAtTime(0.001, audio.currentTime + 0.3);
      osc.connect(gain);
      gain.connect(audio.destination);
      osc.start();
      osc.stop(audio.currentTime + 0.3);
    } catch (e) { /* no sound is better than a broken board */ }
  }

  // ---------------------------------------------------------------- desktop notifications

  function canNotify() { return "Notification" in window; }
  function showNotifyButton() {
    var button = document.querySelector("[data-offer-notify]");
    if (!button) { return; }
    button.hidden = !(canNotify() && Notification.permission === "default");
  }
  function notify(el) {
    if (!canNotify() || Notification.permission !== "granted") { return; }
    var url = el.getAttribute("data-alert-url");
    try {
      var note = new Notification(el.getAttribute("data-alert-title") || "A visitor", {
        body: el.getAttribute("data-alert-body") || "", tag: el.getAttribute("data-alert")
      });
      note.onclick = function () {
        window.focus();
        note.close();
        if (url) { window.location.assign(url); }
      };
    } catch (e) { /* some browsers allow notifications from service workers only */ }
  }

  // ---------------------------------------------------------------- new prompts and notices

  // A prompt or notice is new when its key was not shown a moment ago: an in-place update
  // (same id swapped) or a re-insert does not alert twice.
  var shown = {};
  function current() {
    var ids = {};
    alerting().forEach(function (el) { ids[el.getAttribute("data-alert")] = el; });
    return ids;
  }
  function alertFor(el) {
    var box = area();
    if (box) {
      box.setAttribute("data-alerts", String(parseInt(box.getAttribute("data-alerts") || "0", 10) + 1));
    }
    el.classList.add("offer-new");
    if (soundOn()) { beep(); }
    notify(el);
  }
  function check() {
    var now = current();
    Object.keys(now).forEach(function (id) { if (!shown[id]) { alertFor(now[id]); } });
    shown = now;
    tellTaken();
    tick();
  }

  // A prompt another rep accepted first comes back as a note in its place ("Ann accepted
  // first"): said once in the status line (polite), then taken away after a while.
  var TAKEN_FOR_MS = 20000;
  function tellTaken() {
    document.querySelectorAll("[data-offer-taken]:not([data-told])").forEach(function (note) {
      note.setAttribute("data-told", "");
      var status = document.querySelector("[data-offers-status]");
      var line = note.querySelector(".offer-taken-line"), name = note.querySelector(".offer-name");
      if (status && line) {
        status.textContent = line.textContent.trim() + (name ? " (" + name.textContent.trim() + ")" : "");
      }
      setTimeout(function () { note.remove(); }, TAKEN_FOR_MS);
    });
  }

  // ---------------------------------------------------------------- accepting

  // Accept claims the chat (POST /conversations/claim/<vid>, origin "inbound"). Not an htmx
  // request: the prompt is taken off the board (over SSE) as soon as anyone claims, maybe
  // before the answer arrives, and the answer must still be handled.
  // 201: the chat is ours, open the visitor detail where it lives; 409 (someone else is
  // chatting, or we are at our limit): say why in the prompt, or under the tools if the
  // prompt is gone; 403/404: it moved on.
  function csrfToken() {
    var meta = document.querySelector('meta[name="csrf-token"]');
    return meta ? meta.getAttribute("content") : "";
  }
  function say(prompt, text) {
    var result = prompt && document.contains(prompt) && prompt.querySelector(".offer-result");
    var target = result || document.querySelector("[data-offers-status]");
    if (target) { target.textContent = text; }
  }
  function textOf(html) {
    return new DOMParser().parseFromString(html, "text/html").body.textContent.trim();
  }
  function accept(button) {
    var prompt = button.closest("[data-offer]");
    button.disabled = true;
    fetch(button.getAttribute("data-claim-url"), {
      method: "POST", credentials: "same-origin", body: new URLSearchParams({ origin: "inbound" }),
      headers: { "X-CSRFToken": csrfToken(), "HX-Request": "true" }
    }).then(function (response) {
      if (response.status === 201) {
        window.location.assign(button.getAttribute("data-visitor-url"));
        return null;
      }
      button.disabled = false;
      if (response.status === 403 || response.status === 404) {
        say(prompt, "This chat request is no longer offered to you.");
        return null;
      }
      return response.text().then(function (html) {
        say(prompt, response.status === 409 || response.status === 422
          ? textOf(html) : "Could not accept the chat: try again.");
      });
    }).catch(function () {
      button.disabled = false;
      say(prompt, "Could not reach the server: try again.");
    });
  }

  function start() {
    var box = area();
    if (!box) { return; }
    shown = current();  // prompts present on load were seen already: no alert on reload
    alerting().forEach(function (el) { el.classList.add("offer-new"); });
    // Prompts come and go as children of the list (inserted, replaced, removed, or the
    // list re-fetched); the countdown's text changes deeper down do not count.
    var list = box.querySelector(".offers-list");
    if (list) { new MutationObserver(check).observe(list, { childList: true }); }
    showSound();
    showNotifyButton();
    tick();
    box.addEventListener("click", function (event) {
      var target = event.target;
      if (target.closest("[data-accept]")) {
        accept(target.closest("[data-accept]"));
      } else if (target.closest("[data-dismiss]")) {
        target.closest(".offer-prompt").remove();
      } else if (target.closest("[data-offer-sound]")) {
        try { window.localStorage.setItem(SOUND_KEY, soundOn() ? "off" : "on"); } catch (e) { /* private mode */ }
        showSound();
        if (soundOn()) { beep(); }  // a click is the gesture browsers need to allow audio
      } else if (target.closest("[data-offer-notify]") && canNotify()) {
        Notification.requestPermission().then(showNotifyButton, showNotifyButton);
      }
    });
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
