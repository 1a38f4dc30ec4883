/* liveapp site snippet: events go to /t/v1/events on this script's own origin. */
(function () {
"use strict";
var script = document.currentScript;
if (!script || (window.liveapp && window.liveapp.version)) return;
var endpoint = new URL(script.src, location.href).origin + "/t/v1/events";
var siteKey = script.getAttribute("data-site-key") || "";
var UUID = /^[0-9a-f-]{36}$/;
var EMAIL = /^[^@\s]+@[^@\s]+\.[^@\s]+$/;
var lastInput = Date.now(), lastPage = null, lastUrl = document.referrer;
var pending = null, chain = Promise.resolve();
var api = (window.liveapp = { version: 1, token: null, visitorId: visitorId(), identify: identify });

function uuid4() {
  if (crypto.randomUUID) return crypto.randomUUID();
  // No randomUUID outside secure contexts (plain http).
  return "10000000-1000-4000-8000-100000000000".replace(/[018]/g, function (c) {
    return (c ^ (crypto.getRandomValues(new Uint8Array(1))[0] & (15 >> (c / 4)))).toString(16);
  });
}

function visitorId() {
  var m = document.cookie.match(/(?:^|; )lv_vid=([^;]*)/), id = m && UUID.test(m[1]) ? m[1] : uuid4();
  // Re-set each load: a year from the last visit.
  document.cookie = "lv_vid=" + id + "; max-age=31536000; path=/; SameSite=Lax" +
    (location.protocol === "https:" ? "; Secure" : "");
  return id;
}

function isActive() { return document.visibilityState === "visible" && Date.now() - lastInput < 30000; }

function payload(type, extra) {
  var body = { site_key: siteKey, visitor_id: api.visitorId, type: type, url: location.href };
  for (var k in extra) body[k] = extra[k];
  return JSON.stringify(body);
}

function post(type, extra) {
  var headers = { "Content-Type": "application/json" };
  return fetch(endpoint, { method: "POST", body: payload(type, extra), headers: headers, keepalive: true, credentials: "omit" })
    .then(function (r) { return r.status === 202 && r.json(); })
    .then(function (d) {
      if (!d || !d.token) return;
      var first = !api.token;
      api.token = d.token; // the chat widget authenticates with it
      if (!first) return;
      document.dispatchEvent(new CustomEvent("liveapp:ready", { bubbles: true, detail: d }));
      if (script.getAttribute("data-chat") !== "off") chat();
    }).catch(function () {});
}

// The chat widget, from beside this script.
function chat() {
  var tag = document.createElement("script");
  tag.src = new URL("liveapp-widget.js", script.src).href;
  tag.defer = true;
  document.head.appendChild(tag);
}

// Keep one page's events in order.
function send(type, extra) {
  chain = chain.then(function () { return post(type, extra); });
}

function pageView() {
  // #/x and #!x are routes; #section is not.
  var h = location.hash, key = location.pathname + location.search + (/^#[!\/]/.test(h) ? h : "");
  if (key === lastPage) return;
  lastPage = key;
  send("page_view", { title: document.title, referrer: lastUrl || "" });
  lastUrl = location.href;
}

// SPAs set the title after navigating: wait, and merge bursts.
function soon() { clearTimeout(pending); pending = setTimeout(pageView, 100); }

function identify(email, traits) {
  email = String(email || "").trim();
  if (!EMAIL.test(email)) return false;
  send("identify", { email: email, traits: traits || {} });
  return true;
}

// Tell reps at once when an idle visitor comes back.
function wake() {
  var was = isActive();
  lastInput = Date.now();
  if (!was && isActive()) send("heartbeat", { active: true });
}

function onSubmit(e) {
  var form = e.target;
  if (!form.hasAttribute("data-liveapp-identify")) return;
  var field = form.querySelector("input[type=email],input[name=email]"), email = field ? field.value.trim() : "";
  if (!EMAIL.test(email)) return;
  // Not queued: the page may unload now; keepalive finishes it.
  post("identify", { email: email, traits: { source: "form" } });
}

function onLeave() {
  // text/plain: sendBeacon needs no CORS preflight; the server parses it as JSON.
  var blob = new Blob([payload("leave", {})], { type: "text/plain" });
  if (!navigator.sendBeacon || !navigator.sendBeacon(endpoint, blob)) post("leave", {});
  lastPage = null;
}

// Outbound click-through: ?lv_email=...&lv_src=outreach|salesloft
var url = new URL(location.href), q = url.searchParams, landingEmail = q.get("lv_email"), source = q.get("lv_src");
if (landingEmail !== null || source !== null) {
  q.delete("lv_email");
  q.delete("lv_src");
  history.replaceState(history.state, "", url.pathname + url.search + url.hash);
}

["pushState", "replaceState"].forEach(function (name) {
  var original = history[name];
  history[name] = function () { var r = original.apply(this, arguments); soon(); return r; };
});
addEventListener("popstate", soon);
addEventListener("hashchange", soon);
["mousemove", "keydown", "scroll", "touchstart"].forEach(function (name) {
  addEventListener(name, wake, { capture: true, passive: true });
});
document.addEventListener("visibilitychange", wake);
addEventListener("submit", onSubmit, true);
addEventListener("pagehide", onLeave);
addEventListener("pageshow", function (e) { if (e.persisted) pageView(); });
setInterval(function () { send("heartbeat", { active: isActive() }); }, 15000);

pageView();
if (landingEmail) {
  identify(landingEmail, /^(outreach|salesloft)$/.test(source) ? { source: source } : {});
}
})();
