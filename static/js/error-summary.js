// After a failed submit, the error summary (includes/error_summary.html) takes the focus, so that
// screen readers announce it and keyboard users start from it (GOV.UK / DSFR pattern). Its links
// move the focus to the field concerned.
document.addEventListener("DOMContentLoaded", function () {
  var summary = document.querySelector("[data-error-summary]");
  if (summary) {
    summary.focus();
  }
});
