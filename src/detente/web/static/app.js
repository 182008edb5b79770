// Small enhancements; every page works without them.
// Article page: hovering an event row lights up its actors and trigger in the text, and
// clicking a marked word scrolls to the event's row.
(function () {
  "use strict";
  function marksOf(id) {
    return document.querySelectorAll('#article-text mark[data-events~="' + CSS.escape(id) + '"]');
  }
  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("tr[data-event]").forEach(function (row) {
      var id = row.getAttribute("data-event");
      row.addEventListener("mouseenter", function () {
        marksOf(id).forEach(function (m) { m.classList.add("lit"); });
      });
      row.addEventListener("mouseleave", function () {
        marksOf(id).forEach(function (m) { m.classList.remove("lit"); });
      });
    });
    document.querySelectorAll("#article-text mark[data-events]").forEach(function (mark) {
      mark.addEventListener("click", function () {
        var first = (mark.getAttribute("data-events") || "").split(" ")[0];
        var row = first && document.querySelector('tr[data-event="' + CSS.escape(first) + '"]');
        if (row) {
          row.scrollIntoView({ behavior: "smooth", block: "center" });
          row.classList.add("lit");
          setTimeout(function () { row.classList.remove("lit"); }, 1500);
        }
      });
    });
  });
})();
