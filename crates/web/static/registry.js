// The member import page: sends the chosen file as the request body (with the CSRF token as a
// header, since a file upload is not a url-encoded form) and shows the server's answer: the
// preview with every problem, or what the import did.
"use strict";
(function () {
  var form = document.getElementById("import-form");
  if (!form) return;
  var result = document.getElementById("import-result");
  var action = "preview";
  form.querySelectorAll("button[data-action]").forEach(function (b) {
    b.addEventListener("click", function () { action = b.getAttribute("data-action"); });
  });
  form.addEventListener("submit", function (ev) {
    ev.preventDefault();
    var input = document.getElementById("file");
    if (!input.files || input.files.length === 0) { input.focus(); return; }
    // A file over the limit would only be refused: say so without sending it.
    var max = Number(form.getAttribute("data-max"));
    if (max > 0 && input.files[0].size > max) {
      var p = document.createElement("p");
      p.className = "notice error";
      p.setAttribute("role", "alert");
      p.id = "import-error";
      p.textContent = form.getAttribute("data-too-large");
      result.replaceChildren(p);
      result.setAttribute("data-done", "refused");
      return;
    }
    var sheet = document.getElementById("sheet").value;
    var url = "/organisations/" + form.getAttribute("data-org") + "/import?action=" +
      encodeURIComponent(action) + (sheet ? "&sheet=" + encodeURIComponent(sheet) : "");
    form.setAttribute("aria-busy", "true");
    fetch(url, {
      method: "POST",
      credentials: "same-origin",
      headers: { "X-CSRF-Token": form.getAttribute("data-csrf"), "Content-Type": "application/octet-stream" },
      body: input.files[0]
    }).then(function (r) { return r.text(); }).then(function (html) {
      result.innerHTML = html;
      form.removeAttribute("aria-busy");
      result.setAttribute("data-done", action);
    }).catch(function (e) {
      result.textContent = String(e);
      form.removeAttribute("aria-busy");
    });
  });
})();
