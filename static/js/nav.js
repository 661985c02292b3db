// The "Menu" disclosure of the site navigation (templates/base.html): a native <details>,
// open in the HTML so that the links are there without JavaScript. On a phone it starts
// closed; on a wider screen, where its toggle is hidden, it is always open. <summary>
// tells assistive technologies whether it is expanded by itself.
(function () {
  "use strict";
  var menu = document.querySelector(".site-menu");
  if (!menu || !window.matchMedia) {
    return;
  }
  var narrow = window.matchMedia("(max-width: 40em)");
  function fit() {
    menu.open = !narrow.matches;
  }
  fit();
  if (narrow.addEventListener) {
    narrow.addEventListener("change", fit);
  }
})();
