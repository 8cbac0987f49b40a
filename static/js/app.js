/* Counter screen behaviour. No inline scripts (strict CSP): everything is wired
 * here by data attributes.
 *
 * - input[role=combobox][aria-controls] (the account search, the pay screen's
 *   account boxes): Down/Up choose an option of its listbox (aria-activedescendant,
 *   the focus stays in the box), Enter takes it, Escape clears the choice and
 *   then closes the list. In the search box Enter with nothing chosen submits the
 *   form (full search page, which takes a scanned account number straight to it).
 * - [data-no-submit]: Enter in this box never submits its form.
 * - [data-show-when="name=value"]: shown only while the form field `name` has `value`.
 * - [data-hide-when-checked="name"]: hidden while checkbox `name` is ticked.
 * - [data-fill-input]: a button that puts a number into an input (pickers).
 * - The first field with an error gets the focus when a form comes back; otherwise
 *   the element marked [data-focus-first] (e.g. "Next payment" on a receipt).
 * - A fragment request that lands on the sign-in page (idle timeout) loads it whole.
 * - body[data-idle-left]: the idle-timeout warning (#idle-warning) shows
 *   data-idle-warn seconds before the session ends, counting down; "Stay signed
 *   in" posts to data-idle-keepalive. Every answer's X-Session-Idle-Left header
 *   (htmx fragments too) restarts the count.
 * - #restored-form (JSON): what was typed into a form sent after the session had
 *   ended (billing_site/common/session_ui.py) goes back into that form.
 * - Every table sits in a .table-scroll region (wrapped here when the template did
 *   not): a narrow window scrolls the table, never the page (WCAG 1.4.10); the
 *   region is named after the table's caption or heading and takes the focus
 *   (tabindex=0, so the keyboard can scroll it) only while it does scroll.
 * - After an htmx swap the title starts "Error: " while the page shows an error
 *   summary or a field in error (full pages get it from the server).
 */
