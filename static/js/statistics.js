// Public statistics page: charts drawn from a json_script element. Every figure is also in the
// table that follows each chart; a withheld figure (secret statistique) is null and draws no bar.
(function () {
  "use strict";
  function bar(id, labels, datasets, options) {
    var canvas = document.getElementById(id);
    if (!canvas) {
      return;
    }
    new window.Chart(canvas, {
      type: "bar",
      data: { labels: labels, datasets: datasets },
      options: Object.assign({ responsive: true, maintainAspectRatio: false, scales: { y: { beginAtZero: true } } }, options || {})
    });
  }
  function draw() {
    var source = document.getElementById("statistics-data");
    if (!source || typeof window.Chart === "undefined") {
      return;
    }
    var data = JSON.parse(source.textContent);
    bar("funnel-chart", data.funnel.labels, [{ label: data.funnel.label, data: data.funnel.values, backgroundColor: "#1f5f8b" }]);
    bar("families-chart", data.families.labels, [
      { label: data.families.applications_label, data: data.families.applications, backgroundColor: "#1f5f8b" },
      { label: data.families.enrolled_label, data: data.families.enrolled, backgroundColor: "#2e7d32" }
    ]);
    bar("audiences-chart", data.audiences.labels, [
      { label: data.audiences.applications_label, data: data.audiences.applications, backgroundColor: "#1f5f8b" },
      { label: data.audiences.enrolled_label, data: data.audiences.enrolled, backgroundColor: "#2e7d32" }
    ], { scales: { y: { beginAtZero: true, max: 100 } } });
    bar("departements-chart", data.departements.labels, [
      { label: data.departements.label, data: data.departements.applications, backgroundColor: "#1f5f8b" }
    ]);
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", draw);
  } else {
    draw();
  }
})();
