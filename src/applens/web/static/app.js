// Draw every chart of the page with vega-embed (served by the app: /static/vega.js).
(function () {
  "use strict";
  function draw() {
    document.querySelectorAll("script.chart-spec").forEach(function (node) {
      var target = document.querySelector('.chart[data-chart="' + node.dataset.for + '"]');
      if (!target) return;
      var spec = JSON.parse(node.textContent);
      window.vegaEmbed(target, spec, { actions: false, renderer: "svg" })
        .then(function () { target.dataset.rendered = "1"; })
        .catch(function (err) {
          target.textContent = "This chart could not be drawn: " + err.message;
          target.dataset.rendered = "error";
        });
    });
  }
  // Keep only the slice values of the chosen slice column.
  function linkSlices() {
    var key = document.getElementById("slice_key");
    var value = document.getElementById("slice_value");
    if (!key || !value) return;
    function sync() {
      Array.prototype.forEach.call(value.options, function (opt) {
        if (!opt.dataset.key) return;
        var show = opt.dataset.key === key.value;
        opt.hidden = !show;
        if (!show && opt.selected) value.value = "";
      });
      value.disabled = !key.value;
    }
    key.addEventListener("change", sync);
    sync();
  }
  linkSlices();
  draw();
})();
