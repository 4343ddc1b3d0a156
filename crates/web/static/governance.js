// federa: reloads a live page (the quorum, a vote's progress) every few seconds, unless the
// reader is filling in a form on it. Served from /static, as the CSP allows only 'self'.
(function () {
  var el = document.getElementById("live");
  if (!el) return;
  var secs = parseInt(el.getAttribute("data-live"), 10) || 10;
  var busy = false;
  document.addEventListener("input", function () { busy = true; });
  setInterval(function () {
    if (!busy && document.visibilityState !== "hidden") location.reload();
  }, secs * 1000);
})();
