// The catalogue's filter panel stays open beside the results on wide screens; on a phone it is
// collapsed after a search so that the results come first (templates/programmes/catalogue.html).
document.addEventListener("DOMContentLoaded", function () {
  var panel = document.querySelector("[data-open-on-wide-screens]");
  if (panel && window.matchMedia("(min-width: 992px)").matches) {
    panel.open = true;
  }
});
