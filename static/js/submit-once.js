// Buttons marked data-once are disabled after the first submit of their form, so a double tap
// sends one request (the server also refuses a second "send": this is only for comfort).
document.addEventListener("submit", function (event) {
  var form = event.target;
  if (form.dataset.submitted === "1") { event.preventDefault(); return; }
  var button = form.querySelector("[data-once]");
  if (!button) { return; }
  form.dataset.submitted = "1";
  window.setTimeout(function () { button.disabled = true; }, 0);
});
