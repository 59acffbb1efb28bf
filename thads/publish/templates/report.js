/* Draws the report's figures (one JSON blob, both languages) and switches the language.
   Figures are drawn for the current language only; switching redraws them with Plotly.react. When all
   are drawn, <html data-charts-drawn="N"> tells tests (and curious readers) how many there are. */
(function () {
  "use strict";
  var root = document.documentElement;
  var figures = JSON.parse(document.getElementById("report-figures").textContent);
  var config = {
    displaylogo: false,
    displayModeBar: false,  // the committee reads; the PNGs are exported beside the page
    responsive: true
  };

  function lang() { return root.classList.contains("lang-en") ? "en" : "vi"; }

  function charts() { return Array.prototype.slice.call(document.querySelectorAll(".chart[data-chart]")); }

  function draw() {
    var l = lang();
    root.removeAttribute("data-charts-drawn");
    var pending = charts().map(function (div) {
      var fig = figures[div.getAttribute("data-chart")];
      fig = fig && fig[l];
      if (!fig) { return Promise.resolve(); }
      return Plotly.react(div, fig.data, fig.layout, config);
    });
    return Promise.all(pending).then(function () {
      root.setAttribute("data-charts-drawn", String(pending.length));
      root.setAttribute("data-lang-drawn", l);
    });
  }

  function setLang(l) {
    root.classList.remove("lang-vi", "lang-en");
    root.classList.add("lang-" + l);
    root.setAttribute("lang", l);
    return draw();
  }

  document.getElementById("lang-switch").addEventListener("click", function () {
    setLang(lang() === "vi" ? "en" : "vi");
  });

  // Printing from a wide laptop window: fit the charts to the A4 width first, then give them back.
  var PRINT_WIDTH = 700;
  window.addEventListener("beforeprint", function () {
    charts().forEach(function (div) { if (div.data) { Plotly.relayout(div, { width: PRINT_WIDTH }); } });
  });
  window.addEventListener("afterprint", function () {
    charts().forEach(function (div) { if (div.data) { Plotly.relayout(div, { width: null, autosize: true }); } });
  });

  window.thadsReport = { setLang: setLang, draw: draw };
  draw();
})();
