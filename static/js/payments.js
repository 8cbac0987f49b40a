/* Cashiering screens. No inline scripts (strict CSP): wired by data attributes.
 *
 * - [data-pay-account]: a USB scanner types "account|amount" then Enter; Enter here
 *   never submits: it splits the scan, looks the account up and moves to the amount.
 * - .pay-lookup panels: when an account is found and its amount is empty, the
 *   amount due is filled in (the clerk can change it).
 * - [data-pay-pick]: taking a match (a click, or Enter on the option chosen with
 *   Down/Up in the account box: the combobox in app.js) looks the account up.
 * - [data-pay-form]: live totals (applied, tendered, change due), rewritten only when
 *   a value changes; "Change due" is announced ([data-change-status]) after a pause.
 * - [data-count]: running total of a count by denomination.
 * - form[data-enter-moves] (drawer counts): Enter in a field moves to the next
 *   field instead of submitting; only the button submits. A reflex Enter after
 *   typing one count must not open or close a drawer.
 * - [data-post-once]: the button is disabled after the first submit (the server's
 *   one-time token is what really guarantees a single posting).
 * - [data-print-now]: opens the browser's print dialog; [data-print-auto] opens it once
 *   the page is loaded (the page a Print button's POST answers with).
 * - #pay-screen: the payment form posts by htmx; the answer (receipt panel and a
 *   fresh form, or the form with its errors, sent as 400) replaces the screen and
 *   the focus goes to the first field in error, else the first account box.
 */
