// coursepack site behaviour: pop-ups that preview glossary terms, names and notes; notes
// in the margin beside the text; copy buttons for citations. Everything works without
// this script: notes open and close in place, and every link still leads to its entry.
(function () {
  "use strict";
  var root = document.documentElement;
  root.classList.add("cp-js");

  // -- Announcements and copying ---------------------------------------------------------

  function announce(message) {
    var status = document.querySelector(".cp-status");
    if (!status) {
      status = document.createElement("div");
      status.className = "cp-status";
      status.setAttribute("role", "status");
      status.setAttribute("aria-live", "polite");
      document.body.appendChild(status);
    }
    status.textContent = "";
    window.setTimeout(function () { status.textContent = message; }, 50);
  }

  function copy(value, done) {
    if (navigator.clipboard && window.isSecureContext) {
      navigator.clipboard.writeText(value).then(done, function () {});
    }
  }

  function plainText(node) {
    var parts = [];
    for (var i = 0; i < node.children.length; i++) {
      var text = node.children[i].textContent.replace(/\s+/g, " ").trim();
      if (text) parts.push(text);
    }
    return parts.join(" ");
  }

  // -- Previews: terms, names and note calls ---------------------------------------------
  //
  // A link with data-preview="kind-id" has a <template id="cp-preview-kind-id"> on its page
  // with the full text. Pointer hover and keyboard focus show it as a tooltip beside the
  // link (WCAG 1.4.13: it stays while the pointer moves onto it, until Escape, or until
  // pointer and focus leave); a tap on a touch screen opens it as a sheet, with a link to
  // the full entry, and the page stays where it is. Neither ever covers its link, and both
  // stay inside the window, scrolling inside when the text is longer than the room.

  var GAP = 6;
  var EDGE = 8;
  var CLOSE_DELAY = 400;
  var pop = null;
  var current = null;
  var closeTimer = 0;
  var sheet = null;
  var sheetFor = null;
  var touchedAt = -1e9;
  var dismissed = null;

  // A note call shows the note beside the text (its title and body); a term or a name,
  // its template.
  function contentOf(trigger, withMore) {
    var content;
    var found = document.getElementById("cp-preview-" + trigger.getAttribute("data-preview"));
    if (found) {
      content = found.content.cloneNode(true);
    } else {
      var href = trigger.getAttribute("href") || "";
      var note = href.charAt(0) === "#" ? document.getElementById(href.slice(1)) : null;
      var body = note && note.querySelector(".cp-note-body");
      if (!body) return null;
      content = document.createDocumentFragment();
      var title = document.createElement("p");
      title.className = "cp-pop-title";
      title.textContent = note.querySelector(".cp-note-title").textContent;
      content.appendChild(title);
      for (var c = 0; c < body.children.length; c++) {
        content.appendChild(body.children[c].cloneNode(true));
      }
    }
    if (!withMore) {
      var more = content.querySelectorAll(".cp-pop-more");
      for (var i = 0; i < more.length; i++) more[i].remove();
    }
    return content;
  }

  // Terms and names are described by their full text (note calls lead to their note).
  function describeLinks() {
    var made = {};
    var links = document.querySelectorAll("a[data-preview]");
    for (var i = 0; i < links.length; i++) {
      var key = links[i].getAttribute("data-preview");
      if (key.indexOf("note-") === 0) continue;
      var id = "cp-desc-" + key;
      if (!made[key]) {
        var content = contentOf(links[i], false);
        if (!content) continue;
        var holder = document.createElement("div");
        holder.appendChild(content);
        var description = document.createElement("div");
        description.id = id;
        description.hidden = true;
        description.textContent = plainText(holder);
        document.body.appendChild(description);
        made[key] = true;
      }
      links[i].setAttribute("aria-describedby", id);
    }
  }

  // Place box beside trigger: below it, or above when there is more room there; never over
  // it, always inside the window; a box taller than the room scrolls.
  function place(box, trigger, fullWidth) {
    var width = root.clientWidth;
    var height = window.innerHeight;
    box.style.maxHeight = "none";
    box.style.width = fullWidth ? (width - 2 * EDGE) + "px" : "";
    box.style.left = EDGE + "px";
    box.style.top = "0px";
    var lines = trigger.getClientRects();
    var whole = trigger.getBoundingClientRect();
    var first = lines.length ? lines[0] : whole;
    var natural = Math.ceil(box.getBoundingClientRect().height);
    var below = height - whole.bottom - GAP - EDGE;
    var above = whole.top - GAP - EDGE;
    var down = natural <= below || below >= above;
    var room = Math.max(0, down ? below : above);
    var shown = Math.min(natural, room);
    box.style.maxHeight = shown + "px";
    var top = down ? whole.bottom + GAP : whole.top - GAP - shown;
    // While its link is scrolled out of the window (and into it again), the box waits at
    // the window's edge.
    top = Math.min(Math.max(top, EDGE), height - EDGE - shown);
    var left = Math.min(first.left, width - EDGE - box.offsetWidth);
    box.style.top = Math.round(top) + "px";
    box.style.left = Math.round(Math.max(EDGE, left)) + "px";
    // A box that scrolls takes focus, so that a keyboard can scroll it too.
    if (box.scrollHeight > box.clientHeight + 1) box.tabIndex = 0;
    else if (box === pop) box.removeAttribute("tabindex");
  }

  function cancelClose() {
    window.clearTimeout(closeTimer);
  }

  function focusWithin() {
    var active = document.activeElement;
    return !!active && (active === current || (pop && pop.contains(active)));
  }

  function scheduleClose() {
    cancelClose();
    closeTimer = window.setTimeout(function () {
      if (!focusWithin()) hide();
    }, CLOSE_DELAY);
  }

  function popup() {
    if (!pop) {
      pop = document.createElement("span");
      pop.className = "cp-pop";
      pop.id = "cp-pop";
      pop.setAttribute("role", "tooltip");
      pop.hidden = true;
    }
    return pop;
  }

  function show(trigger) {
    cancelClose();
    if (current === trigger && pop && !pop.hidden) return;
    var content = contentOf(trigger, false);
    if (!content) return;
    var box = popup();
    box.replaceChildren(content);
    // Right after its link, so that Tab moves into a pop-up that scrolls.
    var after = trigger.parentElement && trigger.parentElement.tagName === "SUP"
      ? trigger.parentElement : trigger;
    after.after(box);
    box.hidden = false;
    box.scrollTop = 0;
    current = trigger;
    place(box, trigger, false);
  }

  function hide() {
    cancelClose();
    if (pop) {
      pop.hidden = true;
      pop.removeAttribute("tabindex");
    }
    current = null;
  }

  function sheetBox() {
    if (!sheet) {
      sheet = document.createElement("div");
      sheet.className = "cp-sheet";
      sheet.setAttribute("role", "dialog");
      sheet.setAttribute("aria-modal", "false");
      sheet.setAttribute("aria-labelledby", "cp-sheet-title");
      sheet.tabIndex = -1;
      sheet.hidden = true;
      var close = document.createElement("button");
      close.type = "button";
      close.className = "cp-sheet-close";
      close.textContent = "Close";
      close.addEventListener("click", function () { closeSheet(true); });
      var body = document.createElement("div");
      body.className = "cp-sheet-body";
      sheet.appendChild(close);
      sheet.appendChild(body);
      document.body.appendChild(sheet);
    }
    return sheet;
  }

  function openSheet(trigger) {
    var content = contentOf(trigger, true);
    if (!content) return;
    hide();
    var box = sheetBox();
    var body = box.querySelector(".cp-sheet-body");
    body.replaceChildren(content);
    var title = body.querySelector(".cp-pop-title");
    if (title) title.id = "cp-sheet-title";
    box.hidden = false;
    box.scrollTop = 0;
    sheetFor = trigger;
    place(box, trigger, true);
    box.focus({ preventScroll: true });
  }

  function closeSheet(refocus) {
    if (!sheet || sheet.hidden) return;
    sheet.hidden = true;
    if (refocus && sheetFor) sheetFor.focus({ preventScroll: true });
    sheetFor = null;
  }

  function triggerOf(target) {
    return target instanceof Element ? target.closest("a[data-preview]") : null;
  }

  document.addEventListener("pointerdown", function (event) {
    if (event.pointerType === "touch") touchedAt = Date.now();
    if (sheet && !sheet.hidden && !sheet.contains(event.target) && !triggerOf(event.target)) {
      closeSheet(false);
    }
  });

  document.addEventListener("pointerover", function (event) {
    if (event.pointerType === "touch") return;
    if (dismissed && !dismissed.contains(event.target)) dismissed = null;
    if (pop && pop.contains(event.target)) { cancelClose(); return; }
    var trigger = triggerOf(event.target);
    if (trigger && trigger !== dismissed) show(trigger);
  });

  document.addEventListener("pointerout", function (event) {
    if (event.pointerType === "touch" || !current) return;
    var to = event.relatedTarget;
    var from = event.target;
    var inside = function (node) {
      return node instanceof Node && (current.contains(node) || pop.contains(node));
    };
    if (inside(from) && !inside(to)) scheduleClose();
  });

  document.addEventListener("focusin", function (event) {
    var target = event.target;
    if (pop && pop.contains(target)) { cancelClose(); return; }
    var trigger = triggerOf(target);
    if (trigger && Date.now() - touchedAt > 800) {
      dismissed = null;
      show(trigger);
    } else if (current && target !== current) {
      hide();
    }
  });

  document.addEventListener("focusout", function (event) {
    if (!current) return;
    var to = event.relatedTarget;
    if (!(to instanceof Node) || !(to === current || pop.contains(to))) scheduleClose();
  });

  document.addEventListener("keydown", function (event) {
    if (event.key !== "Escape") return;
    if (sheet && !sheet.hidden) {
      closeSheet(true);
      return;
    }
    if (current) {
      var trigger = current;
      var wasInside = pop.contains(document.activeElement);
      // Escape holds while the pointer stays on the link; moving on and back shows it again.
      dismissed = trigger.matches(":hover") ? trigger : null;
      hide();
      if (wasInside) trigger.focus({ preventScroll: true });
    }
  });

  function follow() {
    if (current && pop && !pop.hidden) {
      var box = current.getBoundingClientRect();
      var away = box.bottom < 0 || box.top > window.innerHeight;
      // A focused link is on its way into view (the page scrolls to it): keep its pop-up.
      if (away && document.activeElement !== current) hide();
      else place(pop, current, false);
    }
    if (sheet && !sheet.hidden && sheetFor) place(sheet, sheetFor, true);
  }
  var following = false;
  function followSoon() {
    if (following) return;
    following = true;
    window.requestAnimationFrame(function () { following = false; follow(); });
  }
  window.addEventListener("scroll", followSoon, { passive: true });
  window.addEventListener("resize", followSoon);

  // -- Notes in the margin ----------------------------------------------------------------
  //
  // On a wide screen each note sits in the margin beside the line that calls it, below the
  // note before it, so that opening one never moves the text; below that width (and
  // without this script) notes open under their paragraph.

  var wide = window.matchMedia("screen and (min-width: 67em)");
  var reading = document.querySelector(".cp-reading");

  function layoutNotes() {
    if (!reading) return;
    var items = reading.querySelectorAll(".cp-para > .cp-margin > *");
    var section = reading.parentElement;
    section.style.paddingBottom = "";
    if (!wide.matches) {
      reading.classList.remove("cp-sidenotes");
      for (var k = 0; k < items.length; k++) items[k].style.top = "";
      return;
    }
    reading.classList.add("cp-sidenotes");
    var origin = reading.getBoundingClientRect().top;
    var wants = [];
    for (var i = 0; i < items.length; i++) {
      var item = items[i];
      var para = item.closest(".cp-para");
      var line = para.querySelector(".cp-text") || para;
      var want = line.getBoundingClientRect().top;
      if (item.id) {
        var call = para.querySelector('a[href="#' + CSS.escape(item.id) + '"]');
        if (call) want = Math.max(want, call.getBoundingClientRect().top - 4);
      }
      wants.push(want - origin);
    }
    var bottom = 0;
    for (var j = 0; j < items.length; j++) {
      var top = Math.max(wants[j], bottom);
      items[j].style.top = Math.round(top) + "px";
      bottom = top + items[j].offsetHeight + 10;
    }
    // Notes that run past the end of the page's content get room after it.
    var end = section.getBoundingClientRect().bottom - origin;
    if (bottom > end) section.style.paddingBottom = Math.ceil(bottom - end) + "px";
  }

  var laying = false;
  function layoutSoon() {
    if (laying) return;
    laying = true;
    window.requestAnimationFrame(function () { laying = false; layoutNotes(); });
  }

  if (reading) {
    reading.addEventListener("toggle", layoutSoon, true);
    if (wide.addEventListener) wide.addEventListener("change", layoutSoon);
    if (window.ResizeObserver) new ResizeObserver(layoutSoon).observe(reading);
    window.addEventListener("load", layoutSoon);
    if (document.fonts && document.fonts.ready) document.fonts.ready.then(layoutSoon);
  }

  function openTarget() {
    var id = decodeURIComponent(window.location.hash.slice(1));
    if (!id) return;
    var target = document.getElementById(id);
    if (target && target.tagName === "DETAILS" && !target.open) {
      target.open = true;
      layoutNotes();
      target.scrollIntoView({ block: "nearest" });
    }
  }

  // A note call opens its note where it is (beside or under the text) and moves there.
  function openNote(call, event) {
    var id = call.getAttribute("href").slice(1);
    var note = document.getElementById(id);
    if (!note || note.tagName !== "DETAILS") return;
    event.preventDefault();
    note.open = true;
    layoutNotes();
    history.replaceState(null, "", "#" + id);
    var summary = note.querySelector("summary");
    if (summary) summary.focus({ preventScroll: true });
    note.scrollIntoView({ block: "nearest" });
    hide();
  }

  // -- Clicks -------------------------------------------------------------------------------

  document.addEventListener("click", function (event) {
    var el = event.target;
    if (!(el instanceof Element)) return;
    var trigger = el.closest("a[data-preview]");
    if (trigger) {
      var touched = event.pointerType === "touch" || Date.now() - touchedAt < 800;
      if (touched) {
        event.preventDefault();
        openSheet(trigger);
        return;
      }
      if (trigger.classList.contains("cp-call")) openNote(trigger, event);
      return;
    }
    var call = el.closest("a.cp-call");
    if (call) {
      openNote(call, event);
      return;
    }
    var pnum = el.closest("a.cp-pnum");
    if (pnum) {
      var cite = pnum.getAttribute("data-cite");
      copy(cite, function () { announce("Copied: " + cite); });
      return;
    }
    var button = el.closest("button.cp-copy");
    if (button) {
      var block = document.getElementById(button.getAttribute("data-copy-target"));
      if (!block) return;
      var label = button.getAttribute("data-label") || button.textContent;
      button.setAttribute("data-label", label);
      copy(block.textContent.replace(/\s+$/, "") + "\n", function () {
        button.textContent = "Copied";
        announce(button.getAttribute("data-copied") || "Copied");
        window.setTimeout(function () { button.textContent = label; }, 2000);
      });
    }
  });

  // The BibTeX of an entry of a long page is shown when its cite block is opened.
  document.addEventListener("toggle", function (event) {
    var box = event.target;
    if (!(box instanceof Element) || !box.open) return;
    var later = box.querySelectorAll("template.cp-later");
    for (var i = 0; i < later.length; i++) later[i].replaceWith(later[i].content.cloneNode(true));
  }, true);

  // -- Print: every note, then put back the ones that were closed ------------------------

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
    layoutSoon();
  });

  describeLinks();
  layoutNotes();
  openTarget();
  window.addEventListener("hashchange", openTarget);
})();
