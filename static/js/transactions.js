// Transactions page: "select every row" for bulk actions, toasts that close themselves, and the
// options of each row's category select. Without JavaScript the page still works: categories
// are set by ticking rows and using the ticked rows' select.
(function () {
  "use strict";

  document.addEventListener("change", function (event) {
    var box = event.target;
    if (box.id !== "select-all") {
      return;
    }
    document.querySelectorAll('input[name="ids"][form="bulk-form"]').forEach(function (row) {
      row.checked = box.checked;
    });
  });

  document.addEventListener("click", function (event) {
    var close = event.target.closest("[data-dismiss-toast]");
    if (close) {
      close.closest(".toast").remove();
    }
  });

  // A toast stays while the pointer or focus is on it, so Undo is never pulled away mid-click.
  var armed = new WeakSet();

  function arm(toast) {
    if (armed.has(toast)) {
      return;
    }
    armed.add(toast);
    var seconds = parseInt(toast.dataset.dismissAfter, 10) || 8;
    function later() {
      window.setTimeout(function () {
        if (toast.matches(":hover") || toast.contains(document.activeElement)) {
          later();
        } else {
          toast.remove();
        }
      }, seconds * 1000);
    }
    later();
  }

  function armAll(root) {
    if (root.matches && root.matches(".toast[data-dismiss-after]")) {
      arm(root);
    }
    if (root.querySelectorAll) {
      root.querySelectorAll(".toast[data-dismiss-after]").forEach(arm);
    }
  }

  // A toast belongs to the moment: keep it out of the back button's page snapshots.
  document.addEventListener("htmx:beforeHistorySave", function () {
    document.querySelectorAll("#toast .toast").forEach(function (toast) { toast.remove(); });
  });
  // Each row's category select is sent with its placeholder only; the options are copied from
  // the one select that carries them (the ticked rows' select), once per row.
  function fillPickers(root) {
    var selects = [];
    if (root.matches && root.matches("select[data-options-from]")) {
      selects.push(root);
    }
    if (root.querySelectorAll) {
      selects.push.apply(selects, root.querySelectorAll("select[data-options-from]"));
    }
    selects.forEach(function (select) {
      var source = document.getElementById(select.dataset.optionsFrom);
      if (!source || select.options.length > 1) {
        return;
      }
      Array.prototype.slice.call(source.children, 1).forEach(function (option) {
        select.appendChild(option.cloneNode(true));
      });
    });
  }

  document.addEventListener("DOMContentLoaded", function () { armAll(document); fillPickers(document); });
  document.addEventListener("htmx:load", function (event) {
    armAll(event.detail.elt);
    fillPickers(event.detail.elt);
  });
})();
