/* Progressive enhancement for the portal. Every page works without this
   file; with it, uploads show their progress, irreversible buttons ask
   first and the apply form shows only the payee fields that apply.
   The language switch keeps its button: a select that reloads the page
   on change would surprise keyboard and screen-reader users. */
(function () {
  "use strict";

  function confirmDangerous() {
    document.addEventListener("submit", function (event) {
      var question = event.submitter && event.submitter.getAttribute("data-confirm");
      if (question && !window.confirm(question)) { event.preventDefault(); }
    });
  }

  // Uploads go through XMLHttpRequest so that the page can show how far
  // they are; the server answers as it would to the plain form, and the
  // page then follows the redirect it was given.
  function uploadWithProgress() {
    document.querySelectorAll("form[data-upload]").forEach(function (form) {
      var bar = form.querySelector("progress");
      var status = form.querySelector(".upload-status");
      form.addEventListener("submit", function (event) {
        var file = form.querySelector("input[type=file]");
        if (!file || !file.files.length) { return; }
        event.preventDefault();
        var request = new XMLHttpRequest();
        request.open("POST", form.action);
        request.setRequestHeader("X-Requested-With", "XMLHttpRequest");
        bar.hidden = false;
        bar.value = 0;
        request.upload.addEventListener("progress", function (progress) {
          if (!progress.lengthComputable) { return; }
          var percent = Math.round((progress.loaded / progress.total) * 100);
          bar.value = percent;
          status.textContent = form.getAttribute("data-progress-text").replace("%s", percent);
        });
        request.addEventListener("load", function () {
          var next = request.getResponseHeader("X-Location");
          window.location.assign(next || window.location.href);
        });
        request.addEventListener("error", function () {
          status.textContent = form.getAttribute("data-error-text");
        });
        form.querySelectorAll("button").forEach(function (button) { button.disabled = true; });
        request.send(new FormData(form));
      });
    });
  }

  // The other account's fields matter only when "another account" is
  // chosen; without script they simply stay visible.
  function showNewPayeeWhenChosen(root) {
    var box = root.querySelector("[data-new-payee]");
    if (!box) { return; }
    var chosen = root.querySelector("input[name=payee]:checked");
    box.hidden = Boolean(chosen) && chosen.value !== "new";
  }

  document.addEventListener("change", function (event) {
    if (event.target.name === "payee") { showNewPayeeWhenChosen(event.target.form); }
  });
  document.addEventListener("htmx:afterSettle", function (event) {
    showNewPayeeWhenChosen(event.detail.elt.ownerDocument);
  });

  document.addEventListener("DOMContentLoaded", function () {
    showNewPayeeWhenChosen(document);
    confirmDangerous();
    uploadWithProgress();
  });
})();
