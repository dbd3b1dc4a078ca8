// Programme dashboard charts (admin). Data comes from a json_script element; the same figures
// are in the tables beside each chart, so the charts are an illustration, not the only source.
(function () {
  "use strict";
  // Long labels (« Développeur·se, chef·fe de projet, consultants, community managers ») on
  // several lines rather than cut: Chart.js draws an array as one line per item.
  function wrap(label, width) {
    var lines = [], line = "";
    String(label).split(" ").forEach(function (word) {
      if (line && (line + " " + word).length > width) {
        lines.push(line);
        line = word;
      } else {
        line = line ? line + " " + word : word;
      }
    });
    if (line) {
      lines.push(line);
    }
    return lines;
  }
  function draw() {
    var source = document.getElementById("dashboard-data");
    if (!source || typeof window.Chart === "undefined") {
      return;
    }
    var data = JSON.parse(source.textContent);
    var audiences = document.getElementById("audiences-chart");
    if (audiences) {
      new window.Chart(audiences, {
        type: "bar",
        data: {
          labels: data.audiences.labels.map(function (label) { return wrap(label, 16); }),
          datasets: [
            { label: data.audiences.share_label, data: data.audiences.shares, backgroundColor: "#1f5f8b" },
            { label: data.audiences.target_label, data: data.audiences.targets, backgroundColor: "#e0a100" }
          ]
        },
        options: { responsive: true, maintainAspectRatio: false, scales: { y: { beginAtZero: true, max: 100 } } }
      });
    }
    var families = document.getElementById("families-chart");
    if (families) {
      new window.Chart(families, {
        type: "bar",
        data: {
          labels: data.families.labels.map(function (label) { return wrap(label, 24); }),
          datasets: [{ label: data.families.label, data: data.families.enrolled, backgroundColor: "#2e7d32" }]
        },
        options: { indexAxis: "y", responsive: true, maintainAspectRatio: false, scales: { x: { beginAtZero: true, max: 100 } } }
      });
    }
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", draw);
  } else {
    draw();
  }
})();
