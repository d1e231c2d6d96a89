// Pro space menu: on a phone it is one row that scrolls sideways. Bring the
// current page's entry into view, and each entry reached with the keyboard
// wholly into view (the browser stops at "partly visible"). Without JS the
// menu works the same, a swipe away.
(function () {
  "use strict";
  var list = document.querySelector(".pro-nav ul");
  if (!list) return;
  function scrolls() {
    return list.scrollWidth > list.clientWidth;
  }
  var current = list.querySelector('[aria-current="page"]');
  if (current && scrolls()) {
    var item = current.parentElement;
    list.scrollLeft = item.offsetLeft - (list.clientWidth - item.offsetWidth) / 2;
  }
  list.addEventListener("focusin", function (event) {
    if (scrolls()) event.target.scrollIntoView({ block: "nearest", inline: "nearest" });
  });
})();
