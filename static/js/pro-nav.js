// Pro space menu: on a phone it is one row that scrolls sideways; bring
// the current page's entry into view. Without JS the menu works the same.
(function () {
  "use strict";
  var list = document.querySelector(".pro-nav ul");
  var current = list && list.querySelector('[aria-current="page"]');
  if (!current || list.scrollWidth <= list.clientWidth) return;
  var item = current.parentElement;
  list.scrollLeft = item.offsetLeft - (list.clientWidth - item.offsetWidth) / 2;
})();
