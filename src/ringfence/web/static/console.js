// Keyboard shortcuts for the review queue and a case; every action is also a plain form.
(function () {
  "use strict";
  function typing(event) {
    var t = event.target;
    return t && (t.tagName === "INPUT" || t.tagName === "SELECT" || t.tagName === "TEXTAREA");
  }
  var rows = Array.prototype.slice.call(document.querySelectorAll(".queue-item"));
  var at = 0;
  function focusRow(i) {
    if (!rows.length) { return; }
    at = Math.max(0, Math.min(rows.length - 1, i));
    rows.forEach(function (r, k) { r.setAttribute("aria-current", k === at ? "true" : "false"); });
    rows[at].querySelector(".case-link").focus();
  }
  function submit(selector) {
    var form = rows.length ? rows[at].querySelector(selector) : document.querySelector(selector);
    if (form) { form.submit(); }
  }
  function opens(event) {
    // Enter on the page (not on a link, button or field, which Enter already works) opens the
    // highlighted case: the first row is highlighted at load, before J or K is pressed.
    var t = event.target;
    return !(t && (t.tagName === "A" || t.tagName === "BUTTON" || t.tagName === "SUMMARY"));
  }
  document.addEventListener("keydown", function (event) {
    if (typing(event) || event.ctrlKey || event.metaKey || event.altKey) { return; }
    var key = event.key.toLowerCase();
    var undo = document.getElementById("undo-form");
    if (key === "u" && undo) { undo.submit(); event.preventDefault(); return; }
    if (key === "enter") {
      if (rows.length && opens(event)) {
        window.location.assign(rows[at].querySelector(".case-link").href);
        event.preventDefault();
      }
      return;
    }
    if (!document.querySelector(".decide-takedown, .queue-item .quick-takedown")) { return; }
    if (rows.length) {
      if (key === "j") { focusRow(at + 1); }
      else if (key === "k") { focusRow(at - 1); }
      else if (key === "x") { var box = rows[at].querySelector("input[type=checkbox]"); if (box) { box.checked = !box.checked; } }
      else if (key === "t") { submit(".quick-takedown"); }
      else if (key === "d") { submit(".quick-dismiss"); }
      else if (key === "e") { submit(".quick-escalate"); }
      else { return; }
    } else {
      if (key === "t") { submit(".decide-takedown"); }
      else if (key === "d") { submit(".decide-dismiss"); }
      else if (key === "e") { submit(".decide-escalate"); }
      else { return; }
    }
    event.preventDefault();
  });
  if (rows.length) { rows[0].setAttribute("aria-current", "true"); }
  // The bulk reason list offers only the chosen decision's reasons (the server checks anyway).
  var decision = document.getElementById("bulk-decision");
  var reason = document.getElementById("bulk-reason");
  function fit() {
    Array.prototype.forEach.call(reason.querySelectorAll("optgroup"), function (group) {
      var other = decision.value !== "" && group.getAttribute("data-decision") !== decision.value;
      group.disabled = other;
      group.hidden = other;
    });
    var picked = reason.options[reason.selectedIndex];
    if (picked && picked.parentNode.disabled) { reason.value = ""; }
  }
  if (decision && reason) { decision.addEventListener("change", fit); fit(); }
  var screen = document.getElementById("screen-form");
  if (screen) {
    screen.addEventListener("submit", function () {
      document.getElementById("screen-progress").hidden = false;
    });
  }
})();
