/* Demo site docs: switch topics in place with history.pushState, like a single-page app,
 * so the liveapp snippet's SPA tracking has something real to track. */
(function () {
  "use strict";
  var nav = document.querySelector(".doc-nav");
  if (!nav) return;

  function show(topic) {
    var article = document.getElementById("doc-" + topic);
    if (!article) return false;
    var all = document.querySelectorAll(".doc-body article");
    for (var i = 0; i < all.length; i++) all[i].hidden = all[i] !== article;
    var links = nav.querySelectorAll("a");
    for (var j = 0; j < links.length; j++) {
      if (links[j].getAttribute("data-topic") === topic) links[j].setAttribute("aria-current", "page");
      else links[j].removeAttribute("aria-current");
    }
    document.title = document.title.replace(/^[^·]*·/, article.getAttribute("data-title") + " ·");
    return true;
  }

  nav.addEventListener("click", function (e) {
    var link = e.target.closest("a[data-topic]");
    if (!link || e.metaKey || e.ctrlKey || e.shiftKey) return;
    if (show(link.getAttribute("data-topic"))) {
      e.preventDefault();
      history.pushState({ topic: link.getAttribute("data-topic") }, "", link.href);
    }
  });

  window.addEventListener("popstate", function () {
    show(new URL(location.href).searchParams.get("topic") || "start");
  });
})();
