// Accessibility helpers that need the browser (no inline script: works under a strict CSP).
// - page(): the document's language and title follow the view the router rendered
//   (called as a clientside callback with the router's {lang, title}).
// - The file input inside dcc.Upload gets an accessible name (the drop zone's own text).
window.dash_clientside = Object.assign({}, window.dash_clientside, {
  bibplan_a11y: {
    page: function (meta) {
      if (meta && meta.lang) document.documentElement.lang = meta.lang;
      if (meta && meta.title) document.title = meta.title;
      return window.dash_clientside.no_update;
    }
  }
});

(function () {
  function nameFileInputs() {
    var zones = document.querySelectorAll(".upload-drop");
    for (var i = 0; i < zones.length; i++) {
      var input = zones[i].querySelector("input[type=file]");
      if (input && !input.hasAttribute("aria-label")) {
        input.setAttribute("aria-label", zones[i].getAttribute("data-label") || zones[i].textContent.trim());
        input.setAttribute("tabindex", "-1");
      }
    }
  }
  new MutationObserver(nameFileInputs).observe(document.documentElement, { childList: true, subtree: true });
})();