(function () {
  "use strict";

  function cents(text) {
    var cleaned = String(text || "").replace(/[$,\s]/g, "");
    if (!/^\d+(\.\d{0,2})?$/.test(cleaned)) return 0;
    return Math.round(parseFloat(cleaned) * 100);
  }

  function dollars(value) {
    var sign = value < 0 ? "-" : "";
    return sign + "$" + (Math.abs(value) / 100).toFixed(2);
  }

  function amountFor(row) {
    return document.getElementById("id_amount_" + row);
  }

  function lookUp(input) {
    input.dispatchEvent(new Event("change", { bubbles: true }));
  }

  function onAccountEnter(event, input) {
    if (event.key !== "Enter" || event.defaultPrevented) return;  // a match taken (app.js)
    event.preventDefault();
    var row = input.getAttribute("data-pay-account");
    var amount = amountFor(row);
    var parts = input.value.split("|");
    if (parts.length > 1) {
      input.value = parts[0].trim();
      if (amount && !amount.value) amount.value = parts[1].trim();
    }
    lookUp(input);
    if (amount) amount.focus();
  }

  function onCountEnter(event, target) {
    var form = target.form;
    if (event.key !== "Enter" || !form || !form.hasAttribute("data-enter-moves")) return;
    if (target.tagName === "TEXTAREA" || target.tagName === "BUTTON") return;
    event.preventDefault();
    var fields = Array.prototype.filter.call(form.elements, function (el) {
      return el.type !== "hidden" && !el.disabled && el.tagName !== "FIELDSET";
    });
    var next = fields[fields.indexOf(target) + 1];
    if (next) next.focus();
  }

  document.addEventListener("keydown", function (event) {
    var target = event.target;
    if (!(target instanceof HTMLElement)) return;
    onCountEnter(event, target);
    if (target.hasAttribute("data-pay-account")) onAccountEnter(event, target);
  });

  document.addEventListener("click", function (event) {
    var target = event.target;
    if (!(target instanceof Element)) return;
    var pick = target.closest("[data-pay-pick]");
    if (pick) {
      var input = document.getElementById(pick.getAttribute("data-fill-input"));
      if (input) {
        input.value = pick.getAttribute("data-fill-value");
        lookUp(input);
        var amount = amountFor(input.getAttribute("data-pay-account"));
        if (amount) amount.focus();
      }
    }
    if (target.closest("[data-print-now]")) window.print();
  });

  function isPayScreen(el) {
    return Boolean(el && el.id === "pay-screen");
  }

  // A refused payment comes back as 400 with the form and its errors: show it.
  document.addEventListener("htmx:beforeSwap", function (event) {
    var detail = event.detail || {};
    if (isPayScreen(detail.target) && detail.xhr && detail.xhr.status === 400) {
      detail.shouldSwap = true;
      detail.isError = false;
    }
  });

  // The request failed (network, server error): let the clerk send the form again.
  function releaseForm(event) {
    var form = event.target && event.target.closest && event.target.closest("form[data-pay-form]");
    if (!form) return;
    form.removeAttribute("data-submitted");
    form.querySelectorAll("[data-post-once]").forEach(function (b) { b.disabled = false; });
  }
  document.addEventListener("htmx:responseError", releaseForm);
  document.addEventListener("htmx:sendError", releaseForm);

  document.addEventListener("htmx:afterSettle", function (event) {
    var screen = document.getElementById("pay-screen");
    if (!screen || !isPayScreen(event.detail && event.detail.target)) return;
    var first = screen.querySelector('[aria-invalid="true"]') || screen.querySelector("[autofocus]");
    if (first) first.focus();
    refreshTotals();
  });

  document.addEventListener("htmx:afterSwap", function (event) {
    var box = event.detail && event.detail.target;
    if (!box || !box.classList || !box.classList.contains("pay-lookup")) return;
    var card = box.querySelector("[data-pay-due]");
    var amount = amountFor(box.id.replace("lookup-", ""));
    if (card && amount && !amount.value && cents(card.getAttribute("data-pay-due")) > 0) {
      amount.value = card.getAttribute("data-pay-due");
      // The clerk may already be in the box: select the suggestion so typing replaces it.
      if (document.activeElement === amount) amount.select();
    }
    refreshTotals();
  });

  function sumOf(form, selector) {
    var total = 0;
    form.querySelectorAll(selector).forEach(function (el) { total += cents(el.value); });
    return total;
  }

  // Rewrite a total only when its value changes: each rewrite of a live region is
  // read out, and typing "20.00" must not announce five times.
  function setText(el, text) {
    if (!el || el.textContent === text) return false;
    el.textContent = text;
    return true;
  }

  // "Change due $5.00" is announced once the clerk stops typing for a moment.
  var changeTimer = null;
  function announceChange(form, change) {
    var status = form.querySelector("[data-change-status]");
    if (!status) return;
    window.clearTimeout(changeTimer);
    changeTimer = window.setTimeout(function () {
      setText(status, "Change due " + dollars(change));
    }, 700);
  }

  function refreshTotals() {
    document.querySelectorAll("[data-pay-form]").forEach(function (form) {
      var applied = sumOf(form, "[data-pay-applied], [data-pay-applied-wrap] input");
      var tendered = sumOf(form, "#id_cash_amount, #id_check_amount, #id_mo_amount, #id_card_amount");
      var cash = sumOf(form, "#id_cash_amount");
      var change = Math.min(Math.max(tendered - applied, 0), cash);
      setText(form.querySelector("[data-total-applied]"), dollars(applied));
      setText(form.querySelector("[data-total-tendered]"), dollars(tendered));
      if (setText(form.querySelector("[data-total-change]"), dollars(change))) {
        announceChange(form, change);
      }
    });
    document.querySelectorAll("[data-count]").forEach(function (box) {
      var total = 0;
      var unreadable = false;
      box.querySelectorAll("[data-denomination]").forEach(function (el) {
        var text = el.value.trim();
        if (text === "") return;
        if (!/^\d+$/.test(text)) { unreadable = true; return; }  // "1.5" pieces: not a count
        total += Math.round(parseFloat(el.getAttribute("data-denomination")) * 100) * parseInt(text, 10);
      });
      var out = box.querySelector("[data-count-total]");
      setText(out, unreadable ? "count whole pieces" : dollars(total));
    });
  }

  document.addEventListener("input", refreshTotals);
  document.addEventListener("DOMContentLoaded", refreshTotals);
  window.addEventListener("load", function () {
    if (document.querySelector("[data-print-auto]")) window.print();
  });

  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!(form instanceof HTMLFormElement)) return;
    var button = form.querySelector("[data-post-once]");
    if (!button) return;
    if (form.getAttribute("data-submitted")) {
      event.preventDefault();
      return;
    }
    form.setAttribute("data-submitted", "1");
    window.setTimeout(function () { button.disabled = true; }, 0);
  });
})();
