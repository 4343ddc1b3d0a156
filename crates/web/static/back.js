// federa: the error page's "back to the form" link goes back in the history, so the browser
// puts back what was typed into the refused form. Without this script the link still leads to
// the form's page, fresh. Served from /static, as the CSP allows only 'self'.
"use strict";
(function () {
  var a = document.getElementById("back-to-form");
  if (!a) return;
  a.addEventListener("click", function (ev) {
    // Only back to a page of this site: the form's page is the one before in the history.
    var from = document.referrer;
    if (history.length < 2 || !from) return;
    try {
      if (new URL(from).origin !== location.origin) return;
    } catch (e) {
      return;
    }
    ev.preventDefault();
    history.back();
  });
})();
