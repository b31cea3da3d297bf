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
  document.addEventListener("keydown", function (event) {
    if (typing(event) || event.ctrlKey || event.metaKey || event.altKey) { return; }
    var key = event.key.toLowerCase();
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
  var screen = document.getElementById("screen-form");
  if (screen) {
    screen.addEventListener("submit", function () {
      document.getElementById("screen-progress").hidden = false;
    });
  }
})();
