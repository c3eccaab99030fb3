// Review queue keyboard: j/k or arrows move, Enter or a accepts, c opens the
// category picker, s saves staged rows, x deletes, u undoes, ? shows help.
// Every key presses a visible button, so the keyboard and the mouse do the
// same thing; after each htmx swap, focus lands on the next row to review.
// Moving down past the last row presses "Load more" and carries on into the
// rows it appends.
(function () {
  "use strict";
  let wanted = null; // {id, index, advance, source} remembered across the swap `source` asked for

  function rows() {
    return Array.from(document.querySelectorAll(".review-row[data-id]"));
  }
  function current() {
    const active = document.activeElement && document.activeElement.closest(".review-row[data-id]");
    return active || document.querySelector(".review-row.current") || rows()[0] || null;
  }
  function focusRow(row) {
    if (!row) return;
    document.querySelectorAll(".review-row.current").forEach((r) => r.classList.remove("current"));
    row.classList.add("current");
    row.focus({ preventScroll: false });
    row.scrollIntoView({ block: "nearest" });
  }
  function move(step) {
    const all = rows();
    const index = all.indexOf(current());
    const more = document.getElementById("load-more-button");
    if (step > 0 && index === all.length - 1 && more) {
      remember(all[index], true, more);
      more.click();
      return;
    }
    focusRow(all[Math.min(Math.max(index + step, 0), all.length - 1)]);
  }
  function press(row, selector) {
    const button = row && row.querySelector(selector);
    if (button && !button.disabled) {
      remember(row, true, button);
      button.click();
    }
  }
  // A button of the whole queue (save, undo): focus stays near `row` after it redraws the queue.
  function pressQueueButton(row, id) {
    const button = document.getElementById(id);
    remember(row, false, button);
    button.click();
  }
  // `control` is what sends the request (a button sends its form's): only that swap moves focus,
  // not one that happens to settle meanwhile (the "Accept all" count loads on its own).
  function remember(row, advance, control) {
    const all = rows();
    const source = control && (control.closest("form[hx-post], [hx-get], [hx-post]") || control);
    wanted = row ? { id: row.dataset.id, index: all.indexOf(row), advance: advance, source: source } : null;
  }

  document.addEventListener("keydown", function (event) {
    if (event.ctrlKey || event.metaKey || event.altKey) return;
    const target = event.target;
    if (target.matches("input, textarea, select")) {
      if (event.key === "Escape") {
        focusRow(target.closest(".review-row"));
      } else if (event.key === "Enter" && target.classList.contains("picker-input")) {
        remember(target.closest(".review-row"), true, target);
      }
      return;
    }
    if (!document.querySelector("#queue")) return;
    const row = current();
    switch (event.key) {
      case "j": case "ArrowDown": move(1); break;
      case "k": case "ArrowUp": move(-1); break;
      case "a": case "Enter":
        if (target.matches("button, summary, a")) return;
        press(row, "button.accept"); break;
      case "c": {
        const input = row && row.querySelector(".picker-input");
        if (input) input.focus();
        break;
      }
      case "s": pressQueueButton(row, "save-staged"); break;
      case "x": press(row, "button.delete"); break;
      case "u": pressQueueButton(row, "undo"); break;
      case "?": document.getElementById("shortcuts").showModal(); break;
      default: return;
    }
    event.preventDefault();
  });

  document.addEventListener("htmx:afterSettle", function (event) {
    const config = event.detail && event.detail.requestConfig;
    if (!wanted || (config && config.elt !== wanted.source)) return;
    const all = rows();
    const same = document.getElementById("txn-" + wanted.id);
    let next = null;
    if (same && same.dataset.id) {
      next = wanted.advance ? all[all.indexOf(same) + 1] || same : same;
    } else {
      next = all[Math.min(wanted.index, all.length - 1)];
      if (same && !same.dataset.id) {
        // The row became an "undo" toast: continue with the row after it.
        next = all.find((r) => r.compareDocumentPosition(same) & Node.DOCUMENT_POSITION_PRECEDING) || next;
      }
    }
    wanted = null;
    focusRow(next);
  });

  document.addEventListener("DOMContentLoaded", function () {
    focusRow(rows()[0]);
  });
})();
