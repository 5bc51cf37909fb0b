// The upload page: shows the mapping fields of the chosen table, and previews a file in
// place (the chosen file stays chosen for the upload). Without scripts the form still works:
// Preview and Upload post the whole page.
(function () {
  "use strict";
  var form = document.getElementById("upload-form");
  if (!form) { return; }
  var table = document.getElementById("upload-table");
  var file = document.getElementById("upload-file");

  function showTable() {
    form.querySelectorAll("fieldset.mapping").forEach(function (set) {
      var on = set.getAttribute("data-table") === table.value;
      set.disabled = !on;
      set.hidden = !on;
    });
  }

  function preview() {
    if (!file.files || !file.files.length) { file.reportValidity(); return; }
    var body = new FormData(form);
    body.set("action", "preview");
    var output = document.getElementById("upload-output");
    output.setAttribute("aria-busy", "true");
    // form.action would be the buttons named "action", not the form's address
    fetch(form.getAttribute("action"), { method: "POST", body: body,
                                         headers: { accept: "text/html" },
                                         credentials: "same-origin" })
      .then(function (response) { return response.text(); })
      .then(function (html) {
        var page = new DOMParser().parseFromString(html, "text/html");
        ["upload-output", "source-columns"].forEach(function (id) {
          var fresh = page.getElementById(id);
          var old = document.getElementById(id);
          if (fresh && old) { old.replaceWith(document.importNode(fresh, true)); }
        });
      })
      .catch(function (error) {
        output.textContent = "The preview failed: " + error.message;
      })
      .finally(function () {
        var current = document.getElementById("upload-output");
        if (current) { current.removeAttribute("aria-busy"); }
      });
  }

  table.addEventListener("change", showTable);
  file.addEventListener("change", preview);
  document.getElementById("upload-preview").addEventListener("click", function (event) {
    event.preventDefault();
    preview();
  });
  showTable();
}());
