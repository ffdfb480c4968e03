// Layout helpers of every page (loaded by templates/base.html).
(function () {
  "use strict";

  // The main menu folds behind a button on narrow screens (the CSS decides when). Without
  // this script the menu simply stays open.
  function menu() {
    var nav = document.querySelector(".site-nav");
    var button = nav && nav.querySelector(".nav-toggle");
    if (!button) {
      return;
    }
    nav.classList.add("nav-collapsible");
    button.hidden = false;
    button.addEventListener("click", function () {
      var open = button.getAttribute("aria-expanded") !== "true";
      button.setAttribute("aria-expanded", String(open));
      nav.classList.toggle("is-open", open);
    });
    document.addEventListener("keydown", function (event) {
      if (event.key === "Escape" && nav.classList.contains("is-open")) {
        button.setAttribute("aria-expanded", "false");
        nav.classList.remove("is-open");
        button.focus();
      }
    });
  }

  // A box that scrolls sideways (a wide table on a phone) must be reachable from the
  // keyboard: it takes the focus, and is announced by its caption or the heading before it.
  var SCROLLERS = "main table, .table-scroll, .content-scroll";

  function label(box) {
    var caption = box.querySelector("caption");
    if (caption) {
      return caption.textContent.trim();
    }
    var heading = null;
    for (var el = box.previousElementSibling || box.parentElement; el; el = el.previousElementSibling || el.parentElement) {
      if (/^H[1-6]$/.test(el.tagName)) {
        heading = el;
        break;
      }
      if (el.tagName === "MAIN") {
        break;
      }
    }
    return heading ? heading.textContent.trim() : document.title;
  }

  // Wider than its column at any screen size (a tablet, a zoomed page): the table becomes
  // its own scroll box. On phones the CSS does this for every table, script or not.
  function wideTables() {
    document.querySelectorAll("main table").forEach(function (table) {
      var parent = table.parentElement;
      var style = window.getComputedStyle(parent);
      if (style.overflowX === "auto" || style.overflowX === "scroll") {
        return;
      }
      var room = parent.clientWidth - parseFloat(style.paddingLeft) - parseFloat(style.paddingRight);
      table.classList.remove("is-wide");
      if (table.offsetWidth > room + 1) {
        table.classList.add("is-wide");
      }
    });
  }

  function scrollers() {
    wideTables();
    document.querySelectorAll(SCROLLERS).forEach(function (box) {
      var scrolls = box.scrollWidth > box.clientWidth + 1;
      if (scrolls && !box.hasAttribute("tabindex")) {
        box.setAttribute("tabindex", "0");
        box.dataset.scrollFocus = "1";
        if (box.tagName !== "TABLE" && !box.hasAttribute("aria-label")) {
          box.setAttribute("role", "region");
          box.setAttribute("aria-label", label(box));
        }
      } else if (!scrolls && box.dataset.scrollFocus) {
        box.removeAttribute("tabindex");
        delete box.dataset.scrollFocus;
      }
    });
  }

  function ready() {
    menu();
    scrollers();
    var pending = null;
    window.addEventListener("resize", function () {
      window.clearTimeout(pending);
      pending = window.setTimeout(scrollers, 150);
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", ready);
  } else {
    ready();
  }
})();
