// Progressive enhancement only: every page works without this file.
"use strict";
(function () {
  // Copy buttons: copy the text of the element named by data-copy.
  document.querySelectorAll("button[data-copy]").forEach(function (button) {
    button.addEventListener("click", function () {
      var source = document.getElementById(button.dataset.copy);
      if (!source || !navigator.clipboard) return;
      navigator.clipboard.writeText(source.textContent.trim()).then(function () {
        button.textContent = "Copied";
      });
    });
  });
  // Destructive forms ask first.
  document.querySelectorAll("form[data-confirm]").forEach(function (form) {
    form.addEventListener("submit", function (event) {
      if (!window.confirm(form.dataset.confirm)) event.preventDefault();
    });
  });
  // Uploads with a progress bar: the same form, sent by XHR so its progress can be shown.
  document.querySelectorAll("form[data-upload]").forEach(function (form) {
    var bar = form.querySelector("progress");
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      var xhr = new XMLHttpRequest();
      xhr.open("POST", form.action);
      if (bar) { bar.hidden = false; bar.value = 0; }
      xhr.upload.addEventListener("progress", function (e) {
        if (bar && e.lengthComputable) bar.value = Math.round((e.loaded / e.total) * 100);
      });
      xhr.addEventListener("load", function () {
        if (xhr.responseURL && xhr.status < 400) { window.location.assign(xhr.responseURL); return; }
        document.open(); document.write(xhr.responseText); document.close();
      });
      xhr.send(new FormData(form));
    });
  });
  // Live job state: poll the state fragment and swap it in until the job is finished.
  var live = document.querySelector("[data-live-state]");
  if (live) {
    var timer = setInterval(function () {
      fetch(live.dataset.liveState, { credentials: "same-origin", headers: { Accept: "text/html" } })
        .then(function (r) { return r.ok ? r.text() : null; })
        .then(function (html) {
          if (html === null) return;
          live.innerHTML = html;
          var state = live.querySelector("[data-finished]");
          if (state) { clearInterval(timer); if (state.dataset.finished === "reload") window.location.reload(); }
        });
    }, 1000);
  }
})();