(function () {
  "use strict";

  var ACTIVE = "is-active";

  // Comboboxes: an input[role=combobox] whose aria-controls names a listbox of
  // [role=option]s (the account search, the pay screen's account boxes). The focus
  // stays in the input; Down/Up move aria-activedescendant, Enter takes the option
  // (a click on it), Escape clears the choice, then closes the list.
  function listboxOf(input) {
    return document.getElementById(input.getAttribute("aria-controls") || "");
  }

  function optionsOf(input) {
    var box = listboxOf(input);
    if (!box || box.hidden) return [];
    return Array.prototype.slice.call(box.querySelectorAll('[role="option"]'));
  }

  function activeIndex(items) {
    for (var i = 0; i < items.length; i++) {
      if (items[i].classList.contains(ACTIVE)) return i;
    }
    return -1;
  }

  function highlight(input, items, index) {
    items.forEach(function (item, i) {
      var on = i === index;
      item.classList.toggle(ACTIVE, on);
      item.setAttribute("aria-selected", on ? "true" : "false");
    });
    if (index >= 0) {
      input.setAttribute("aria-activedescendant", items[index].id);
      items[index].scrollIntoView({ block: "nearest" });
    } else {
      input.removeAttribute("aria-activedescendant");
    }
  }

  function syncExpanded(input) {
    var items = optionsOf(input);
    input.setAttribute("aria-expanded", items.length ? "true" : "false");
    var chosen = input.getAttribute("aria-activedescendant");
    if (chosen && !document.getElementById(chosen)) input.removeAttribute("aria-activedescendant");
  }

  function onComboKey(event, input) {
    var items = optionsOf(input);
    var index = activeIndex(items);
    if (event.key === "ArrowDown" || event.key === "ArrowUp") {
      if (!items.length) return;
      event.preventDefault();
      var step = event.key === "ArrowDown" ? 1 : -1;
      var next = index < 0 ? (step > 0 ? 0 : items.length - 1) : index + step;
      highlight(input, items, Math.max(0, Math.min(items.length - 1, next)));
    } else if (event.key === "Enter" && index >= 0) {
      event.preventDefault();
      items[index].click();
    } else if (event.key === "Escape" && items.length) {
      event.preventDefault();
      if (index >= 0) {
        highlight(input, items, -1);
      } else {
        listboxOf(input).hidden = true;
        syncExpanded(input);
      }
    }
  }

  function openResult(item) {
    var href = item.getAttribute("data-href");
    if (href) window.location.assign(href);
  }

  document.addEventListener("keydown", function (event) {
    var target = event.target;
    if (!(target instanceof HTMLElement)) return;
    if (target.getAttribute("role") === "combobox" && target.hasAttribute("aria-controls")) {
      onComboKey(event, target);
    }
    if (target.hasAttribute("data-no-submit") && event.key === "Enter") {
      event.preventDefault();
    }
  });

  // New matches replace the old ones: nothing is chosen until an arrow key.
  document.addEventListener("htmx:afterSwap", function () {
    document.querySelectorAll('[role="combobox"][aria-controls]').forEach(function (input) {
      input.removeAttribute("aria-activedescendant");
      syncExpanded(input);
    });
  });

  // An idle session expired: a fragment request was sent to the sign-in page.
  // Go there with the whole page (and come back here after signing in).
  document.addEventListener("htmx:beforeSwap", function (event) {
    var xhr = event.detail && event.detail.xhr;
    if (!xhr || !xhr.responseURL) return;
    var url = new URL(xhr.responseURL);
    if (url.searchParams.has("next") && url.pathname.indexOf("/login") === 0) {
      event.detail.shouldSwap = false;
      url.searchParams.set("next", window.location.pathname + window.location.search);
      window.location.assign(url.toString());
    }
  });

  // Clicking a search match (or Enter on the chosen one) opens its account.
  document.addEventListener("click", function (event) {
    var target = event.target;
    if (!(target instanceof Element)) return;
    var row = target.closest("[data-result]");
    if (row) openResult(row);
    var fill = target.closest("[data-fill-input]");
    if (fill) fillIn(fill);
  });

  function fillIn(button) {
    var input = document.getElementById(button.getAttribute("data-fill-input"));
    if (!input) return;
    input.value = button.getAttribute("data-fill-value");
    var mode = button.getAttribute("data-fill-mode");
    var radio = mode && input.form && input.form.querySelector(
      'input[name="' + mode + '"][value="existing"]'
    );
    if (radio) radio.checked = true;
    var label = document.querySelector('[data-fill-label-for="' + input.id + '"]');
    if (label) label.textContent = button.getAttribute("data-fill-label") || "";
    refreshPanels();
    input.focus();
  }

  function fieldValue(name) {
    var el = document.querySelector('[name="' + name + '"]');
    if (!el) return null;
    if (el.form && el.form.elements[name] && "value" in el.form.elements[name]) {
      return el.form.elements[name].value;
    }
    return el.value;
  }

  function refreshPanels() {
    document.querySelectorAll("[data-show-when]").forEach(function (panel) {
      var rule = panel.getAttribute("data-show-when").split("=");
      var value = fieldValue(rule[0]);
      panel.hidden = value !== null && value !== rule[1];
    });
    document.querySelectorAll("[data-hide-when-checked]").forEach(function (panel) {
      var box = document.querySelector(
        'input[name="' + panel.getAttribute("data-hide-when-checked") + '"]'
      );
      panel.hidden = Boolean(box && box.checked);
    });
  }

  document.addEventListener("change", refreshPanels);

  document.addEventListener("DOMContentLoaded", function () {
    refreshPanels();
    var invalid = document.querySelector('[aria-invalid="true"]');
    var first = invalid || document.querySelector("[data-focus-first]");
    // The browser's own autofocus is skipped when the page loads while the
    // machine is busy (Chromium flushes it at a later frame, or not at all):
    // focus the autofocus field ourselves unless the clerk is already elsewhere.
    if (!first && document.activeElement === document.body) {
      first = document.querySelector("[autofocus]");
    }
    if (first) first.focus();
  });
  // ---- idle-timeout warning -------------------------------------------------
  var idle = { timer: null, tick: null, endsAt: 0 };

  function idleBox() {
    return document.getElementById("idle-warning");
  }

  function idleRestart(secondsLeft) {
    var box = idleBox();
    if (!box || !(secondsLeft >= 0)) return;
    var warn = parseInt(document.body.getAttribute("data-idle-warn"), 10) || 60;
    window.clearTimeout(idle.timer);
    window.clearInterval(idle.tick);
    idle.endsAt = Date.now() + secondsLeft * 1000;
    box.hidden = true;
    idle.timer = window.setTimeout(idleWarn, Math.max(0, secondsLeft - warn) * 1000);
  }

  function idleWarn() {
    var box = idleBox();
    var active = document.activeElement;
    box.hidden = false;
    box.querySelector("[data-idle-stay]").focus();
    idle.returnTo = active;
    idleCount();
    idle.tick = window.setInterval(idleCount, 1000);
  }

  function idleCount() {
    var box = idleBox();
    var left = Math.max(0, Math.round((idle.endsAt - Date.now()) / 1000));
    box.querySelector("[data-idle-count]").textContent = String(left);
    if (left > 0) return;
    window.clearInterval(idle.tick);
    box.querySelector("[data-idle-text]").hidden = true;
    box.querySelector("[data-idle-ended]").hidden = false;
    box.querySelector("[data-idle-stay]").hidden = true;
  }

  function stayIn() {
    var url = document.body.getAttribute("data-idle-keepalive");
    var csrf = JSON.parse(document.body.getAttribute("hx-headers") || "{}")["X-CSRFToken"];
    fetch(url, { method: "POST", headers: { "X-CSRFToken": csrf }, credentials: "same-origin" })
      .then(function (r) { return r.ok && !r.redirected ? r.json() : null; })
      .then(function (data) {
        if (!data) { idle.endsAt = Date.now(); idleCount(); return; }
        idleRestart(data.left);
        if (idle.returnTo && idle.returnTo.focus) idle.returnTo.focus();
      });
  }

  document.addEventListener("click", function (event) {
    if (event.target instanceof Element && event.target.closest("[data-idle-stay]")) stayIn();
  });

  document.addEventListener("htmx:afterRequest", function (event) {
    var xhr = event.detail && event.detail.xhr;
    var left = xhr && xhr.getResponseHeader("X-Session-Idle-Left");
    if (left !== null && left !== undefined && left !== "") idleRestart(parseInt(left, 10));
  });

  // ---- a form sent after the session ended comes back filled in -------------
  function restoreForm() {
    var data = document.getElementById("restored-form");
    var notice = document.getElementById("restored-form-notice");
    if (!data || !notice) return;
    var values = JSON.parse(data.textContent);
    var path = notice.getAttribute("data-restore-action");
    var forms = Array.prototype.filter.call(document.forms, function (form) {
      return form.method.toLowerCase() === "post" && new URL(form.action, window.location.href).pathname === path;
    });
    var form = forms[0];
    if (!form) return;
    Object.keys(values).forEach(function (name) {
      var wanted = values[name];
      Array.prototype.forEach.call(form.elements, function (el) {
        if (el.name !== name || el.type === "hidden" || el.type === "file" || el.type === "password") return;
        if (el.type === "checkbox" || el.type === "radio") {
          el.checked = wanted.indexOf(el.value) >= 0;
        } else if (el.tagName === "SELECT" && el.multiple) {
          Array.prototype.forEach.call(el.options, function (o) { o.selected = wanted.indexOf(o.value) >= 0; });
        } else if (el.tagName !== "BUTTON") {
          el.value = wanted[0] || "";
          el.dispatchEvent(new Event("input", { bubbles: true }));
        }
      });
    });
    refreshPanels();
  }

  // ---- the page title says "Error:" while a swapped-in form shows errors ----
  function markTitle() {
    var wrong = document.querySelector('[data-error-summary], [aria-invalid="true"]');
    var title = document.title.replace(/^Error: /, "");
    document.title = wrong ? "Error: " + title : title;
  }
  document.addEventListener("htmx:afterSettle", markTitle);

  // ---- wide tables scroll in their own labelled region ----------------------
  function tableName(table) {
    var caption = table.querySelector("caption");
    if (caption) return caption.textContent.trim();
    if (table.getAttribute("aria-label")) return table.getAttribute("aria-label");
    var heading = null;
    var all = document.querySelectorAll("h1, h2, h3");
    for (var i = 0; i < all.length; i++) {
      if (all[i].compareDocumentPosition(table) & Node.DOCUMENT_POSITION_FOLLOWING) heading = all[i];
    }
    return (heading ? heading.textContent.trim() + ", " : "") + "table";
  }

  function wrapTables() {
    // Moving a table moves the field the caret is in (the batch page edits a stub inside
    // its table row): the element loses the focus, so it is given back afterwards.
    var active = document.activeElement;
    document.querySelectorAll("main table").forEach(function (table) {
      if (table.closest(".table-scroll")) return;
      var region = document.createElement("div");
      region.className = "table-scroll";
      region.setAttribute("role", "region");
      region.setAttribute("aria-label", tableName(table));
      table.parentNode.insertBefore(region, table);
      region.appendChild(table);
    });
    if (active && active !== document.body && active !== document.activeElement &&
        document.contains(active)) {
      active.focus();
    }
    document.querySelectorAll(".table-scroll").forEach(function (region) {
      if (region.scrollWidth > region.clientWidth + 1) region.setAttribute("tabindex", "0");
      else if (!region.hasAttribute("data-always-focusable")) region.removeAttribute("tabindex");
    });
  }
  document.addEventListener("htmx:afterSettle", wrapTables);
  window.addEventListener("resize", wrapTables);

  document.addEventListener("DOMContentLoaded", function () {
    wrapTables();
    restoreForm();
    var left = document.body.getAttribute("data-idle-left");
    if (left !== null) idleRestart(parseInt(left, 10));
  });
})();
