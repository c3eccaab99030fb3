// Budgets inline edit: the amount field opens focused and selected; Enter
// submits its form (htmx posts it), Esc follows the Cancel link, which
// reloads the month without the editor.
(function () {
  "use strict";

  function prepare() {
    const input = document.querySelector(".budget-edit .budget-input");
    if (input && document.activeElement !== input) {
      input.focus();
    }
    if (input) input.select();
  }

  document.addEventListener("keydown", function (event) {
    const input = event.target.closest && event.target.closest(".budget-input");
    if (!input || event.key !== "Escape") return;
    event.preventDefault();
    const cancel = input.form.querySelector(".budget-cancel");
    if (cancel) cancel.click();
  });

  document.addEventListener("htmx:afterSettle", prepare);
  document.addEventListener("DOMContentLoaded", prepare);
})();
