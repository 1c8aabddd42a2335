/* bibplan: when a Dash request answers 401 (the session timed out), go to the login page and come
   back here afterwards.  Added to the Dash app by dashboard.auth.init_dash_auth. */
(function () {
  "use strict";
  var originalFetch = window.fetch;
  if (!originalFetch) { return; }
  var redirecting = false;
  window.fetch = function (input) {
    var url = typeof input === "string" ? input : (input && input.url) || "";
    return originalFetch.apply(this, arguments).then(function (response) {
      if (response.status === 401 && url.indexOf("_dash-") !== -1 && !redirecting) {
        response.clone().json().then(function (body) {
          if (body && body.login_url && !redirecting) {
            redirecting = true;
            var here = window.location.pathname + window.location.search;
            var sep = body.login_url.indexOf("?") === -1 ? "?" : "&";
            window.location.assign(body.login_url + sep + "next=" + encodeURIComponent(here));
          }
        }, function () {});
      }
      return response;
    });
  };
})();
