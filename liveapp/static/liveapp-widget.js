/* liveapp chat widget, loaded by liveapp.js once it holds the visitor's token. Runs the
   visitor's experience flow, chats over /t/v1/chat and the visitor's SSE channel. Where
   the flow goes (buttons branch: a later step or the end) is the server's: the widget
   shows the steps of `flow.path`, asks `flow.asking`, and asks for a rep only when
   `flow.can_request` (the flow reached Route for Inbound Chat).
   Text only ever goes in with textContent; the look is in liveapp-widget.css. */
(function () {
"use strict";
var me = document.currentScript, lv = window.liveapp;
if (!me || !lv || !lv.token || lv.chat) return;
var base = new URL(me.src, location.href).origin, api = base + "/t/v1/chat";
var SIZES = ["1-10", "11-50", "51-200", "201-1000", "1001+"]; // as the server's COMPANY_SIZES
var ASK = { email: "What is your email?", company_size: "How big is your company?",
  industry: "Which industry are you in?" };
var WAIT = "A rep will be with you in a moment…";
var OFFLINE = "Nobody can chat right now. Leave us a message, or book a time with us.";
var NO_FLOW = { path: [], asking: null, can_request: false };
var S = lv.chat = { status: "idle", steps: [], answers: {}, flow: NO_FLOW, requested: false, conv: null };
var seen = {}, source = null, poll = null, sending = false, bookerBox = null, bookedText = "";
var offlineBox = null, leftText = "", offlineOpen = false;  // the offline message form
// Bot questions left unanswered when a rep joined (a pounce): closed for this page, so the
// chat does not sit under a question nobody asks any more, nor bring it back when it ends.
var closed = {};
var kept = null;  // the question's typed text across a re-render (render, ask)

function el(tag, cls, text) {
  var e = document.createElement(tag);
  if (cls) e.className = cls;
  if (text != null) e.textContent = text;
  return e;
}
function on(e, type, fn) { e.addEventListener(type, fn); return e; }
function button(text, fn, cls) { var b = on(el("button", cls || "lvw-choice", text), "click", fn); b.type = "button"; return b; }
function clean(error) { return String(error || "Something went wrong; try again.").replace(/^[a-z_]+: /, ""); }

function call(path, body) {
  var url = api + path, opts = { credentials: "omit" };
  if (body) {
    body.token = lv.token;
    opts.method = "POST";
    opts.headers = { "Content-Type": "application/json" };
    opts.body = JSON.stringify(body);
  } else {
    url += "?token=" + encodeURIComponent(lv.token);
  }
  return fetch(url, opts).then(function (r) {
    return r.json().catch(function () { return {}; }).then(function (d) { return { status: r.status, data: d }; });
  }, function () { return { status: 0, data: {} }; });
}

// ------------------------------------------------------------------ the panel
var css = el("link");
css.rel = "stylesheet";
css.href = base + "/static/liveapp-widget.css";
document.head.appendChild(css);
var root = el("div", "lvw"), panel = el("section", "lvw-panel"), head = el("header", "lvw-head");
var title = el("span", "lvw-title", "Chat with us"), flowLog = el("div"), chatLog = el("div");
var log = el("div", "lvw-log"), tail = el("div", "lvw-tail"), error = el("p", "lvw-error");
var typingNote = el("p", "lvw-typing"), seenNote = el("p", "lvw-seen", "Seen");
var form = el("form", "lvw-send"), input = el("textarea"), send = el("button", null, "Send");
var launcher = button("Chat", function () { show(!root.classList.contains("lvw-open")); }, "lvw-launcher");
root.hidden = panel.hidden = form.hidden = true;
panel.setAttribute("aria-label", "Chat");
input.maxLength = 2000; // as the server's conversations.MAX_MESSAGE
input.rows = 2;
input.placeholder = "Write a message…";
head.append(title, button("×", function () { show(false); }, "lvw-close"));
typingNote.setAttribute("aria-live", "polite");
log.append(flowLog, chatLog, typingNote, tail);
form.append(input, send);
panel.append(head, log, error, form);
root.append(panel, launcher);
document.body.appendChild(root);

function show(open) {
  root.hidden = false;
  root.classList.toggle("lvw-open", open);
  panel.hidden = !open;
  try {
    sessionStorage.setItem("lvw-open", open ? "1" : "");
    if (open) sessionStorage.setItem("lvw-invited", "1"); // opened: no invitation this visit
  } catch (e) { /* private mode */ }
  if (open) log.scrollTop = log.scrollHeight;
  if (open) markRead();
}
function bubble(parent, who, text) {
  var b = parent.appendChild(el("p", "lvw-msg lvw-" + who, text));
  log.scrollTop = log.scrollHeight;
  return b;
}

// ------------------------------------------------------------------ the flow
function render() {
  // A reload (the stream opening, an experience nudge) re-renders the question being
  // asked: what the visitor has typed into it so far, and the focus, are kept.
  var typing = tail.querySelector(".lvw-question input");
  kept = typing && { step: typing.getAttribute("data-step"), value: typing.value,
                     focused: document.activeElement === typing };
  flowLog.replaceChildren();
  tail.replaceChildren();
  var chatting = S.status === "chatting";
  S.flow.path.forEach(function (i) {
    var step = S.steps[i];
    if (step.type === "bot_message") bubble(flowLog, "bot", step.text);
    if ((step.type === "buttons" || step.type === "question") && !closed[i]) {
      if (step.text || step.question) bubble(flowLog, "bot", step.text || ASK[step.question]);
      if (i !== S.flow.asking) bubble(flowLog, "visitor", S.answers[i]);
      else if (!chatting) ask(i, step);
    }
    if (step.type === "route_inbound" && step.text) bubble(flowLog, "bot", step.text);
    if (step.type === "meeting_booker" && (S.status === "booker" || S.status === "offline") && step.text) bubble(flowLog, "bot", step.text);
  });
  if (S.flow.can_request && !S.requested && !chatting) request();
  // Nobody can chat (the groups are closed, or nobody took it): an offline message and
  // the booker at once; a visitor waiting in the queue may leave a message instead.
  var nobody = S.status === "offline" || S.status === "booker";
  if (S.status === "offline") tail.appendChild(el("p", "lvw-note", OFFLINE));
  if (S.status === "offering") tail.appendChild(el("p", "lvw-note", WAIT));
  // Waiting in the queue: their place and the estimate, live (`queue` events), and the
  // meeting booker or a message instead, at any time.
  if (S.status === "waiting") {
    tail.appendChild(el("p", "lvw-note lvw-place", S.place ? S.place.text : WAIT)).setAttribute("aria-live", "polite");
    if (!bookedText) tail.appendChild(button("Book a meeting instead", bookInstead));
    if (!offlineOpen && !leftText) {
      tail.appendChild(button("Leave a message instead", function () { offlineOpen = true; render(); }));
    }
  }
  if (!chatting && (nobody || offlineOpen || leftText)) tail.appendChild(offline());
  if (nobody || bookedText) tail.appendChild(booker());
  form.hidden = !chatting;
  clearInterval(poll);
  if (S.status === "offering" || S.status === "waiting") poll = setInterval(load, 20000);
}

function ask(i, step) {
  var box = tail.appendChild(el("div", "lvw-ask"));
  var pick = function (label) { box.appendChild(button(label, function () { answer(i, label); })); };
  if (step.type === "buttons") return step.buttons.forEach(function (b) { pick(b.label); });
  if (step.question === "company_size") return SIZES.forEach(pick);
  var f = box.appendChild(el("form", "lvw-question")), field = f.appendChild(el("input"));
  field.type = step.question === "email" ? "email" : "text";
  field.maxLength = step.question === "email" ? 254 : 120;
  field.required = true;
  field.setAttribute("aria-label", ASK[step.question]);
  field.setAttribute("data-step", String(i));
  if (kept && kept.step === String(i)) {
    field.value = kept.value;
    if (kept.focused) setTimeout(function () { field.focus(); });
  }
  f.appendChild(el("button", null, "Send"));
  on(f, "submit", function (e) { e.preventDefault(); answer(i, field.value); });
}

function answer(i, value) {
  call("/answer", { step: i, value: value }).then(function (r) {
    if (r.status !== 200) return fail(r);
    S.answers = r.data.answers;
    S.flow = r.data.flow || NO_FLOW;
    error.textContent = "";
    render();
  });
}

function request() {
  S.requested = true;
  call("/request", {}).then(function (r) {
    if (r.status !== 202) return fail(r);
    if (S.status === "idle") { S.status = "offering"; render(); } // until routing says more
  });
}

function fail(r) { error.textContent = clean(r.data.error); }

function bookInstead() {
  error.textContent = "";
  call("/booker", {}).then(function (r) {
    if (r.status !== 202) fail(r); // no longer waiting (taken meanwhile, say)
    return load();
  });
}

// ------------------------------------------------------------------ offline message
function offline() {
  if (offlineBox) return offlineBox;
  offlineBox = el("form", "lvw-offline");
  offlineBox.setAttribute("aria-label", "Leave a message");
  var email = el("input"), text = el("textarea"), go = el("button", null, "Leave message");
  email.type = "email";
  email.required = true;
  email.maxLength = 254;
  email.placeholder = "Your email";
  email.setAttribute("aria-label", "Your email");
  S.steps.forEach(function (s, i) { if (s.question === "email" && S.answers[i]) email.value = S.answers[i]; });
  text.required = true;
  text.maxLength = 2000; // as the server's offline_messages.MAX_BODY
  text.rows = 3;
  text.placeholder = "Your message";
  text.setAttribute("aria-label", "Your message");
  go.type = "submit";
  offlineBox.append(el("p", "lvw-note", "Leave a message and we will email you back."), email, text, go);
  on(offlineBox, "submit", function (e) {
    e.preventDefault();
    go.disabled = true;
    call("/offline", { email: email.value, body: text.value }).then(function (r) {
      go.disabled = false;
      if (r.status !== 201) return fail(r);
      error.textContent = "";
      leftText = "Thanks! We will reply to " + r.data.email + ".";
      var done = el("p", "lvw-done", leftText);
      done.setAttribute("role", "status");
      offlineBox.replaceChildren(done);
      reveal(offlineBox);
    });
  });
  return offlineBox;
}

// ------------------------------------------------------------------ meeting booker
function booker() {
  if (!bookerBox) { bookerBox = el("div", "lvw-booker"); slots(); }
  return bookerBox;
}

function when(iso) {
  return new Date(iso).toLocaleString([], { weekday: "short", month: "short", day: "numeric",
    hour: "2-digit", minute: "2-digit" });
}

function slots(note) {
  call("/slots").then(function (r) {
    if (bookedText) return;
    bookerBox.replaceChildren();
    if (note) bookerBox.appendChild(el("p", "lvw-error", clean(note)));
    var list = r.data.slots;
    if (r.status !== 200 || !Array.isArray(list)) return bookerBox.appendChild(el("p", "lvw-note", "Booking is not available right now."));
    bookerBox.appendChild(el("p", "lvw-note", list.length ? "Pick a time" + (r.data.rep ? " with " + r.data.rep : "") + ":" : "No free times in the coming days."));
    var email = bookerBox.appendChild(el("input"));
    email.type = "email";
    email.placeholder = "Your email (optional)";
    email.maxLength = 254;
    S.steps.forEach(function (s, i) { if (s.question === "email" && S.answers[i]) email.value = S.answers[i]; });
    var days = {}, confirm = el("div", "lvw-confirm");
    list.forEach(function (iso) {
      var day = new Date(iso).toLocaleDateString([], { weekday: "long", month: "short", day: "numeric" });
      if (!days[day]) { days[day] = bookerBox.appendChild(el("div", "lvw-day")); days[day].appendChild(el("b", null, day)); }
      var slot = days[day].appendChild(button(new Date(iso).toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" }), function () {
        pick(slot, iso, r.data.rep, confirm, function () { return email.value.trim(); });
      }, "lvw-slot"));
      slot.setAttribute("aria-pressed", "false");
    });
    confirm.hidden = true;
    bookerBox.appendChild(confirm);
    reveal(bookerBox);
  });
}

// A slot is picked, then confirmed: one click books nothing. The confirm step takes the
// focus (keyboard and screen reader users land on it); "Pick another time" gives it back.
function pick(slot, iso, rep, confirm, email) {
  bookerBox.querySelectorAll(".lvw-slot").forEach(function (b) {
    b.setAttribute("aria-pressed", b === slot ? "true" : "false");
  });
  var ask = el("p", "lvw-confirm-ask", "Book " + when(iso) + (rep ? " with " + rep : "") + "?");
  ask.id = "lvw-confirm-ask";
  var yes = button("Confirm booking", function () {
    yes.disabled = true;
    book(iso, email()).then(function (ok) { yes.disabled = ok; });
  }, "lvw-confirm-yes");
  yes.setAttribute("aria-describedby", ask.id);
  var no = button("Pick another time", function () {
    confirm.hidden = true;
    slot.setAttribute("aria-pressed", "false");
    slot.focus();
  }, "lvw-confirm-no");
  confirm.replaceChildren(ask, yes, no);
  confirm.hidden = false;
  reveal(confirm);
  yes.focus();
}

// Scroll the chat log (not the page) so the box's top is in view.
function reveal(box) {
  log.scrollTop += box.getBoundingClientRect().top - log.getBoundingClientRect().top - 8;
}

// Whether the meeting was booked (else the slots again, or the error said).
function book(iso, email) {
  return call("/meetings", { start: iso, email: email || undefined }).then(function (r) {
    if (r.status === 409) { slots(r.data.error); return false; }
    if (r.status !== 201) { fail(r); return false; }
    var m = r.data.meeting;
    bookedText = "Booked: " + when(m.start) + (m.rep ? " with " + m.rep : "") + ". See you then!";
    var done = el("p", "lvw-done", bookedText);
    done.setAttribute("role", "status");
    bookerBox.replaceChildren(done);
    reveal(bookerBox);
    return true;
  });
}

// ------------------------------------------------------------------ chat
function message(m) {
  if (seen[m.id]) return;
  seen[m.id] = true;
  var b = bubble(chatLog, m.sender, m.body);
  if (m.sender === "visitor") R.mine = { id: m.id, el: b };
  if (m.sender === "rep") {
    R.theirs = Math.max(R.theirs, m.id);
    R.mine = null;  // answered: "Seen" under the visitor's message has nothing more to say
    repTyping({ typing: false });
    markRead();
  }
  showSeen();
}

// Read state (services/chat/read_state.py): the rep's newest message shown while the
// widget is open and the page visible is read ("Seen" in the rep's panel); once the rep
// has read the visitor's last message, "Seen" goes under it here.
var R = { theirs: 0, sent: 0, repRead: 0, mine: null };
function markRead() {
  if (!S.conv || panel.hidden || document.visibilityState !== "visible" || R.theirs <= R.sent) return;
  R.sent = R.theirs;
  call("/read", { message_id: R.theirs });
}
function showSeen() {
  if (R.mine && R.repRead >= R.mine.id) R.mine.el.after(seenNote);
  else seenNote.remove();
}
document.addEventListener("visibilitychange", markRead);

// Typing, both ways (services/live/typing.py): at most one "typing" every 2 s while the
// visitor types, "stopped" on send, blur or 3 s idle; the rep's indicator clears itself
// after 6 s without a signal.
var T = { at: 0, on: false, idle: null, clear: null };
function stopTyping() {
  clearTimeout(T.idle);
  if (!T.on) return;
  T.on = false;
  T.at = 0;
  call("/typing", { state: "stopped" });
}
on(input, "input", function () {
  if (S.status !== "chatting" || !input.value.trim()) return stopTyping();
  if (Date.now() - T.at >= 2000) {
    T.at = Date.now();
    T.on = true;
    call("/typing", { state: "typing" });
  }
  clearTimeout(T.idle);
  T.idle = setTimeout(stopTyping, 3000);
});
on(input, "blur", stopTyping);
function repTyping(d) {
  clearTimeout(T.clear);
  typingNote.textContent = d.typing ? d.rep + " is typing…" : "";
  if (d.typing) T.clear = setTimeout(function () { typingNote.textContent = ""; }, 6000);
}

function conversation(c) {
  if (c.status === "open") {
    if (S.conv && S.conv.id === c.id) {
      // Handed to another rep: the transcript says so ("Ann handed you to Bob").
      if (c.rep && c.rep !== S.conv.rep) { S.conv = c; title.textContent = c.rep; }
      return;
    }
    S.conv = c;
    S.status = "chatting";
    R = { theirs: 0, sent: c.visitor_read_id || 0, repRead: c.rep_read_id || 0, mine: null };
    if (S.flow.asking != null) closed[S.flow.asking] = true;
    title.textContent = c.rep;
    bubble(chatLog, "note", c.rep + " joined");
    show(true);
  } else if (S.conv) {
    repTyping({ typing: false });
    bubble(chatLog, "note", S.conv.rep + " closed the chat");
    S.conv = null;
    S.status = "idle";
    title.textContent = "Chat with us";
  }
  render();
}

on(form, "submit", function (e) {
  e.preventDefault();
  if (sending || !input.value.trim()) return;
  sending = true;
  stopTyping();
  var body = input.value;
  call("/messages", { body: body }).then(function (r) {
    sending = false;
    if (r.status !== 201) return fail(r);
    error.textContent = "";
    input.value = "";
    message({ id: r.data.id, sender: "visitor", body: body.trim() });
  });
});
on(input, "keydown", function (e) {
  if (e.key === "Enter" && !e.shiftKey) { e.preventDefault(); form.requestSubmit(); }
});

// ------------------------------------------------------------------ invitation
// The experience's trigger (liveapp/domain/invitations.py) opens the widget by itself: at
// most once per visit (this tab's session; any opening counts), never while a chat is open.
var armed = false;
function invited() {
  try { return sessionStorage.getItem("lvw-invited") === "1"; } catch (e) { return false; }
}
function invite() {
  if (S.conv || invited() || root.classList.contains("lvw-open")) return;
  show(true);
}
function arm(invitation) {
  if (armed || !invitation || invited()) return;
  armed = true;
  var value = invitation.value || 0;
  var listen = function (target, names, fn) {
    names.forEach(function (n) { target.addEventListener(n, fn, { passive: true }); });
    return function () { names.forEach(function (n) { target.removeEventListener(n, fn); }); };
  };
  var stop;
  if (invitation.trigger === "time_on_page") {
    setTimeout(invite, value * 1000);
  } else if (invitation.trigger === "scroll_depth") {
    stop = listen(window, ["scroll"], function () {
      var page = document.documentElement;
      if ((window.scrollY + window.innerHeight) * 100 >= value * page.scrollHeight) { stop(); invite(); }
    });
  } else if (invitation.trigger === "exit_intent") { // through the top edge, to the tabs
    stop = listen(document, ["mouseout"], function (e) {
      if (!e.relatedTarget && e.clientY <= 0) { stop(); invite(); }
    });
  } else if (invitation.trigger === "idle") {
    var timer;
    var active = function () {
      clearTimeout(timer);
      timer = setTimeout(function () { stop(); invite(); }, value * 1000);
    };
    stop = listen(window, ["mousemove", "keydown", "scroll", "touchstart", "pointerdown"], active);
    active();
  }
}

// ------------------------------------------------------------------ state and events
function load() {
  return call("").then(function (r) {
    if (r.status !== 200) return false;
    var d = r.data;
    S.steps = d.experience ? d.experience.steps : [];
    S.answers = d.answers || {};
    S.flow = d.flow || NO_FLOW;
    S.requested = d.requested;
    S.status = d.status;
    S.place = d.queue;
    S.channel = d.channel; // the server's name for this visitor, never the cookie's id
    if (d.conversation && d.conversation.status === "open") {
      if (!S.conv || S.conv.id !== d.conversation.id) {
        chatLog.replaceChildren();
        seen = {};
        S.conv = null;
        conversation(d.conversation);
      }
      d.messages.forEach(message);
      R.repRead = Math.max(R.repRead, d.conversation.rep_read_id || 0);
      showSeen();
    }
    if (S.steps.length || S.conv) root.hidden = false;
    render();
    if (S.steps.length) arm(d.experience.invitation);
    return true;
  });
}

function listen() {
  var url = base + "/events/stream?channel=" + encodeURIComponent(S.channel) +
    "&token=" + encodeURIComponent(lv.token);
  source = new EventSource(url);
  var handle = function (fn) { return function (e) { try { fn(JSON.parse(e.data)); } catch (x) { /* not ours */ } }; };
  source.addEventListener("conversation", handle(conversation));
  source.addEventListener("message", handle(function (m) { message(m); show(true); }));
  source.addEventListener("status", handle(function (d) {
    if (S.status !== "chatting") { S.status = d.status; render(); }
  }));
  source.addEventListener("typing", handle(repTyping));
  source.addEventListener("read", handle(function (d) {
    R.repRead = Math.max(R.repRead, d.rep_read_id || 0);
    showSeen();
  }));
  source.addEventListener("queue", handle(function (place) {
    S.place = place;
    if (S.status === "waiting") render();
  }));
  source.addEventListener("resync", load);
  // The visitor's experience arrived (or changed): read the state again. A new visitor's
  // first load usually comes before `liveapp pipeline` recorded them (no experience yet).
  source.addEventListener("experience", load);
  source.onopen = function () {
    // A nudge sent between the first load and this subscription was missed: read once more.
    if (!S.live && !S.steps.length && !S.conv) load();
    S.live = true;
  };
  source.onerror = function () {
    // Closed for good (refused: an old token): try again with the snippet's newest one.
    if (source.readyState === 2) setTimeout(function () { load().then(function (ok) { if (ok) listen(); }); }, 10000);
  };
}

// The first load, tried again a few times (1, 2, 4 s) should the server not answer it.
function first(tries) {
  return load().then(function (ok) {
    if (ok || tries <= 0) return ok;
    return new Promise(function (done) { setTimeout(done, 1000 * Math.pow(2, 3 - tries)); })
      .then(function () { return first(tries - 1); });
  });
}

first(3).then(function (ok) {
  if (!ok) return;
  listen();
  var wasOpen = false;
  try { wasOpen = sessionStorage.getItem("lvw-open") === "1"; } catch (e) { /* private mode */ }
  if (wasOpen && !root.hidden) show(true);
});
})();
