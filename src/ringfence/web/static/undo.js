// The undo banner's countdown (templates/console/_undo.html). Without this file the banner
// says until when the decision may be undone; with it, the seconds left tick down on screen
// (aria-hidden, so a screen reader is not told every second) and the polite live region says
// only "10 seconds left" and, at the end, that the window has passed (the button is then
// disabled: the server would refuse the undo anyway). The count starts from the seconds the
// server rendered, so a wrong clock on the computer does not change it.
(function () {
  "use strict";
  var box = document.getElementById("undo-countdown");
  var form = document.getElementById("undo-form");
  if (!box || !form) { return; }
  var total = parseInt(box.getAttribute("data-seconds"), 10);
  if (isNaN(total)) { return; }
  var ticks = box.querySelector(".undo-ticks");
  var said = box.querySelector(".undo-said");
  var button = form.querySelector("button[type=submit]");
  var start = Date.now();
  var warned = false;
  var timer = null;
  function left() {
    return Math.max(0, total - Math.floor((Date.now() - start) / 1000));
  }
  function show() {
    var s = left();
    if (s > 0) {
      ticks.textContent = box.getAttribute("data-left").replace("{s}", String(s));
      if (s <= 10 && !warned && total > 10) {
        warned = true;
        said.textContent = box.getAttribute("data-soon");
      }
      return;
    }
    ticks.textContent = "";
    said.textContent = box.getAttribute("data-passed");
    form.classList.add("undo-passed");
    if (button) { button.disabled = true; }
    if (timer !== null) { window.clearInterval(timer); }
  }
  box.hidden = false;
  show();
  timer = window.setInterval(show, 250);
})();
