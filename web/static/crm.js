// Small progressive enhancements; every page works without them.
(function () {
  "use strict";

  // Ask before destructive actions (buttons carry data-confirm).
  document.addEventListener("click", function (event) {
    var button = event.target.closest("[data-confirm]");
    if (button && !window.confirm(button.getAttribute("data-confirm"))) {
      event.preventDefault();
    }
  });

  // Type-ahead for reference fields: suggestions from /lookup/TYPE?q=... into a datalist.
  var timers = new WeakMap();
  document.addEventListener("input", function (event) {
    var input = event.target;
    var url = input.getAttribute && input.getAttribute("data-lookup");
    if (!url || input.value.trim().length < 2) { return; }
    clearTimeout(timers.get(input));
    timers.set(input, setTimeout(function () {
      fetch(url + "?q=" + encodeURIComponent(input.value.trim()), { credentials: "same-origin" })
        .then(function (response) { return response.ok ? response.json() : []; })
        .then(function (items) {
          var list = document.getElementById(input.getAttribute("list"));
          if (!list) { return; }
          list.replaceChildren();
          items.forEach(function (item) {
            var option = document.createElement("option");
            option.value = item.number;
            option.textContent = item.number + " · " + item.title;
            list.appendChild(option);
          });
        })
        .catch(function () { /* suggestions are optional */ });
    }, 200));
  });
})();
