// coursepack site behaviour: a note call opens its note, tooltips close with Escape,
// paragraph numbers and BibTeX blocks copy citations. Everything works without this
// script too: notes stay collapsible and links still link.
(function () {
  "use strict";
  function announce(message) {
    var status = document.querySelector(".cp-status");
    if (status) {
      status.textContent = "";
      window.setTimeout(function () { status.textContent = message; }, 50);
    }
  }

  function copy(value, done) {
    if (navigator.clipboard && window.isSecureContext) {
      navigator.clipboard.writeText(value).then(done, function () {});
    }
  }

  function openTarget() {
    var id = decodeURIComponent(window.location.hash.slice(1));
    if (!id) return;
    var target = document.getElementById(id);
    if (target && target.tagName === "DETAILS") target.open = true;
  }

  document.addEventListener("click", function (event) {
    var el = event.target;
    if (!(el instanceof Element)) return;
    var pnum = el.closest("a.cp-pnum");
    if (pnum) {
      var cite = pnum.getAttribute("data-cite");
      copy(cite, function () { announce("Copied: " + cite); });
      return;
    }
    var button = el.closest("button.cp-copy");
    if (button) {
      var block = document.getElementById(button.getAttribute("data-copy-target"));
      if (block) {
        copy(block.textContent, function () {
          button.textContent = "Copied";
          announce("Copied the BibTeX entry");
          window.setTimeout(function () { button.textContent = "Copy BibTeX"; }, 2000);
        });
      }
    }
  });

  // WCAG 1.4.13: a tooltip shown on hover or focus can be dismissed without moving.
  document.addEventListener("keydown", function (event) {
    if (event.key !== "Escape") return;
    var shown = document.querySelectorAll(".cp-termwrap");
    for (var i = 0; i < shown.length; i++) shown[i].classList.add("cp-dismissed");
  });
  document.addEventListener("focusin", function (event) {
    var wrap = event.target instanceof Element && event.target.closest(".cp-termwrap");
    if (wrap) wrap.classList.remove("cp-dismissed");
  });
  document.addEventListener("mouseover", function (event) {
    var wrap = event.target instanceof Element && event.target.closest(".cp-termwrap");
    if (wrap) wrap.classList.remove("cp-dismissed");
  });

  // Print every note, then put back the ones that were closed.
  var closedForPrint = [];
  window.addEventListener("beforeprint", function () {
    closedForPrint = [];
    var all = document.querySelectorAll("details.cp-note, details.cp-whole");
    for (var i = 0; i < all.length; i++) {
      if (!all[i].open) { closedForPrint.push(all[i]); all[i].open = true; }
    }
  });
  window.addEventListener("afterprint", function () {
    for (var i = 0; i < closedForPrint.length; i++) closedForPrint[i].open = false;
    closedForPrint = [];
  });

  document.documentElement.classList.add("cp-js");
  openTarget();
  window.addEventListener("hashchange", openTarget);
})();
